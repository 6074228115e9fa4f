// DOM building without markup: every string becomes a text node or an
// attribute value, never HTML. Segment content is untrusted, and this is
// the only way the console puts text on the page (no innerHTML anywhere).

export type Child = Node | string | number | null | undefined | false | Child[];

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") {
        el.addEventListener(k.slice(2), v);
      } else if (k === "value" && (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) {
        el.value = String(v);
      } else if (k === "style") {
        // Through the CSSOM, which the CSP allows, not a style attribute.
        el.style.cssText = String(v);
      } else if (k === "checked" && el instanceof HTMLInputElement) {
        el.checked = Boolean(v);
      } else {
        el.setAttribute(k, v === true ? "" : String(v));
      }
    }
  }
  if (attrs && typeof attrs.onclick === "function" && !nativelyInteractive.has(tag)) keyboardClickable(el);
  append(el, children);
  return el;
}

const nativelyInteractive = new Set<string>(["a", "button", "input", "select", "textarea", "summary", "label"]);

// keyboardClickable lets a clickable row or box be reached with Tab and
// used with Enter or Space, as a button would: without it, what only a
// mouse can click (refiner rows, grouped URLs, timeline rows) is out of
// reach from the keyboard.
function keyboardClickable(el: HTMLElement): void {
  if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
  // A table row keeps its row semantics; anything else announces itself
  // as a button.
  if (!(el instanceof HTMLTableRowElement) && !el.hasAttribute("role")) el.setAttribute("role", "button");
  el.addEventListener("keydown", (ev: KeyboardEvent) => {
    if (ev.target !== el || (ev.key !== "Enter" && ev.key !== " ")) return;
    ev.preventDefault();
    el.click();
  });
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replace(el: Node, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

// fmtMs prints a duration in seconds as X-Ray's console does.
export function fmtSec(s: number | undefined | null): string {
  if (s === undefined || s === null || !isFinite(s)) return "–";
  if (s < 1) return (s * 1000).toFixed(s < 0.01 ? 1 : 0) + " ms";
  return s.toFixed(2) + " s";
}

export function fmtTime(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  return d.toISOString().replace("T", " ").slice(0, 23);
}

export function pct(n: number, total: number): string {
  if (!total) return "0%";
  const p = (100 * n) / total;
  return (p < 10 ? p.toFixed(1) : p.toFixed(0)) + "%";
}
