import { summaries, RootCause, TraceSummary } from "../api";
import { chart, histogram } from "../chart";
import { fmtSec, h, pct, replace } from "../dom";
import type { ScreenContext } from "../screen";
import { andFilter, quote, withParams } from "../state";
import { annotationCondition, annotationText, statusClass } from "../summary";
import { traceTable } from "./traces";

// A dimension maps a trace to the values it shows in one table, each with
// the filter condition that selects it.
type Dim = { id: string; title: string; values: (t: TraceSummary) => [string, string][] };

function causeRows(kind: "responsetime" | "fault" | "error", pick: (t: TraceSummary) => RootCause[] | undefined) {
  return (t: TraceSummary): [string, string][] => {
    const out: [string, string][] = [];
    for (const rc of pick(t) || []) {
      const path = rc.Services || [];
      const last = path[path.length - 1];
      if (!last) continue;
      const entity = (last.EntityPath || []).map((e) => e.Name).filter(Boolean);
      const exc = kind !== "responsetime" ? (last.EntityPath || []).flatMap((e) => (e.Exceptions || []).map((x) => x.Name || "")).filter(Boolean)[0] : undefined;
      const label = path.map((s) => s.Name).join(" → ") + (entity.length > 1 ? " › " + entity.slice(1).join(" › ") : "") + (exc ? " : " + exc : "");
      out.push([label, `rootcause.${kind}.service { name = ${quote(last.Name)} }`]);
    }
    return out;
  };
}

const dims: Dim[] = [
  { id: "rt-causes", title: "Response time root causes", values: causeRows("responsetime", (t) => t.ResponseTimeRootCauses) },
  { id: "fault-causes", title: "Fault root causes", values: causeRows("fault", (t) => t.FaultRootCauses) },
  { id: "error-causes", title: "Error root causes", values: causeRows("error", (t) => t.ErrorRootCauses) },
  { id: "status", title: "HTTP status", values: (t) => (t.Http?.HttpStatus ? [[String(t.Http.HttpStatus), `http.status = ${t.Http.HttpStatus}`]] : [["(" + statusClass(t) + ")", statusClass(t)]]) },
  { id: "url", title: "URL", values: (t) => (t.Http?.HttpURL ? [[t.Http.HttpURL, `http.url = ${quote(t.Http.HttpURL)}`]] : []) },
  { id: "user", title: "User", values: (t) => (t.Users || []).map((u) => [u.UserName, `user = ${quote(u.UserName)}`] as [string, string]) },
  {
    id: "annotation",
    title: "Annotation values",
    values: (t) =>
      Object.entries(t.Annotations || {}).flatMap(([k, vs]) =>
        vs.map((v) => [`${k} = ${annotationText(v.AnnotationValue)}`, annotationCondition(k, v.AnnotationValue)] as [string, string]).filter(([, c]) => c),
      ),
  },
];

function tally(traces: TraceSummary[], d: Dim): Map<string, { n: number; cond: string }> {
  const m = new Map<string, { n: number; cond: string }>();
  for (const t of traces) {
    const seen = new Set<string>();
    for (const [label, cond] of d.values(t)) {
      if (seen.has(label)) continue; // a trace counts once per value
      seen.add(label);
      const e = m.get(label);
      if (e) e.n++;
      else m.set(label, { n: 1, cond });
    }
  }
  return m;
}

