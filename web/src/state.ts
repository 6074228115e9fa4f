// All view state lives in the URL (path + query), so a link reproduces the
// view: /traces?filter=fault&range=1h&group=prod.

export const ranges: Record<string, number> = {
  "5m": 5 * 60,
  "15m": 15 * 60,
  "30m": 30 * 60,
  "1h": 3600,
  "3h": 3 * 3600,
  "6h": 6 * 3600,
};
export const rangeLabels: Record<string, string> = {
  "5m": "Last 5 minutes",
  "15m": "Last 15 minutes",
  "30m": "Last 30 minutes",
  "1h": "Last 1 hour",
  "3h": "Last 3 hours",
  "6h": "Last 6 hours",
  custom: "Custom…",
};
export const defaultRange = "15m";

export interface State {
  path: string;
  params: URLSearchParams;
  range: string;
  start?: number; // custom range, epoch seconds
  end?: number;
  group: string;
  filter: string;
  refresh: boolean;
  // refreshSeconds is the auto-refresh period: refresh=1 means the default
  // 30 s; refresh=N (N ≥ 5) asks for N seconds.
  refreshSeconds: number;
}

export function readState(loc: Location = window.location): State {
  const params = new URLSearchParams(loc.search);
  let range = params.get("range") || defaultRange;
  const start = Number(params.get("start")) || undefined;
  const end = Number(params.get("end")) || undefined;
  if (range === "custom" && !(start && end)) range = defaultRange;
  if (range !== "custom" && !(range in ranges)) range = defaultRange;
  return {
    path: loc.pathname,
    params,
    range,
    start,
    end,
    group: params.get("group") || "",
    filter: params.get("filter") || "",
    refresh: Number(params.get("refresh")) >= 1,
    refreshSeconds: Number(params.get("refresh")) >= 5 ? Number(params.get("refresh")) : 30,
  };
}

export function timeWindow(s: State, now = Date.now() / 1000): { start: number; end: number } {
  if (s.range === "custom" && s.start && s.end) return { start: s.start, end: s.end };
  const end = Math.floor(now);
  return { start: end - ranges[s.range], end };
}

// link builds a URL to path carrying the shared state (range, group,
// refresh) with patch applied; a null or empty value removes a parameter.
export function link(s: State, path: string, patch: Record<string, string | number | null | undefined> = {}, keep: string[] = []): string {
  const out = new URLSearchParams();
  for (const k of ["range", "start", "end", "group", "refresh", ...keep]) {
    const v = s.params.get(k);
    if (v) out.set(k, v);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === "") out.delete(k);
    else out.set(k, String(v));
  }
  const q = out.toString();
  return path + (q ? "?" + q : "");
}

// withParams is the current URL with patch applied.
export function withParams(s: State, patch: Record<string, string | number | null | undefined>): string {
  const out = new URLSearchParams(s.params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === "") out.delete(k);
    else out.set(k, String(v));
  }
  const q = out.toString();
  return s.path + (q ? "?" + q : "");
}

// andFilter joins filter expressions with AND, parenthesised.
export function andFilter(...parts: (string | undefined)[]): string {
  const p = parts.map((x) => (x || "").trim()).filter(Boolean);
  if (p.length <= 1) return p[0] || "";
  return p.map((x) => "(" + x + ")").join(" AND ");
}

// quote makes a filter-expression string literal.
export function quote(s: string): string {
  return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
}
