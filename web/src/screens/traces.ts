import { summaries, TraceSummary } from "../api";
import { fmtSec, fmtTime, h, pct, replace } from "../dom";
import type { ScreenContext } from "../screen";
import { andFilter, link, quote, withParams } from "../state";
import { annotationCondition, annotationText, statusClass, statusPills } from "../summary";

const pageSize = 25;

export default async function tracesScreen(ctx: ScreenContext) {
  const { el, state, win } = ctx;
  const { traces, truncated } = await summaries(win, andFilter(ctx.group?.FilterExpression, state.filter));
  if (ctx.stale()) return;
  traces.sort((a, b) => (b.StartTime || 0) - (a.StartTime || 0));
  const addCondition = (cond: string) => ctx.go(withParams(state, { filter: andFilter(state.filter, cond), page: null }));
  replace(
    el,
    refiners(traces, addCondition),
    byURL(traces, addCondition),
    traceTable(ctx, traces, truncated),
  );
}

// count tallies keys, keeping the first condition seen for each.
class Tally {
  m = new Map<string, { n: number; cond: string }>();
  add(key: string, cond: string) {
    const e = this.m.get(key);
    if (e) e.n++;
    else this.m.set(key, { n: 1, cond });
  }
  top(n = 50) {
    return [...this.m.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, n);
  }
}

function refiners(traces: TraceSummary[], add: (cond: string) => void): HTMLElement {
  const node = new Tally(), url = new Tally(), user = new Tally(), status = new Tally(), ann = new Tally();
  for (const t of traces) {
    for (const s of t.ServiceIds || []) {
      const name = s.Name || "";
      node.add(name + (s.Type ? " (" + s.Type + ")" : ""), `service(id(name: ${quote(name)}${s.Type ? ", type: " + quote(s.Type) : ""}))`);
    }
    if (t.Http?.HttpURL) url.add(t.Http.HttpURL, `http.url = ${quote(t.Http.HttpURL)}`);
    for (const u of t.Users || []) user.add(u.UserName, `user = ${quote(u.UserName)}`);
    if (t.Http?.HttpStatus) status.add("HTTP " + t.Http.HttpStatus, `http.status = ${t.Http.HttpStatus}`);
    status.add(statusClass(t), statusClass(t));
    for (const [k, vs] of Object.entries(t.Annotations || {})) {
      for (const v of vs) {
        const cond = annotationCondition(k, v.AnnotationValue);
        if (cond) ann.add(`${k} = ${annotationText(v.AnnotationValue)}`, cond);
      }
    }
  }
  const card = (title: string, id: string, t: Tally) =>
    h(
      "div",
      { class: "card", "data-refiner": id },
      h("h3", null, title),
      t.m.size === 0
        ? h("span", { class: "muted" }, "none")
        : h(
            "table",
            null,
            h(
              "tbody",
              null,
              t.top().map(([k, v]) => h("tr", { class: "clickable", title: "Add " + v.cond, onclick: () => add(v.cond) }, h("td", null, k), h("td", { class: "num" }, v.n), h("td", { class: "num" }, pct(v.n, traces.length)))),
            ),
          ),
    );
  return h(
    "details",
    { class: "refine", open: true },
    h("summary", null, "Refine by (click a value to add it to the filter)"),
    h("div", { class: "refiners" }, card("Node", "node", node), card("URL", "url", url), card("User", "user", user), card("Status", "status", status), card("Annotation", "annotation", ann)),
  );
}

function byURL(traces: TraceSummary[], add: (cond: string) => void): HTMLElement {
  const groups = new Map<string, { n: number; rt: number; faults: number; errors: number }>();
  for (const t of traces) {
    const u = t.Http?.HttpURL || "(no URL)";
    const g = groups.get(u) || { n: 0, rt: 0, faults: 0, errors: 0 };
    g.n++;
    g.rt += t.ResponseTime || 0;
    if (t.HasFault) g.faults++;
    if (t.HasError || t.HasThrottle) g.errors++;
    groups.set(u, g);
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].n - a[1].n);
  return h(
    "div",
    { class: "card" },
    h("h3", null, `Trace overview: ${traces.length} traces, grouped by URL`),
    h(
      "table",
      { id: "url-groups" },
      h("thead", null, h("tr", null, h("th", null, "URL"), h("th", { class: "num" }, "Avg response time"), h("th", { class: "num" }, "Traces"), h("th", { class: "num" }, "% of traces"), h("th", { class: "num" }, "Faults"), h("th", { class: "num" }, "Errors"))),
      h(
        "tbody",
        null,
        rows.map(([u, g]) =>
          h(
            "tr",
            { class: "clickable", onclick: () => u !== "(no URL)" && add(`http.url = ${quote(u)}`) },
            h("td", { class: "mono" }, u),
            h("td", { class: "num" }, fmtSec(g.rt / g.n)),
            h("td", { class: "num" }, g.n),
            h("td", { class: "num" }, pct(g.n, traces.length)),
            h("td", { class: "num" }, g.faults),
            h("td", { class: "num" }, g.errors),
          ),
        ),
      ),
    ),
  );
}

export function traceTable(ctx: ScreenContext, traces: TraceSummary[], truncated: boolean, pageParam = "page"): HTMLElement {
  const { state } = ctx;
  const pages = Math.max(1, Math.ceil(traces.length / pageSize));
  const page = Math.min(pages, Math.max(1, Number(state.params.get(pageParam)) || 1));
  const shown = traces.slice((page - 1) * pageSize, page * pageSize);
  const pager = h(
    "div",
    { class: "pager" },
    page > 1 ? h("a", { href: withParams(state, { [pageParam]: page - 1 }) }, "‹ Previous") : null,
    h("span", null, `Page ${page} of ${pages} · ${traces.length} traces${truncated ? " (first 1000; narrow the filter or range)" : ""}`),
    page < pages ? h("a", { href: withParams(state, { [pageParam]: page + 1 }), id: "next-page" }, "Next ›") : null,
  );
  if (!traces.length) {
    return h("div", { class: "card" }, h("h3", null, "Traces"), h("p", { class: "empty", id: "no-traces" }, "No traces match this filter in this time range."));
  }
  return h(
    "div",
    { class: "card" },
    h("h3", null, "Traces"),
    h(
      "table",
      { id: "trace-list" },
      h(
        "thead",
        null,
        h("tr", null, ["ID", "Start", "Method", "Status", "Response time", "Duration", "URL", "Annotations"].map((c, i) => h("th", { class: i === 4 || i === 5 ? "num" : "" }, c))),
      ),
      h(
        "tbody",
        null,
        shown.map((t) =>
          h(
            "tr",
            { "data-trace-id": t.Id },
            h("td", { class: "mono" }, h("a", { href: link(state, "/traces/" + encodeURIComponent(t.Id)) }, t.Id.slice(-12))),
            h("td", null, t.StartTime ? fmtTime(t.StartTime) : "–"),
            h("td", null, t.Http?.HttpMethod || ""),
            h("td", null, t.Http?.HttpStatus ? String(t.Http.HttpStatus) + " " : "", statusPills(t)),
            h("td", { class: "num" }, fmtSec(t.ResponseTime)),
            h("td", { class: "num" }, fmtSec(t.Duration)),
            h("td", { class: "mono" }, t.Http?.HttpURL || ""),
            h(
              "td",
              null,
              Object.entries(t.Annotations || {}).flatMap(([k, vs]) => vs.map((v) => h("span", { class: "pill" }, `${k}: ${annotationText(v.AnnotationValue)}`))),
            ),
          ),
        ),
      ),
    ),
    pager,
  );
}
