/**
 * The Governance Center's tabs that are not on screen when the page opens, each one a chunk of its
 * own (esbuild splitting, ../../build.ts; every chunk is a web resource of the solution) fetched
 * the first time its tab is chosen, together with the engine's libraries (../../../../engine/engineLibs).
 * The Audit tab, shown first, stays in the first load.
 *
 * A new tab joins with one line here, `export const XView = lazyTab(() => import("../XView").then((m) => m.XView));`,
 * and renders as `<XView …/>` inside the Center's panel (renderGovernanceCenter wraps it in Suspense).
 *
 * Failure modes: a chunk that cannot be fetched rejects the lazy component; the panel's error
 * boundary (TabErrorBoundary) says so in the tab (reloading the page tries again) instead of a
 * blank tab.
 */
import * as React from "react";
import { loadEngineLibs } from "../../../../engine/engineLibs";

/** A view loaded on first render, after its chunk and the engine's libraries arrived. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- React.lazy's own constraint
export function lazyTab<C extends React.ComponentType<any>>(load: () => Promise<C>): React.LazyExoticComponent<C> {
  return React.lazy(() => Promise.all([load(), loadEngineLibs()]).then(([component]) => ({ default: component })));
}

export const ResultsView = lazyTab(() => import("../ResultsView").then((m) => m.ResultsView));
export const WaiversView = lazyTab(() => import("../WaiversView").then((m) => m.WaiversView));
export const RulePackView = lazyTab(() => import("../RulePackView").then((m) => m.RulePackView));
export const ReadinessView = lazyTab(() => import("../ReadinessView").then((m) => m.ReadinessView));
export const InsightsView = lazyTab(() => import("../InsightsView").then((m) => m.InsightsView));
export const SchedulesView = lazyTab(() => import("../SchedulesView").then((m) => m.SchedulesView));

interface BoundaryState {
  error: string | null;
}

/** Shows why a tab could not be loaded (its chunk did not arrive) instead of a blank tab. */
export class TabErrorBoundary extends React.Component<{ children: React.ReactNode; message: (error: string) => string }, BoundaryState> {
  override state: BoundaryState = { error: null };

  static getDerivedStateFromError(err: unknown): BoundaryState {
    return { error: err instanceof Error ? err.message : String(err) };
  }

  override render(): React.ReactNode {
    return this.state.error === null ? this.props.children : <p role="alert">{this.props.message(this.state.error)}</p>;
  }
}
