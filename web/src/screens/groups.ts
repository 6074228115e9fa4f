import { call, groups as listGroups, Group } from "../api";
import { h, replace } from "../dom";
import { confirmButton, form } from "../form";
import type { ScreenContext } from "../screen";
import { link, withParams } from "../state";

export default async function groupsScreen(ctx: ScreenContext) {
  const { el, state } = ctx;
  const gs = await listGroups();
  if (ctx.stale()) return;
  const editing = state.params.get("edit");
  const changed = () => {
    ctx.invalidateGroups();
    ctx.go(withParams(state, { edit: null }), true);
  };
  const editForm = (g?: Group) =>
    form({
      id: g ? "group-edit" : "group-create",
      title: g ? `Edit group ${g.GroupName}` : "Create group",
      submit: g ? "Save" : "Create group",
      fields: [
        { name: "GroupName", label: "Name", value: g?.GroupName, readonly: !!g, placeholder: "e.g. checkout-faults" },
        { name: "FilterExpression", label: "Filter expression", value: g?.FilterExpression, placeholder: 'e.g. service("checkout") { fault }' },
        { name: "InsightsEnabled", label: "Insights enabled", type: "checkbox", value: g?.InsightsConfiguration?.InsightsEnabled },
      ],
      save: async (v) => {
        await call(g ? "/UpdateGroup" : "/CreateGroup", {
          GroupName: v.GroupName,
          FilterExpression: v.FilterExpression,
          InsightsConfiguration: { InsightsEnabled: v.InsightsEnabled, NotificationsEnabled: false },
        });
        changed();
      },
      cancel: g ? () => ctx.go(withParams(state, { edit: null })) : undefined,
    });
  const current = gs.find((g) => g.GroupName === editing);
  replace(
    el,
    h(
      "div",
      { class: "card" },
      h("h3", null, "Groups"),
      h("p", { class: "muted" }, "A group is a saved filter expression; pick it in the group selector to scope the map, the traces and analytics."),
      h(
        "table",
        { id: "group-list" },
        h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Filter expression"), h("th", null, "Insights"), h("th", null, "ARN"), h("th", null, ""))),
        h(
          "tbody",
          null,
          gs.map((g) =>
            h(
              "tr",
              { "data-group": g.GroupName },
              h("td", null, h("a", { href: link(state, "/map", { group: g.GroupName === "Default" ? null : g.GroupName }) }, g.GroupName)),
              h("td", { class: "mono" }, g.FilterExpression || ""),
              h("td", null, g.InsightsConfiguration?.InsightsEnabled ? "on" : "off"),
              h("td", { class: "mono muted" }, g.GroupARN),
              h(
                "td",
                null,
                g.GroupName === "Default"
                  ? h("span", { class: "muted" }, "all traces")
                  : [
                      h("a", { class: "button secondary", href: withParams(state, { edit: g.GroupName }) }, "Edit"),
                      " ",
                      confirmButton("Delete", async () => { await call("/DeleteGroup", { GroupName: g.GroupName }); changed(); }, ctx.showError),
                    ],
              ),
            ),
          ),
        ),
      ),
    ),
    current && current.GroupName !== "Default" ? editForm(current) : editForm(),
  );
}
