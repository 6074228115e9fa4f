import cytoscape, { Core, ElementDefinition } from "cytoscape";
import dagre from "cytoscape-dagre";
import type { Service, ServiceGraph } from "./api";
import { fmtSec } from "./dom";
import { icons, kindOf } from "./icons";

cytoscape.use(dagre);

const colors = { ok: "#16a34a", error: "#f59e0b", throttle: "#a855f7", fault: "#dc2626" };

// nodeKey names a node across responses (ReferenceIds are per response).
export function nodeKey(s: Service): string {
  return (s.Type || "") + "|" + (s.Name || "");
}

// elementsOf is the graph as Cytoscape elements; minutes is the window's
// length for requests per minute, 0 (a single trace) leaves the rate out.
function elementsOf(graph: ServiceGraph, minutes: number): ElementDefinition[] {
  const els: ElementDefinition[] = [];
  const byRef = new Map(graph.Services.map((s) => [s.ReferenceId, s]));
  for (const s of graph.Services) {
    const st = s.SummaryStatistics;
    const total = st?.TotalCount || 0;
    const throttle = st?.ErrorStatistics?.ThrottleCount || 0;
    const error = (st?.ErrorStatistics?.TotalCount || 0) - throttle;
    const fault = st?.FaultStatistics?.TotalCount || 0;
    const ok = st?.OkCount ?? Math.max(0, total - error - throttle - fault);
    const avg = total ? (st!.TotalResponseTime || 0) / total : undefined;
    const kind = kindOf(s.Type, s.Name);
    const lines = [s.Name || "(unnamed)"];
    if (kind !== "client") lines.push(!total ? "no requests" : minutes ? `${fmtSec(avg)} · ${(total / minutes).toFixed(total / minutes < 10 ? 1 : 0)} t/min` : fmtSec(avg));
    if (s.Type && kind !== "client") lines.push(s.Type);
    const sum = Math.max(1, ok + error + throttle + fault);
    els.push({
      data: {
        id: nodeKey(s),
        ref: s.ReferenceId,
        label: lines.join("\n"),
        icon: icons[kind],
        kind,
        ok: (100 * ok) / sum,
        error: (100 * error) / sum,
        throttle: (100 * throttle) / sum,
        fault: (100 * fault) / sum,
        hasData: total > 0 ? 1 : 0,
      },
    });
    for (const e of s.Edges || []) {
      const target = byRef.get(e.ReferenceId);
      if (!target) continue;
      const et = e.SummaryStatistics;
      const n = et?.TotalCount || 0;
      const eavg = n ? (et!.TotalResponseTime || 0) / n : undefined;
      const bad = n ? ((et!.FaultStatistics?.TotalCount || 0) + (et!.ErrorStatistics?.TotalCount || 0)) / n : 0;
      els.push({
        data: {
          id: nodeKey(s) + "->" + nodeKey(target),
          source: nodeKey(s),
          target: nodeKey(target),
          sourceRef: s.ReferenceId,
          targetRef: e.ReferenceId,
          label: !n ? "" : minutes ? `${fmtSec(eavg)} · ${(n / minutes).toFixed(1)} t/min` : fmtSec(eavg),
          color: bad > 0.05 ? colors.fault : bad > 0 ? colors.error : "#64748b",
        },
      });
    }
  }
  return els;
}

// updateGraph puts a newer response's figures on the drawn graph, keeping
// layout and zoom; it reports false (and changes nothing) when nodes or
// edges came or went, which needs a new layout.
export function updateGraph(cy: Core, graph: ServiceGraph, minutes: number): boolean {
  const els = elementsOf(graph, minutes);
  const ids = new Set(els.map((e) => e.data.id));
  if (ids.size !== cy.elements().length || cy.elements().toArray().some((e) => !ids.has(e.id()))) return false;
  cy.batch(() => {
    for (const e of els) cy.getElementById(e.data.id!).data(e.data);
  });
  return true;
}

// drawGraph lays out a service graph with dagre (left to right, as X-Ray
// draws it). Labels are canvas text, so names from segments are never
// markup.
export function drawGraph(container: HTMLElement, graph: ServiceGraph, minutes: number): Promise<Core> {
  const els = elementsOf(graph, minutes);
  const t0 = performance.now();
  const cy = cytoscape({
    container,
    elements: els,
    minZoom: 0.02,
    maxZoom: 3,
    textureOnViewport: els.length > 300,
    hideEdgesOnViewport: els.length > 600,
    style: [
      {
        selector: "node",
        style: {
          width: 56,
          height: 56,
          shape: "ellipse",
          "background-color": "#ffffff",
          "background-image": "data(icon)",
          "background-width": "50%",
          "background-height": "50%",
          "border-width": 1,
          "border-color": "#cbd5e1",
          "pie-size": "100%",
          "pie-hole": "76%",
          "pie-1-background-color": colors.ok,
          "pie-1-background-size": "data(ok)",
          "pie-2-background-color": colors.error,
          "pie-2-background-size": "data(error)",
          "pie-3-background-color": colors.throttle,
          "pie-3-background-size": "data(throttle)",
          "pie-4-background-color": colors.fault,
          "pie-4-background-size": "data(fault)",
          label: "data(label)",
          "text-wrap": "wrap",
          "text-valign": "bottom",
          "text-margin-y": 6,
          "font-size": 11,
          color: "#0f172a",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": "2px",
          // Zoomed out (a large map), labels too small to read are not drawn.
          "min-zoomed-font-size": 7,
        },
      },
      { selector: "node[hasData = 0]", style: { "pie-size": "0%", "border-width": 3, "border-color": "#cbd5e1" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#2563eb" } },
      {
        selector: "edge",
        style: {
          width: 2,
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": "data(color)",
          "target-arrow-color": "data(color)",
          label: "data(label)",
          "font-size": 9,
          color: "#475569",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "min-zoomed-font-size": 7,
        },
      },
      { selector: "edge:selected", style: { width: 4, "line-color": "#2563eb", "target-arrow-color": "#2563eb" } },
    ] as any, // data() mappers for pie sizes are fine at run time; the typings want numbers
    layout: { name: "preset" },
  });
  const t1 = performance.now();
  cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 60, rankSep: 120, animate: false, ranker: els.length > 150 ? "longest-path" : "network-simplex" } as any).run();
  // Figures for docs/benchmarks.md (read by the browser test).
  (window as any).__mapTimings = { constructMs: t1 - t0, layoutMs: performance.now() - t1 };
  return new Promise((resolve) => {
    if (cy.elements().length === 0) resolve(cy);
    // The first render after layout: what a user waits for.
    cy.one("render", () => resolve(cy));
    setTimeout(() => resolve(cy), 3000); // a hidden container never renders
    cy.fit(undefined, 30);
    // A small graph would otherwise be blown up to fill the box.
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center();
    }
  });
}
