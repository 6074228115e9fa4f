import type { Core, ElementDefinition } from "cytoscape";
import { serviceGraph, timeSeries, Service, ServiceGraph, SummaryStats, HistEntry } from "../api";
import { chart, rebin } from "../chart";
import { fmtSec, h, pct, replace } from "../dom";
import { icons, kindLabels, kindOf, NodeKind } from "../icons";
import type { ScreenContext } from "../screen";
import { andFilter, link, quote } from "../state";
import { drawGraph, updateGraph } from "../graph";

export interface Health { ok: number; error: number; throttle: number; fault: number; total: number }

export function health(s?: SummaryStats): Health {
  if (!s) return { ok: 0, error: 0, throttle: 0, fault: 0, total: 0 };
  const throttle = s.ErrorStatistics?.ThrottleCount || 0;
  const error = (s.ErrorStatistics?.TotalCount || 0) - throttle;
  const fault = s.FaultStatistics?.TotalCount || 0;
  return { ok: s.OkCount || 0, error, throttle, fault, total: s.TotalCount || 0 };
}

// nodeSelector is the filter expression naming one graph node.
export function nodeSelector(s: Service): string {
  const name = s.Name || (s.Names || [])[0] || "";
  return s.Type ? `id(name: ${quote(name)}, type: ${quote(s.Type)})` : `id(name: ${quote(name)})`;
}

export default async function mapScreen(ctx: ScreenContext) {
  const { el } = ctx;
  let graph = await serviceGraph(ctx.win, ctx.group?.GroupName);
  if (ctx.stale()) return;
  const minutesOf = (c: ScreenContext) => Math.max(1, (c.win.end - c.win.start) / 60);
  const canvas = h("div", { class: "map-canvas", id: "map" });
  const panel = h("aside", { class: "panel", id: "map-panel" }, h("p", { class: "muted" }, "Click a node or an edge to see its response times and traces."));
  const legend = h(
    "div",
    { class: "legend" },
    (Object.keys(icons) as NodeKind[]).map((k) => h("span", { class: "legend-item" }, h("img", { src: icons[k], alt: "" }), kindLabels[k])),
    h("span", { class: "legend-item" }, h("i", { class: "sw ok" }), "OK"),
    h("span", { class: "legend-item" }, h("i", { class: "sw error" }), "Error (4xx)"),
    h("span", { class: "legend-item" }, h("i", { class: "sw throttle" }), "Throttle (429)"),
    h("span", { class: "legend-item" }, h("i", { class: "sw fault" }), "Fault (5xx)"),
  );
  replace(el, h("div", { class: "map-layout" }, h("div", { class: "map-main" }, legend, canvas), panel));
  if (!graph.Services?.length) {
    canvas.appendChild(h("p", { class: "empty" }, "No traces in this time range. Send segments to the UDP port, or run `lightbox serve --demo`."));
    return;
  }
  const t0 = performance.now();
  const cy = await drawGraph(canvas, graph, minutesOf(ctx));
  (window as any).__mapRenderMs = performance.now() - t0;

  // The open panel's element, to show it again with fresh figures.
  let selected: (() => void) | undefined;
  let current = ctx;
  const byRef = (ref: number) => graph.Services.find((s) => s.ReferenceId === ref);
  cy.on("tap", "node", (e) => {
    const ref = e.target.data("ref");
    selected = () => {
      const svc = byRef(ref);
      if (svc) showNode(current, panel, svc);
    };
    selected();
  });
  cy.on("tap", "edge", (e) => {
    const d = e.target.data();
    selected = () => {
      const src = byRef(d.sourceRef), dst = byRef(d.targetRef);
      const edge = src?.Edges?.find((x) => x.ReferenceId === d.targetRef);
      if (src && dst && edge) showEdge(current, panel, src, dst, edge.SummaryStatistics, edge.ResponseTimeHistogram);
    };
    selected();
  });
  const zoomBy = (f: number) => cy.zoom({ level: cy.zoom() * f, renderedPosition: { x: canvas.clientWidth / 2, y: canvas.clientHeight / 2 } });
  canvas.parentElement!.appendChild(
    h(
      "div",
      { class: "zoom" },
      h("button", { type: "button", class: "secondary", title: "Zoom in", onclick: () => zoomBy(1.25) }, "+"),
      h("button", { type: "button", class: "secondary", title: "Zoom out", onclick: () => zoomBy(0.8) }, "−"),
      h("button", { type: "button", class: "secondary", title: "Fit the map", onclick: () => cy.fit(undefined, 30) }, "Fit"),
    ),
  );
  (window as any).__cy = cy;
  return {
    cleanup: () => cy.destroy(),
    // Auto-refresh: new figures on the same drawing while the graph keeps
    // its shape; a new node or edge redraws the screen.
    refresh: async (next: ScreenContext) => {
      const g = await serviceGraph(next.win, next.group?.GroupName);
      if (next.stale()) return;
      if (!updateGraph(cy, g, minutesOf(next))) {
        next.go(location.pathname + location.search, true);
        return;
      }
      graph = g;
      current = next;
      (window as any).__mapRefreshes = ((window as any).__mapRefreshes || 0) + 1;
      selected?.();
    },
  };
}

