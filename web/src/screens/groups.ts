import type { ScreenContext } from "../screen";
import { h, replace } from "../dom";

export default async function screen(ctx: ScreenContext) {
  replace(ctx.el, h("p", null, "Coming soon."));
}
