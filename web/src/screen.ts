import type { Group, Window } from "./api";
import type { State } from "./state";

export interface ScreenContext {
  el: HTMLElement;
  state: State;
  win: Window;
  group?: Group;
  // showError puts an API error (its message carries the column of a bad
  // filter expression) under the filter bar; null hides it.
  showError: (err: unknown) => void;
  go: (url: string, replace?: boolean) => void;
  invalidateGroups: () => void;
  // stale reports whether the user has moved on (drop late results).
  stale: () => boolean;
}

// A screen renders into ctx.el and may return a cleanup function.
export type Screen = (ctx: ScreenContext) => Promise<(() => void) | void>;
