import type { AnnotationValue, TraceSummary } from "./api";
import { h } from "./dom";
import { quote } from "./state";

export function annotationText(v: AnnotationValue): string {
  if (v.StringValue !== undefined) return v.StringValue;
  if (v.NumberValue !== undefined) return String(v.NumberValue);
  if (v.BooleanValue !== undefined) return String(v.BooleanValue);
  return "";
}

// annotationCondition is the filter expression matching one annotation
// value (strings quoted, numbers and booleans bare).
export function annotationCondition(key: string, v: AnnotationValue): string {
  const k = /^[A-Za-z0-9_]+$/.test(key) ? key : null;
  if (!k) return "";
  if (v.StringValue !== undefined) return `annotation.${k} = ${quote(v.StringValue)}`;
  if (v.NumberValue !== undefined) return `annotation.${k} = ${v.NumberValue}`;
  if (v.BooleanValue !== undefined) return `annotation.${k} = ${v.BooleanValue}`;
  return "";
}

export function statusPills(t: TraceSummary): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (t.HasFault) out.push(h("span", { class: "pill fault" }, "Fault"));
  if (t.HasThrottle) out.push(h("span", { class: "pill throttle" }, "Throttle"));
  else if (t.HasError) out.push(h("span", { class: "pill error" }, "Error"));
  if (!t.HasFault && !t.HasError && !t.HasThrottle) out.push(h("span", { class: "pill ok" }, "OK"));
  if (t.IsPartial) out.push(h("span", { class: "pill inprogress" }, "Partial"));
  return out;
}

export function statusClass(t: TraceSummary): string {
  return t.HasFault ? "fault" : t.HasThrottle ? "throttle" : t.HasError ? "error" : "ok";
}