export default async function analyticsScreen(ctx: ScreenContext) {
  const { el, state, win } = ctx;
  const comparing = state.params.get("compare") === "1";
  const refineB = comparing && state.params.get("refine") === "b";
  const filterB = state.params.get("b") || "";
  const group = ctx.group?.FilterExpression;
  const [a, b] = await Promise.all([summaries(win, andFilter(group, state.filter)), comparing ? summaries(win, andFilter(group, filterB)) : Promise.resolve(null)]);
  if (ctx.stale()) return;
  const A = a.traces, B = b?.traces;

  const refine = (cond: string) => {
    if (refineB) ctx.go(withParams(state, { b: andFilter(filterB, cond) }));
    else ctx.go(withParams(state, { filter: andFilter(state.filter, cond), page: null }));
  };

  // Charts: distribution and time series, A (and B) overlaid.
  const rtA = A.map((t) => t.ResponseTime || 0), rtB = (B || []).map((t) => t.ResponseTime || 0);
  const bins = 40;
  const max = Math.max(0.001, ...rtA, ...rtB);
  const hA = histogram(rtA.concat([max]), bins), hB = histogram(rtB.concat([max]), bins);
  hA.counts[bins - 1]--; // the max was added only to align the bins
  hB.counts[bins - 1]--;
  const dist = chart({
    title: "Response time distribution",
    x: hA.x,
    series: [{ label: "A", values: hA.counts, color: "#2563eb" }, ...(B ? [{ label: "B", values: hB.counts, color: "#f97316" }] : [])],
    bars: true,
    width: 600,
    height: 220,
    xLabel: "response time (s)",
    onSelect: (lo, hi) => refine(`responsetime >= ${Math.max(0, lo).toFixed(3)} AND responsetime <= ${Math.max(0, hi).toFixed(3)}`),
  });
  const step = Math.max(1, Math.round((win.end - win.start) / 60));
  const buckets = Math.ceil((win.end - win.start) / step);
  const xs = Array.from({ length: buckets }, (_, i) => win.start + i * step);
  const series = (ts: TraceSummary[]) => {
    const c = new Array(buckets).fill(0);
    for (const t of ts) {
      const i = Math.floor(((t.StartTime || 0) - win.start) / step);
      if (i >= 0 && i < buckets) c[i]++;
    }
    return c;
  };
  const timeSeries = chart({
    title: "Traces over time",
    x: xs,
    series: [{ label: "A", values: series(A), color: "#2563eb" }, ...(B ? [{ label: "B", values: series(B), color: "#f97316" }] : [])],
    time: true,
    xRange: [win.start, win.end],
    width: 600,
    height: 220,
    onSelect: (from, to) => ctx.go(withParams(state, { range: "custom", start: Math.floor(from), end: Math.ceil(to) })),
  });

  const setInfo = h(
    "div",
    { class: "card sets" },
    h("div", null, h("span", { class: "pill set-a" }, "A"), ` ${A.length} traces · `, h("code", { id: "set-a" }, andFilter(group, state.filter) || "all traces"), a.truncated ? " (first 1000)" : ""),
    comparing
      ? h("div", null, h("span", { class: "pill set-b" }, "B"), ` ${B!.length} traces · `, h("code", { id: "set-b" }, andFilter(group, filterB) || "all traces"))
      : null,
    h(
      "div",
      { class: "set-actions" },
      comparing
        ? [
            h("label", null, h("input", { type: "radio", name: "refine", checked: !refineB, onchange: () => ctx.go(withParams(state, { refine: null })) }), " Clicks refine A "),
            h("label", null, h("input", { type: "radio", name: "refine", checked: refineB, onchange: () => ctx.go(withParams(state, { refine: "b" })) }), " Clicks refine B "),
            h("button", { class: "secondary", type: "button", onclick: () => ctx.go(withParams(state, { compare: null, refine: null, b: null })) }, "Stop comparing"),
          ]
        : h("button", { type: "button", id: "compare", onclick: () => ctx.go(withParams(state, { compare: "1", refine: "b" })) }, "Compare"),
      h("span", { class: "muted" }, " Click a row (or drag across a chart) to narrow the set."),
    ),
  );

  const tables = dims.map((d) => {
    const ta = tally(A, d);
    const tb = B ? tally(B, d) : null;
    const keys = new Set([...ta.keys(), ...(tb ? tb.keys() : [])]);
    const rows = [...keys]
      .map((k) => ({ k, a: ta.get(k)?.n || 0, b: tb?.get(k)?.n || 0, cond: (ta.get(k) || tb!.get(k))!.cond }))
      .sort((x, y) => y.a - x.a || y.b - x.b)
      .slice(0, 25);
    const pa = (n: number) => (A.length ? (100 * n) / A.length : 0);
    const pb = (n: number) => (B && B.length ? (100 * n) / B.length : 0);
    return h(
      "div",
      { class: "card", "data-table": d.id },
      h("h3", null, d.title),
      rows.length === 0
        ? h("p", { class: "muted" }, "None in this set.")
        : h(
            "table",
            null,
            h("thead", null, h("tr", null, h("th", null, "Value"), h("th", { class: "num" }, "A"), h("th", { class: "num" }, "% A"), B ? [h("th", { class: "num" }, "% B"), h("th", { class: "num" }, "Δ")] : null)),
            h(
              "tbody",
              null,
              rows.map((r) => {
                const delta = pa(r.a) - pb(r.b);
                return h(
                  "tr",
                  { class: "clickable", title: "Add " + r.cond, onclick: () => refine(r.cond) },
                  h("td", { class: "mono" }, r.k),
                  h("td", { class: "num" }, r.a),
                  h("td", { class: "num" }, pct(r.a, A.length)),
                  B ? [h("td", { class: "num" }, pct(r.b, B.length)), h("td", { class: "num " + (delta > 0 ? "delta-pos" : delta < 0 ? "delta-neg" : "") }, (delta > 0 ? "+" : "") + delta.toFixed(1) + " pp")] : null,
                );
              }),
            ),
          ),
    );
  });

  const avg = A.length ? rtA.reduce((x, y) => x + y, 0) / A.length : undefined;
  replace(
    el,
    setInfo,
    h("div", { class: "grid2" }, h("div", { class: "card", id: "chart-distribution" }, h("div", { class: "muted" }, `Average response time ${fmtSec(avg)}`), dist), h("div", { class: "card", id: "chart-timeseries" }, timeSeries)),
    h("div", { class: "grid2", id: "analytics-tables" }, tables),
    traceTable(ctx, A.slice().sort((x, y) => (y.StartTime || 0) - (x.StartTime || 0)), a.truncated),
  );
}
