import { batchGetTraces, traceGraph } from "../api";
import { append, clear, fmtSec, fmtTime, h, replace } from "../dom";
import type { ScreenContext } from "../screen";
import { link } from "../state";

// Entity is a segment or subsegment document as sent (untrusted: every
// field is read defensively and shown as text).
interface Entity {
  id?: string;
  name?: string;
  start_time?: number;
  end_time?: number;
  in_progress?: boolean;
  parent_id?: string;
  trace_id?: string;
  type?: string;
  origin?: string;
  namespace?: string;
  inferred?: boolean;
  error?: boolean;
  fault?: boolean;
  throttle?: boolean;
  http?: { request?: Record<string, unknown>; response?: Record<string, unknown> };
  aws?: Record<string, unknown>;
  sql?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  cause?: { working_directory?: string; exceptions?: Exception[]; paths?: string[] } | string;
  subsegments?: Entity[];
  user?: string;
  service?: Record<string, unknown>;
  resource_arn?: string;
  precursor_ids?: string[];
}
interface Exception { id?: string; message?: string; type?: string; remote?: boolean; truncated?: number; skipped?: number; cause?: string; stack?: { path?: string; line?: number; label?: string }[] }

interface Row {
  e: Entity;
  depth: number;
  isSegment: boolean;
  children: Row[];
  collapsed: boolean;
  doc?: string; // raw JSON of a top-level document
}

const rowHeight = 24;

export default async function traceScreen(ctx: ScreenContext) {
  const { el, state } = ctx;
  const id = decodeURIComponent(state.path.slice("/traces/".length));
  const [traces] = await Promise.all([batchGetTraces([id])]);
  if (ctx.stale()) return;
  const trace = traces[0];
  if (!trace) {
    replace(el, h("p", { class: "empty" }, `Trace ${id} was not found (it may have expired, or not have arrived yet).`));
    return;
  }
  const roots = buildTree(trace.Segments.map((s) => s.Document));
  const all = flatten(roots, true);
  let t0 = Infinity, t1 = -Infinity;
  for (const r of all) {
    if (typeof r.e.start_time === "number") t0 = Math.min(t0, r.e.start_time);
    const end = typeof r.e.end_time === "number" ? r.e.end_time : r.e.start_time;
    if (typeof end === "number") t1 = Math.max(t1, end);
  }
  if (!isFinite(t0)) t0 = 0;
  if (!(t1 > t0)) t1 = t0 + 0.001;

  const details = h("section", { class: "card details", id: "details" }, h("p", { class: "muted" }, "Click a row of the timeline to see its details."));
  const mapBox = h("div", { class: "trace-map", id: "trace-map" });
  const timeline = h("div", { class: "timeline", id: "timeline" });
  const summary = h(
    "div",
    { class: "card" },
    h("h3", null, "Trace ", h("span", { class: "mono", id: "trace-id" }, trace.Id)),
    h("dl", { class: "kv" }, h("dt", null, "Started"), h("dd", null, fmtTime(t0)), h("dt", null, "Duration"), h("dd", null, fmtSec(t1 - t0)), h("dt", null, "Segments"), h("dd", null, trace.Segments.length), h("dt", null, "Entities"), h("dd", { id: "entity-count" }, all.length)),
    h("a", { href: link(state, "/traces", { filter: state.filter }) }, "‹ Back to traces"),
  );
  replace(el, h("div", { class: "trace-layout" }, h("div", { class: "trace-top" }, summary, h("div", { class: "card" }, h("h3", null, "Trace map"), mapBox)), h("div", { class: "card" }, h("h3", null, "Timeline"), timeline), details));

  const tl = new Timeline(timeline, roots, t0, t1, (row) => showDetails(details, row));
  tl.render();
  if (all[0]) showDetails(details, all[0]);

  // The per-trace map loads Cytoscape only now, after the timeline shows.
  let cy: { destroy(): void } | undefined;
  traceGraph([id])
    .then(async (g) => {
      if (ctx.stale() || !g.Services.length) return;
      const { drawGraph } = await import("../graph");
      if (ctx.stale()) return;
      cy = await drawGraph(mapBox, g, 0);
    })
    .catch((err) => append(mapBox, [h("p", { class: "muted" }, "Cannot draw the trace map: " + (err as Error).message)]));
  return () => {
    tl.destroy();
    cy?.destroy();
  };
}

