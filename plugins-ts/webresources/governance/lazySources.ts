/**
 * The data sources of the tabs that load on demand (components/GovernanceCenter/lazyTabs): the
 * same sources as their modules create, but the module (and the engine's libraries it may score
 * with) is fetched on the first call, so the first load of the page carries none of it.
 *
 * Failure modes: a chunk that cannot be fetched rejects the call that needed it, which its view
 * shows as any other load error.
 */
import type { DataverseGateway } from "../../dataverse/gateway";
import { loadEngineLibs } from "../../engine/engineLibs";
import type { InsightSource } from "./components/InsightsView";
import type { ReadinessSource } from "./components/ReadinessView";
import type { ScheduleSource } from "./schedules";

/** Resolves `load()` once (with the engine's libraries), for every later call too; a failure is not kept. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= Promise.all([load(), loadEngineLibs()])
      .then(([v]) => v)
      .catch((err: unknown) => {
        p = undefined;
        throw err;
      });
    return p;
  };
}

export function lazyReadinessSource(gateway: DataverseGateway): ReadinessSource {
  const source = once(() => import("./components/ReadinessView").then((m) => m.createReadinessSource(gateway)));
  return { assess: async (answers, now) => (await source()).assess(answers, now) };
}

export function lazyInsightSource(gateway: DataverseGateway): InsightSource {
  const source = once(() => import("./components/InsightsView").then((m) => m.createInsightSource(gateway)));
  return { regressions: async () => (await source()).regressions(), closedOpportunities: async () => (await source()).closedOpportunities() };
}

export function lazyScheduleSource(gateway: DataverseGateway, now: () => Date = () => new Date()): ScheduleSource {
  const source = once(() => import("./schedules").then((m) => m.createScheduleSource(gateway, now)));
  return { list: async () => (await source()).list(), add: async (draft) => (await source()).add(draft), runNow: async (id) => (await source()).runNow(id), now };
}
