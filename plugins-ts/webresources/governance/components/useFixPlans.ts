/**
 * State and actions of the "Fix plans" tab: scope → preview (with exclusions a person unticks) →
 * approve → apply as a job (progress, pause, cancel, resume) → result with the scores before and
 * after → the run list with undo per run, rule or record. Every action goes through a FixSource
 * (../fixes.ts: plugins-ts/fix, the code the CLI runs); this hook only keeps what the page shows.
 */
import * as React from "react";
import type { RepairType } from "../../../engine/pack/types";
import type { FixPlan, FixProgress, FixRunResult, JournalEntry } from "../../../fix";
import type { PackState } from "../data";
import type { FixRunList, FixSource } from "../fixes";
import { fixStrings } from "../fixStrings";

export interface FixPlansProps {
  source: FixSource;
  pack: PackState | null;
  /** User names by id, for "proposed by" and the owner picker. */
  users: ReadonlyMap<string, { name: string; disabled: boolean }>;
}

export type JobState = "idle" | "running" | "paused" | "cancelled" | "done";

export interface ResultSummary {
  result: FixRunResult;
  /** "3,412 phone numbers normalised; …" */
  done: string;
  /** "contact validity 71 → 94; …" */
  scores: string[];
  /** Freshness changes, said apart: a write sets modifiedon. */
  notes: string[];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Rules of the pack in force that carry a repair, by table. */
export function repairRules(pack: PackState | null): { id: string; table: string; title: string; repair: RepairType }[] {
  return (pack?.inForce.rules ?? []).filter((r) => r.repair && r.enabled !== false).map((r) => ({ id: r.id, table: r.table, title: r.title, repair: r.repair!.type }));
}

export function summarise(result: FixRunResult, plan: FixPlan | null, applied: (ruleId: string) => number): ResultSummary {
  const byRepair = new Map<RepairType, number>();
  const rules = new Map((plan?.entries ?? []).map((e) => [e.ruleId, e.repair]));
  for (const [ruleId, repair] of rules) byRepair.set(repair, (byRepair.get(repair) ?? 0) + applied(ruleId));
  const scores = Object.entries(result.scoreBefore)
    .map(([table, b]) => (result.scoreAfter[table] ? fixStrings.scoreLine(table, b, result.scoreAfter[table]) : ""))
    .filter(Boolean);
  const notes = Object.entries(result.scoreBefore).flatMap(([table, b]) => {
    const x = b.dimensions.freshness;
    const y = result.scoreAfter[table]?.dimensions.freshness;
    return x !== undefined && x !== null && y !== undefined && y !== null && Math.round(x) !== Math.round(y) ? [fixStrings.freshnessNote(table, x, y)] : [];
  });
  return { result, done: fixStrings.doneLine([...byRepair].map(([repair, n]) => ({ repair, applied: n }))), scores, notes };
}

export function useFixPlans(props: FixPlansProps) {
  const { source } = props;
  const rules = repairRules(props.pack);
  const allTables = [...new Set(rules.map((r) => r.table))];
  const [tables, setTables] = React.useState<Set<string> | null>(null);
  const [ruleIds, setRuleIds] = React.useState<Set<string> | null>(null);
  const chosenTables = tables ?? new Set(allTables);
  const chosenRules = ruleIds ?? new Set(rules.map((r) => r.id));
  const [ownerId, setOwnerId] = React.useState("");
  const [plan, setPlan] = React.useState<FixPlan | null>(null);
  const [planning, setPlanning] = React.useState<{ records: number; proposals: number } | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [job, setJob] = React.useState<JobState>("idle");
  const [progress, setProgress] = React.useState<FixProgress | null>(null);
  const [summary, setSummary] = React.useState<ResultSummary | null>(null);
  const [me, setMe] = React.useState<string | null>(null);
  const [mustDiffer, setMustDiffer] = React.useState(false);
  const [runs, setRuns] = React.useState<FixRunList | null>(null);
  const [runsVersion, setRunsVersion] = React.useState(0);
  const [openRun, setOpenRun] = React.useState<{ id: string; name: string; entries: JournalEntry[] } | null>(null);
  const [undoBusy, setUndoBusy] = React.useState(false);
  const [undoMessage, setUndoMessage] = React.useState<{ intent: "success" | "warning" | "error"; text: string } | null>(null);
  const abort = React.useRef<{ controller: AbortController; why: "pause" | "cancel" } | null>(null);

  React.useEffect(() => {
    let live = true;
    source
      .me()
      .then((id) => live && setMe(id))
      .catch(() => undefined); // unknown: "approve as" is not shown
    source
      .approverMustDiffer()
      .then((v) => live && setMustDiffer(v))
      .catch(() => undefined); // unreadable: applyPlan reads it again and enforces it
    return () => {
      live = false;
    };
  }, [source]);
  React.useEffect(() => {
    let live = true;
    source
      .runs()
      .then((r) => live && setRuns(r))
      .catch((err: unknown) => live && setError(message(err)));
    return () => {
      live = false;
    };
  }, [source, runsVersion]);

  const toggle = (set: Set<string>, update: (s: Set<string>) => void, key: string, on: boolean): void => {
    const next = new Set(set);
    if (on) next.add(key);
    else next.delete(key);
    update(next);
  };

  const makePlan = async (): Promise<void> => {
    if (!props.pack) return;
    setError(null);
    setSummary(null);
    setPlan(null);
    setJob("idle");
    setProgress(null);
    setPlanning({ records: 0, proposals: 0 });
    try {
      const picked = rules.filter((r) => chosenRules.has(r.id) && chosenTables.has(r.table));
      // Only tables with a chosen rule: the scores before and after are of the tables the plan fixes.
      const scope = { tables: allTables.filter((t) => picked.some((r) => r.table === t)), rules: picked.map((r) => r.id) };
      setPlan(await source.plan({ pack: props.pack.inForce, ...scope, ownerId: ownerId || undefined, onProgress: (p) => setPlanning({ records: p.records, proposals: p.proposals }) }));
    } catch (err) {
      setError(message(err));
    } finally {
      setPlanning(null);
    }
  };

  const openFile = async (file: File): Promise<void> => {
    setError(null);
    setSummary(null);
    setJob("idle");
    try {
      setPlan(await source.parse(await file.text(), file.name));
    } catch (err) {
      setError(message(err));
    }
  };

  /** Ticks or unticks entries (one, or every entry of a rule). */
  const include = (keys: ReadonlySet<string>, on: boolean): void => setPlan((p) => (p ? { ...p, entries: p.entries.map((e) => (keys.has(e.key) ? { ...e, include: on } : e)) } : p));

  const apply = async (): Promise<void> => {
    if (!plan || !props.pack) return;
    const controller = new AbortController();
    abort.current = { controller, why: "cancel" };
    setError(null);
    setJob("running");
    try {
      const result = await source.apply(plan, props.pack.inForce, { onProgress: setProgress, signal: controller.signal });
      if (result.status === "cancelled") setJob(abort.current?.why === "pause" ? "paused" : "cancelled");
      else setJob("done");
      const applied = new Map<string, number>();
      // The run list is read before the summary shows, so the two never disagree on screen.
      const [entries, list] = await Promise.all([source.entries(result.runId), source.runs().catch((): null => null)]);
      for (const e of entries) if (e.outcome === "applied") applied.set(e.ruleId, (applied.get(e.ruleId) ?? 0) + 1);
      if (list) setRuns(list);
      else setRunsVersion((v) => v + 1);
      setSummary(summarise(result, plan, (r) => applied.get(r) ?? 0));
    } catch (err) {
      setError(fixStrings.applyFailed(message(err)));
      setJob("idle");
      setRunsVersion((v) => v + 1);
    } finally {
      abort.current = null;
    }
  };
  const stop = (why: "pause" | "cancel"): void => {
    if (!abort.current) return;
    abort.current.why = why;
    abort.current.controller.abort();
  };

  const showRun = async (id: string, name: string): Promise<void> => {
    setUndoMessage(null);
    try {
      setOpenRun({ id, name, entries: await source.entries(id) });
    } catch (err) {
      setUndoMessage({ intent: "error", text: message(err) });
    }
  };

  const undo = async (runId: string, name: string, only: { ruleId?: string; recordId?: string } = {}): Promise<void> => {
    if (!props.pack) return;
    setUndoBusy(true);
    setUndoMessage(null);
    try {
      const r = await source.undo(runId, props.pack.inForce, only);
      // The run's new status, its entries and the outcome message show together.
      const [entries, list] = await Promise.all([source.entries(runId), source.runs().catch((): null => null)]);
      if (list) setRuns(list);
      else setRunsVersion((v) => v + 1);
      setOpenRun({ id: runId, name, entries });
      setUndoMessage({ intent: r.outcomes.undoConflict > 0 ? "warning" : "success", text: fixStrings.undoDone(r.outcomes) });
    } catch (err) {
      setUndoMessage({ intent: "error", text: fixStrings.undoFailed(message(err)) });
      setRunsVersion((v) => v + 1);
    } finally {
      setUndoBusy(false);
    }
  };

  const download = (): string | null => (plan ? JSON.stringify(plan, null, 2) + "\n" : null);
  const canApprove = runs?.allowed === true && !(mustDiffer && plan !== null && me !== null && plan.proposedBy.toLowerCase() === me);

  return {
    rules,
    allTables,
    chosenTables,
    chosenRules,
    toggleTable: (t: string, on: boolean) => toggle(chosenTables, setTables, t, on),
    toggleRule: (r: string, on: boolean) => toggle(chosenRules, setRuleIds, r, on),
    ownerId,
    setOwnerId,
    plan,
    planning,
    makePlan,
    openFile,
    include,
    discard: () => {
      setPlan(null);
      setSummary(null);
      setJob("idle");
      setProgress(null);
    },
    download,
    error,
    job,
    progress,
    summary,
    apply,
    pause: () => stop("pause"),
    cancel: () => stop("cancel"),
    me,
    mustDiffer,
    runs,
    canApprove,
    openRun,
    showRun,
    undo,
    undoBusy,
    undoMessage,
  };
}

export type FixPlansState = ReturnType<typeof useFixPlans>;