function parseDoc(doc: string): Entity | null {
  try {
    const v = JSON.parse(doc);
    return v && typeof v === "object" ? (v as Entity) : null;
  } catch {
    return null;
  }
}

// buildTree nests each segment under the subsegment that called it
// (parent_id), as X-Ray's timeline does; the rest are roots.
function buildTree(docs: string[]): Row[] {
  const byId = new Map<string, Row>();
  const segs: Row[] = [];
  const walk = (e: Entity, depth: number, isSegment: boolean): Row => {
    const row: Row = { e, depth, isSegment, children: [], collapsed: false };
    if (typeof e.id === "string") byId.set(e.id, row);
    const subs = Array.isArray(e.subsegments) ? e.subsegments.slice() : [];
    subs.sort((a, b) => (a?.start_time || 0) - (b?.start_time || 0));
    for (const s of subs) if (s && typeof s === "object") row.children.push(walk(s, depth + 1, false));
    return row;
  };
  for (const d of docs) {
    const e = parseDoc(d);
    if (!e) continue;
    const r = walk(e, 0, e.type !== "subsegment");
    r.doc = d;
    segs.push(r);
  }
  const roots: Row[] = [];
  for (const r of segs) {
    const parent = r.e.parent_id ? byId.get(r.e.parent_id) : undefined;
    if (parent && parent !== r) parent.children.push(r);
    else roots.push(r);
  }
  const fixDepth = (r: Row, d: number) => {
    r.depth = d;
    r.children.sort((a, b) => (a.e.start_time || 0) - (b.e.start_time || 0));
    for (const c of r.children) fixDepth(c, d + 1);
  };
  roots.sort((a, b) => (a.e.start_time || 0) - (b.e.start_time || 0));
  for (const r of roots) fixDepth(r, 0);
  return roots;
}

function flatten(roots: Row[], all = false): Row[] {
  const out: Row[] = [];
  const visit = (r: Row) => {
    out.push(r);
    if (all || !r.collapsed) for (const c of r.children) visit(c);
  };
  for (const r of roots) visit(r);
  return out;
}

function entityStatus(e: Entity): string {
  const st = e.http?.response?.status;
  if (e.fault) return "fault";
  if (e.throttle) return "throttle";
  if (e.error) return "error";
  if (typeof st === "number" && st >= 500) return "fault";
  if (typeof st === "number" && st >= 400) return "error";
  return "ok";
}

// Inferred segments are the ones Lightbox (like X-Ray) makes up for AWS,
// SQL and remote calls from the caller's subsegment.
function isInferred(r: Row): boolean {
  return r.e.inferred === true;
}

