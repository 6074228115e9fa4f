import "./style.css";
import { ApiError, groups as listGroups, Group } from "./api";
import { append, clear, h, replace } from "./dom";
import { link, rangeLabels, readState, State, timeWindow, withParams } from "./state";
import type { Live, Screen, ScreenContext } from "./screen";

// Each screen is loaded on first visit, so the first page pulls only the
// shell and its own screen (Cytoscape is in the map's chunk).
const screens: { match: RegExp; title: string; load: () => Promise<{ default: Screen }> }[] = [
  { match: /^\/(map)?$/, title: "Service map", load: () => import("./screens/map") },
  { match: /^\/traces\/[^/]+$/, title: "Trace", load: () => import("./screens/trace") },
  { match: /^\/traces$/, title: "Traces", load: () => import("./screens/traces") },
  { match: /^\/analytics$/, title: "Analytics", load: () => import("./screens/analytics") },
  { match: /^\/groups$/, title: "Groups", load: () => import("./screens/groups") },
  { match: /^\/sampling$/, title: "Sampling rules", load: () => import("./screens/sampling") },
];

const nav: [string, string][] = [
  ["/map", "Service map"],
  ["/traces", "Traces"],
  ["/analytics", "Analytics"],
  ["/groups", "Groups"],
  ["/sampling", "Sampling rules"],
];

const app = document.getElementById("app")!;
const navEl = h("nav", { class: "nav" });
const filterInput = h("input", { id: "filter", type: "text", spellcheck: "false", autocomplete: "off", placeholder: 'Filter expression, e.g. service("api") { fault } AND responsetime > 1' });
const filterError = h("div", { id: "filter-error", class: "filter-error", role: "alert", hidden: true });
const rangeSelect = h("select", { id: "range", "aria-label": "Time range" });
const customBox = h("span", { class: "custom-range", hidden: true });
const groupSelect = h("select", { id: "group", "aria-label": "Group" });
const refreshBox = h("input", { id: "refresh", type: "checkbox" });
const content = h("main", { id: "content" });
const status = h("span", { class: "status", id: "status" });

for (const [k, label] of Object.entries(rangeLabels)) rangeSelect.appendChild(h("option", { value: k }, label));

append(app, [
  h("header", { class: "top" }, h("a", { class: "brand", href: "/map" }, "Lightbox"), navEl, status),
  h(
    "div",
    { class: "toolbar" },
    h(
      "form",
      { class: "filter-form", id: "filter-form", onsubmit: (e: Event) => { e.preventDefault(); go(withParams(readState(), { filter: filterInput.value.trim(), page: null })); } },
      filterInput,
      h("button", { type: "submit", id: "filter-run" }, "Run query"),
    ),
    h("label", null, "Group ", groupSelect),
    rangeSelect,
    customBox,
    h("label", { class: "refresh" }, refreshBox, " Auto-refresh"),
  ),
  filterError,
  content,
]);

rangeSelect.addEventListener("change", () => {
  const s = readState();
  if (rangeSelect.value === "custom") {
    const w = timeWindow(s);
    go(withParams(s, { range: "custom", start: w.start, end: w.end }));
  } else {
    go(withParams(s, { range: rangeSelect.value, start: null, end: null }));
  }
});
groupSelect.addEventListener("change", () => go(withParams(readState(), { group: groupSelect.value })));
refreshBox.addEventListener("change", () => go(withParams(readState(), { refresh: refreshBox.checked ? "1" : null })));

// Links inside the console navigate without reloading.
document.addEventListener("click", (e) => {
  const a = (e.target as Element | null)?.closest?.("a");
  if (!a || a.target || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  const href = a.getAttribute("href");
  if (!href || !href.startsWith("/") || href.startsWith("//")) return;
  e.preventDefault();
  go(href);
});
window.addEventListener("popstate", () => render());

export function go(url: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, "", url);
  else if (url !== location.pathname + location.search) history.pushState(null, "", url);
  render();
}

let groupsCache: Group[] | null = null;
async function loadGroups(): Promise<Group[]> {
  if (!groupsCache) {
    try {
      groupsCache = await listGroups();
    } catch {
      groupsCache = [];
    }
  }
  return groupsCache;
}

function showError(err: unknown): void {
  if (err === null) {
    filterError.hidden = true;
    clear(filterError);
    return;
  }
  const e = err as Error;
  filterError.hidden = false;
  replace(filterError, h("strong", null, err instanceof ApiError ? err.type + ": " : "Error: "), e.message || String(e));
}

