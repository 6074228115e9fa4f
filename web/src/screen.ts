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

// A screen renders into ctx.el. It may return a cleanup function, or an
// object with cleanup and refresh: auto-refresh then calls refresh with a
// context for the moved time window instead of rendering the screen anew
// (the map keeps its layout, zoom and open panel).
export interface Live {
  cleanup?: () => void;
  refresh?: (ctx: ScreenContext) => Promise<void>;
}
export type Screen = (ctx: ScreenContext) => Promise<(() => void) | Live | void>;