// Timeline draws only the rows in view (plus a margin), so a trace of
// thousands of subsegments scrolls as smoothly as a small one.
class Timeline {
  private rows: Row[] = [];
  private body: HTMLElement;
  private spacer: HTMLElement;
  private selected?: Row;
  private frame = 0;
  private onScroll = () => {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.paint());
  };

  constructor(el: HTMLElement, private roots: Row[], private t0: number, private t1: number, private onSelect: (r: Row) => void) {
    this.spacer = h("div", { class: "tl-spacer" });
    this.body = h("div", { class: "tl-body" }, this.spacer);
    this.body.addEventListener("scroll", this.onScroll);
    const axis = h("div", { class: "tl-axis" }, h("div", { class: "tl-name" }, "Name"), h("div", { class: "tl-status" }, "Status"), h("div", { class: "tl-dur" }, "Duration"), this.ticks());
    replace(el, axis, this.body);
  }

  private ticks(): HTMLElement {
    const box = h("div", { class: "tl-bar tl-ticks" });
    for (let i = 0; i <= 4; i++) {
      // The first and last labels sit inside the axis, the rest centred.
      const shift = i === 0 ? "0" : i === 4 ? "-100%" : "-50%";
      box.appendChild(h("span", { style: `left:${i * 25}%;transform:translateX(${shift})` }, fmtSec(((this.t1 - this.t0) * i) / 4)));
    }
    return box;
  }

  render(): void {
    this.rows = flatten(this.roots);
    this.spacer.style.height = this.rows.length * rowHeight + "px";
    // Short traces take only the room they need; long ones scroll.
    this.body.style.height = `min(55vh, ${this.rows.length * rowHeight + 4}px)`;
    this.paint();
  }

  private paint(): void {
    const top = this.body.scrollTop;
    const height = this.body.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / rowHeight) - 20);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / rowHeight) + 20);
    clear(this.spacer);
    const span = this.t1 - this.t0;
    for (let i = first; i < last; i++) {
      const r = this.rows[i];
      const e = r.e;
      const start = typeof e.start_time === "number" ? e.start_time : this.t0;
      const end = typeof e.end_time === "number" ? e.end_time : e.in_progress ? this.t1 : start;
      const left = ((start - this.t0) / span) * 100;
      const width = Math.max(0.2, ((end - start) / span) * 100);
      const status = entityStatus(e);
      const toggle = r.children.length
        ? h("button", { class: "tl-toggle", "aria-label": r.collapsed ? "Expand" : "Collapse", onclick: (ev: Event) => { ev.stopPropagation(); r.collapsed = !r.collapsed; this.render(); } }, r.collapsed ? "▸" : "▾")
        : h("span", { class: "tl-toggle" });
      const row = h(
        "div",
        { class: "tl-row" + (r === this.selected ? " selected" : "") + (r.isSegment ? " segment" : ""), style: `top:${i * rowHeight}px`, "data-name": String(e.name ?? ""), onclick: () => { this.selected = r; this.onSelect(r); this.paint(); } },
        h(
          "div",
          { class: "tl-name", style: `padding-left:${r.depth * 14}px`, title: String(e.name ?? "") },
          toggle,
          h("span", { class: "tl-label" }, String(e.name ?? "(unnamed)")),
          e.in_progress ? h("span", { class: "pill inprogress" }, "in progress") : null,
          isInferred(r) ? h("span", { class: "pill inferred" }, "inferred") : null,
        ),
        h("div", { class: "tl-status" }, h("span", { class: "pill " + status }, typeof e.http?.response?.status === "number" ? String(e.http.response.status) : status)),
        h("div", { class: "tl-dur" }, e.in_progress ? "…" : fmtSec(end - start)),
        h("div", { class: "tl-bar" }, h("div", { class: "tl-fill " + status + (r.isSegment ? " seg" : ""), style: `left:${left}%;width:${width}%` })),
      );
      this.spacer.appendChild(row);
    }
  }

  destroy(): void {
    this.body.removeEventListener("scroll", this.onScroll);
    cancelAnimationFrame(this.frame);
  }
}

// ---- details pane ----

function kvTable(obj: Record<string, unknown> | undefined | null, prefix = ""): HTMLElement[] {
  const rows: HTMLElement[] = [];
  if (!obj || typeof obj !== "object") return rows;
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === "object" && !Array.isArray(v)) rows.push(...kvTable(v as Record<string, unknown>, prefix + k + "."));
    else rows.push(h("tr", null, h("th", null, prefix + k), h("td", { class: "mono" }, typeof v === "string" ? v : JSON.stringify(v))));
  }
  return rows;
}

function table(rows: HTMLElement[], empty: string): HTMLElement {
  return rows.length ? h("table", { class: "kv-table" }, h("tbody", null, rows)) : h("p", { class: "muted" }, empty);
}

