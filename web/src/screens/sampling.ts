import { call, samplingRules, samplingStats, SamplingRule, SamplingStatSummary } from "../api";
import { fmtTime, h, pct, replace } from "../dom";
import { confirmButton, form, Field } from "../form";
import type { ScreenContext } from "../screen";
import { withParams } from "../state";

export default async function samplingScreen(ctx: ScreenContext) {
  const { el, state } = ctx;
  const [rules, stats] = await Promise.all([samplingRules(), samplingStats().catch(() => [] as SamplingStatSummary[])]);
  if (ctx.stale()) return;
  rules.sort((a, b) => a.SamplingRule.Priority - b.SamplingRule.Priority);
  const editing = state.params.get("edit");
  const changed = () => ctx.go(withParams(state, { edit: null }), true);
  const byRule = new Map<string, SamplingStatSummary>();
  for (const s of stats) {
    const prev = byRule.get(s.RuleName);
    if (!prev || (s.Timestamp || 0) > (prev.Timestamp || 0)) byRule.set(s.RuleName, s);
  }

  const ruleForm = (r?: SamplingRule) => {
    const isDefault = r?.RuleName === "Default";
    const fields: Field[] = [
      { name: "RuleName", label: "Rule name", value: r?.RuleName, readonly: !!r },
      { name: "Priority", label: "Priority (1–9999)", type: "number", value: r?.Priority ?? 1000, readonly: isDefault },
      { name: "ReservoirSize", label: "Reservoir (traces/s)", type: "number", value: r?.ReservoirSize ?? 1 },
      { name: "FixedRate", label: "Fixed rate (0–1)", type: "number", step: "any", value: r?.FixedRate ?? 0.05 },
      { name: "ServiceName", label: "Service name", value: r?.ServiceName ?? "*", readonly: isDefault },
      { name: "ServiceType", label: "Service type", value: r?.ServiceType ?? "*", readonly: isDefault },
      { name: "Host", label: "Host", value: r?.Host ?? "*", readonly: isDefault },
      { name: "HTTPMethod", label: "HTTP method", value: r?.HTTPMethod ?? "*", readonly: isDefault },
      { name: "URLPath", label: "URL path", value: r?.URLPath ?? "*", readonly: isDefault },
      { name: "ResourceARN", label: "Resource ARN", value: r?.ResourceARN ?? "*", readonly: isDefault },
    ];
    return form({
      id: r ? "rule-edit" : "rule-create",
      title: r ? `Edit rule ${r.RuleName}` : "Create sampling rule",
      submit: r ? "Save" : "Create rule",
      fields,
      save: async (v) => {
        // Numbers go as numbers; an empty or malformed one goes as is so
        // the server's validation names it.
        const num = (s: string | boolean) => (typeof s === "string" && s.trim() !== "" && isFinite(Number(s)) ? Number(s) : s);
        const body: Record<string, unknown> = {};
        for (const f of fields) if (!(r && f.readonly && f.name !== "RuleName")) body[f.name] = f.type === "number" ? num(v[f.name]) : v[f.name];
        if (r) await call("/UpdateSamplingRule", { SamplingRuleUpdate: body });
        else await call("/CreateSamplingRule", { SamplingRule: { ...body, Version: 1 } });
        changed();
      },
      cancel: r ? () => ctx.go(withParams(state, { edit: null })) : undefined,
    });
  };

  const current = rules.find((r) => r.SamplingRule.RuleName === editing)?.SamplingRule;
  replace(
    el,
    h(
      "div",
      { class: "card" },
      h("h3", null, "Sampling rules"),
      h("p", { class: "muted" }, "SDKs with centralized sampling poll these rules; the statistics are what they last reported."),
      h(
        "table",
        { id: "rule-list" },
        h(
          "thead",
          null,
          h("tr", null, ["Name", "Priority", "Reservoir", "Rate", "Service", "Type", "Host", "Method", "URL path", "Requests", "Sampled", "Borrowed", "Reported", ""].map((c) => h("th", null, c))),
        ),
        h(
          "tbody",
          null,
          rules.map(({ SamplingRule: r }) => {
            const s = byRule.get(r.RuleName || "");
            return h(
              "tr",
              { "data-rule": r.RuleName || "" },
              h("td", null, r.RuleName || ""),
              h("td", { class: "num" }, r.Priority),
              h("td", { class: "num" }, r.ReservoirSize + "/s"),
              h("td", { class: "num" }, (r.FixedRate * 100).toFixed(r.FixedRate < 0.01 ? 2 : 0) + "%"),
              h("td", { class: "mono" }, r.ServiceName),
              h("td", { class: "mono" }, r.ServiceType),
              h("td", { class: "mono" }, r.Host),
              h("td", { class: "mono" }, r.HTTPMethod),
              h("td", { class: "mono" }, r.URLPath),
              h("td", { class: "num" }, s ? s.RequestCount : "–"),
              h("td", { class: "num" }, s ? `${s.SampledCount} (${pct(s.SampledCount, s.RequestCount)})` : "–"),
              h("td", { class: "num" }, s ? s.BorrowCount : "–"),
              h("td", null, s?.Timestamp ? fmtTime(s.Timestamp) : "–"),
              h(
                "td",
                null,
                h("a", { class: "button secondary", href: withParams(state, { edit: r.RuleName || "" }) }, "Edit"),
                " ",
                r.RuleName === "Default" ? null : confirmButton("Delete", async () => { await call("/DeleteSamplingRule", { RuleName: r.RuleName }); changed(); }, ctx.showError),
              ),
            );
          }),
        ),
      ),
    ),
    current ? ruleForm(current) : ruleForm(),
  );
}
