import { ApiError } from "./api";
import { h, replace } from "./dom";

export interface Field {
  name: string;
  label: string;
  type?: "text" | "number" | "checkbox";
  value?: string | number | boolean;
  placeholder?: string;
  readonly?: boolean;
  step?: string;
}

// form builds a labelled form whose submit hands the values to save; the
// server's validation message (an X-Ray error) is shown inside the form.
export function form(opts: { id: string; title: string; fields: Field[]; submit: string; save: (v: Record<string, string | boolean>) => Promise<void>; cancel?: () => void }): HTMLElement {
  const inputs = new Map<string, HTMLInputElement>();
  const error = h("div", { class: "form-error", role: "alert", hidden: true });
  const rows = opts.fields.map((f) => {
    const input = h("input", {
      name: f.name,
      type: f.type || "text",
      value: f.type === "checkbox" ? undefined : f.value === undefined ? "" : String(f.value),
      checked: f.type === "checkbox" ? Boolean(f.value) : undefined,
      placeholder: f.placeholder,
      readonly: f.readonly,
      step: f.step,
      spellcheck: "false",
    });
    inputs.set(f.name, input);
    return h("label", { class: "form-row" }, h("span", null, f.label), input);
  });
  const el = h(
    "form",
    {
      class: "card form",
      id: opts.id,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const v: Record<string, string | boolean> = {};
        for (const [k, input] of inputs) v[k] = input.type === "checkbox" ? input.checked : input.value;
        error.hidden = true;
        try {
          await opts.save(v);
        } catch (err) {
          error.hidden = false;
          replace(error, h("strong", null, err instanceof ApiError ? err.type + ": " : "Error: "), (err as Error).message);
        }
      },
    },
    h("h3", null, opts.title),
    rows,
    error,
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, opts.submit), opts.cancel ? h("button", { type: "button", class: "secondary", onclick: opts.cancel }, "Cancel") : null),
  );
  return el;
}

// confirmButton asks for a second click instead of a modal dialog.
export function confirmButton(label: string, action: () => Promise<void>, onError: (e: unknown) => void): HTMLButtonElement {
  let armed = false;
  const b = h("button", { type: "button", class: "danger" }, label);
  b.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      b.textContent = "Confirm " + label.toLowerCase();
      setTimeout(() => { armed = false; b.textContent = label; }, 4000);
      return;
    }
    try {
      await action();
    } catch (e) {
      onError(e);
    }
  });
  return b;
}