function statusTable(hl: Health): HTMLElement {
  const row = (cls: string, label: string, n: number) => h("tr", null, h("td", null, h("i", { class: "sw " + cls }), label), h("td", { class: "num" }, n), h("td", { class: "num" }, pct(n, hl.total)));
  return h(
    "table",
    { class: "status-table" },
    h("tbody", null, row("ok", "OK", hl.ok), row("error", "Error (4xx)", hl.error), row("throttle", "Throttle (429)", hl.throttle), row("fault", "Fault (5xx)", hl.fault)),
  );
}

function panelBody(ctx: ScreenContext, panel: HTMLElement, title: string, subtitle: string, stats: SummaryStats | undefined, hist: HistEntry[] | undefined, base: string, entity?: { selector: string; edge: boolean }): void {
  const hl = health(stats);
  const avg = stats && stats.TotalCount ? stats.TotalResponseTime / stats.TotalCount : undefined;
  const viewLink = h("a", { class: "button", id: "view-traces", href: "" }, "View traces");
  const rangeNote = h("span", { class: "muted" });
  const exprEl = h("code", { class: "expr" });
  let rangeFilter = "";
  const update = () => {
    // The range goes inside the node's braces: the node's own response
    // time, as the chart shows.
    let expr = base;
    if (rangeFilter) expr = base.includes("{") ? base.replace(/\}\s*$/, `AND ${rangeFilter} }`) : base ? `${base} { ${rangeFilter} }` : rangeFilter;
    expr = expr.replace(/ +AND/, " AND");
    viewLink.setAttribute("href", link(ctx.state, "/traces", { filter: andFilter(ctx.state.filter, expr) }));
    exprEl.textContent = expr;
    rangeNote.textContent = rangeFilter ? "Selected: " + rangeFilter : "Drag across the chart to filter by response time.";
  };
  const bins = rebin(hist || []);
  const dist = chart({
    title: "Response time distribution",
    x: bins.x,
    series: [{ label: "requests", values: bins.counts, color: "#2563eb" }],
    bars: true,
    width: 340,
    height: 170,
    xLabel: "seconds",
    onSelect: (a, b) => {
      rangeFilter = `responsetime >= ${Math.max(0, a).toFixed(3)} AND responsetime <= ${Math.max(0, b).toFixed(3)}`;
      update();
    },
  });
  update();
  const series = h("div", { class: "panel-series", id: "panel-series" });
  if (entity) seriesChart(ctx, series, entity);
  replace(
    panel,
    h("h2", null, title),
    h("div", { class: "muted" }, subtitle),
    h("dl", { class: "kv" }, h("dt", null, "Average latency"), h("dd", null, fmtSec(avg)), h("dt", null, "Requests"), h("dd", null, hl.total)),
    dist,
    rangeNote,
    statusTable(hl),
    h("p", null, viewLink),
    exprEl,
    series,
  );
}

// seriesChart draws the entity's requests per period, split by outcome,
// from GetTimeSeriesServiceStatistics.
function seriesChart(ctx: ScreenContext, box: HTMLElement, entity: { selector: string; edge: boolean }): void {
  timeSeries(ctx.win, entity.selector, ctx.group?.GroupName)
    .then((res) => {
      if (ctx.stale()) return;
      const pts = res.TimeSeriesServiceStatistics || [];
      const st = (p: (typeof pts)[number]) => (entity.edge ? p.EdgeSummaryStatistics : p.ServiceSummaryStatistics || p.EdgeSummaryStatistics);
      const hs = pts.map((p) => health(st(p)));
      replace(
        box,
        chart({
          title: "Requests over time",
          x: pts.map((p) => p.Timestamp),
          series: [
            { label: "ok", values: hs.map((x) => x.ok), color: "#16a34a" },
            { label: "4xx", values: hs.map((x) => x.error), color: "#f59e0b" },
            { label: "429", values: hs.map((x) => x.throttle), color: "#a855f7" },
            { label: "5xx", values: hs.map((x) => x.fault), color: "#dc2626" },
          ],
          time: true,
          xRange: [ctx.win.start, ctx.win.end],
          width: 340,
          height: 170,
        }),
      );
    })
    .catch((err) => replace(box, h("p", { class: "muted" }, "No time series: " + (err as Error).message)));
}

function showNode(ctx: ScreenContext, panel: HTMLElement, svc: Service): void {
  const name = svc.Name || "";
  const kind = kindOf(svc.Type, name);
  const selector = kind === "client" ? "" : `service(${nodeSelector(svc)})`;
  panelBody(ctx, panel, name, (svc.Type || "service") + " · " + kindLabels[kind], svc.SummaryStatistics, svc.ResponseTimeHistogram, selector, kind === "client" ? undefined : { selector: `service(${nodeSelector(svc)})`, edge: false });
}

function showEdge(ctx: ScreenContext, panel: HTMLElement, src: Service, dst: Service, stats: SummaryStats | undefined, hist: HistEntry[] | undefined): void {
  const selector = kindOf(src.Type) === "client" ? `service(${nodeSelector(dst)}) { root = true }` : `edge(${nodeSelector(src)}, ${nodeSelector(dst)})`;
  const entity = kindOf(src.Type) === "client" ? undefined : { selector: `edge(${nodeSelector(src)}, ${nodeSelector(dst)})`, edge: true };
  panelBody(ctx, panel, `${src.Name} → ${dst.Name}`, "Edge", stats, hist, selector, entity);
}

export type { ServiceGraph, Core, ElementDefinition };