function customRange(s: State): void {
  clear(customBox);
  customBox.hidden = s.range !== "custom";
  if (s.range !== "custom") return;
  const w = timeWindow(s);
  const iso = (t: number) => new Date(t * 1000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const from = h("input", { type: "datetime-local", value: iso(w.start), "aria-label": "From" });
  const to = h("input", { type: "datetime-local", value: iso(w.end), "aria-label": "To" });
  const apply = () => {
    const a = new Date(from.value).getTime() / 1000, b = new Date(to.value).getTime() / 1000;
    if (a && b && a < b) go(withParams(readState(), { range: "custom", start: Math.floor(a), end: Math.ceil(b) }));
  };
  from.addEventListener("change", apply);
  to.addEventListener("change", apply);
  append(customBox, [from, " – ", to]);
}

let live: Live = {};
let refreshTimer: number | undefined;
let renderSeq = 0;

// render draws the screen the URL names. With inPlace (auto-refresh of a
// screen that has no refresh of its own) the new rendering is built in a
// hidden buffer inside the page, laid out at the page's width, and swapped
// in whole when done, at the same scroll position: the old one stays on
// screen meanwhile, instead of a blank page and a jump to the top.
async function render(inPlace = false): Promise<void> {
  const seq = ++renderSeq;
  const s = readState();
  // An in-place rendering leaves the screen on show live until it
  // replaces it, so that a navigation meanwhile still cleans it up.
  const previous = live;
  if (!inPlace) {
    previous.cleanup?.();
    live = {};
  }
  window.clearTimeout(refreshTimer);
  showError(null);

  // Shared controls reflect the URL.
  filterInput.value = s.filter;
  rangeSelect.value = s.range;
  refreshBox.checked = s.refresh;
  customRange(s);
  replace(navEl, nav.map(([p, label]) => h("a", { href: link(s, p, p === "/traces" || p === "/analytics" ? { filter: s.filter } : {}), class: s.path.startsWith(p) || (p === "/map" && s.path === "/") ? "active" : "" }, label)));

  const screen = screens.find((x) => x.match.test(s.path));
  if (!screen) {
    replace(content, h("p", null, "No such page. "), h("a", { href: "/map" }, "Open the service map"));
    return;
  }
  document.title = screen.title + " · Lightbox";
  const gs = await loadGroups();
  if (seq !== renderSeq) return;
  replace(groupSelect, h("option", { value: "" }, "Default (all traces)"), gs.filter((g) => g.GroupName !== "Default").map((g) => h("option", { value: g.GroupName }, g.GroupName)));
  groupSelect.value = s.group;
  const group = gs.find((g) => g.GroupName === s.group);

  status.textContent = "Loading…";
  const mod = await screen.load();
  if (seq !== renderSeq) return;
  let target: HTMLElement = content;
  if (inPlace) {
    target = h("div", { class: "refresh-buffer", "aria-hidden": "true" });
    content.appendChild(target);
  } else {
    clear(content);
  }
  const ctx: ScreenContext = {
    el: target,
    state: s,
    win: timeWindow(s),
    group,
    showError,
    go,
    invalidateGroups: () => { groupsCache = null; },
    stale: () => seq !== renderSeq,
  };
  try {
    const r = await mod.default(ctx);
    const fresh: Live = typeof r === "function" ? { cleanup: r } : r || {};
    if (inPlace) {
      if (seq !== renderSeq) {
        fresh.cleanup?.();
        target.remove();
        return;
      }
      const y = window.scrollY;
      previous.cleanup?.();
      replace(content, Array.from(target.childNodes));
      ctx.el = content;
      window.scrollTo(window.scrollX, y);
    }
    live = fresh;
    if (seq === renderSeq) status.textContent = "Updated " + new Date().toLocaleTimeString();
  } catch (err) {
    // In place, the old rendering stays (still live), with the error
    // above it.
    if (inPlace) target.remove();
    if (seq !== renderSeq) return;
    showError(err);
    status.textContent = "";
  }
  if (s.refresh && seq === renderSeq) scheduleRefresh(ctx, seq);
}

function scheduleRefresh(ctx: ScreenContext, seq: number): void {
  refreshTimer = window.setTimeout(async () => {
    if (seq !== renderSeq) return;
    if (!live.refresh) {
      render(true);
      return;
    }
    const next = { ...ctx, win: timeWindow(ctx.state) };
    try {
      await live.refresh(next);
      if (seq === renderSeq) status.textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (err) {
      if (seq === renderSeq) showError(err);
    }
    if (seq === renderSeq) scheduleRefresh(next, seq);
  }, ctx.state.refreshSeconds * 1000);
}

render();