function showDetails(box: HTMLElement, r: Row): void {
  const e = r.e;
  const start = typeof e.start_time === "number" ? e.start_time : undefined;
  const end = typeof e.end_time === "number" ? e.end_time : undefined;
  const cause = typeof e.cause === "object" && e.cause ? e.cause : undefined;
  const tabs: [string, () => HTMLElement][] = [
    [
      "Overview",
      () =>
        h(
          "div",
          null,
          table(
            [
              ...kvTable({
                name: e.name,
                id: e.id,
                kind: r.isSegment ? "segment" : "subsegment",
                parent_id: e.parent_id,
                origin: e.origin,
                namespace: e.namespace,
                user: e.user,
                start: start !== undefined ? fmtTime(start) : undefined,
                end: end !== undefined ? fmtTime(end) : e.in_progress ? "in progress" : undefined,
                duration: start !== undefined && end !== undefined ? fmtSec(end - start) : undefined,
                status: entityStatus(e),
              }),
            ],
            "",
          ),
          h("h4", null, "Request"),
          table(kvTable(e.http?.request as Record<string, unknown>), "No HTTP request."),
          h("h4", null, "Response"),
          table(kvTable(e.http?.response as Record<string, unknown>), "No HTTP response."),
        ),
    ],
    ["Resources", () => h("div", null, table([...kvTable(e.aws, "aws."), ...kvTable(e.service, "service."), ...(e.resource_arn ? kvTable({ resource_arn: e.resource_arn }) : [])], "No AWS resources or SDK information."))],
    ["Annotations", () => table(kvTable(e.annotations), "No annotations.")],
    ["Metadata", () => (e.metadata ? h("pre", { class: "json" }, JSON.stringify(e.metadata, null, 2)) : h("p", { class: "muted" }, "No metadata."))],
    [
      "Exceptions",
      () => {
        if (typeof e.cause === "string") return h("p", null, "Exception ID: ", h("span", { class: "mono" }, e.cause));
        const ex = cause?.exceptions || [];
        if (!ex.length) return h("p", { class: "muted" }, "No exceptions.");
        return h(
          "div",
          null,
          cause?.working_directory ? h("p", { class: "muted" }, "Working directory: " + cause.working_directory) : null,
          ex.map((x) =>
            h(
              "div",
              { class: "exception" },
              h("strong", null, String(x.type ?? "Exception")),
              x.remote ? h("span", { class: "pill inferred" }, "remote") : null,
              h("div", { class: "mono" }, String(x.message ?? "")),
              h("ol", { class: "stack" }, (x.stack || []).map((f) => h("li", { class: "mono" }, `${f.label ?? ""} (${f.path ?? "?"}:${f.line ?? "?"})`))),
            ),
          ),
        );
      },
    ],
    ["SQL", () => table(kvTable(e.sql), "No SQL.")],
    ["Raw data", () => h("pre", { class: "json", id: "raw-json" }, JSON.stringify(rawOf(r), null, 2))],
  ];
  const body = h("div", { class: "tab-body" });
  const bar = h("div", { class: "tabs" });
  const select = (i: number) => {
    for (const [j, b] of Array.from(bar.children).entries()) b.classList.toggle("active", i === j);
    replace(body, tabs[i][1]());
  };
  tabs.forEach(([name], i) => bar.appendChild(h("button", { class: "tab", type: "button", onclick: () => select(i) }, name)));
  replace(box, h("h3", null, String(e.name ?? "(unnamed)"), " ", h("span", { class: "muted" }, r.isSegment ? "segment" : "subsegment")), bar, body);
  select(0);
}

// rawOf is the entity without its nested subsegments (they have rows of
// their own), or the whole document for a segment.
function rawOf(r: Row): unknown {
  if (r.doc) {
    const v = parseDoc(r.doc);
    if (v) return v;
  }
  const { subsegments, ...rest } = r.e;
  return subsegments ? { ...rest, subsegments: `(${subsegments.length} nested)` } : rest;
}
