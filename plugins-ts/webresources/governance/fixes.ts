/**
 * The Governance Center's fix plans: a thin layer over plugins-ts/fix, the same code `vitals fix`
 * runs, through the page's own gateway (the signed-in person's session, so their own security
 * context). It builds no request of its own.
 *
 *  - plan: `makePlan` over the chosen tables and rules with the pack in force; writes nothing.
 *  - apply: reads vit_FixApproverMustDiffer and calls `applyPlan`, which refuses a user without
 *    the Vitals Governance Owner role (the platform's 403 on vit_fixrun) and, when the variable
 *    says so, an approver who proposed the plan — the checks the CLI makes, in one place.
 *  - runs: vit_fixrun rows, newest first. A user who may not read them (no Vitals Governance Owner
 *    role) gets `{ allowed: false }` with the platform's reason, which the view shows.
 *  - undo: `undoRun` for a run, one rule's fixes or one record's.
 *
 * Failure modes: every call rejects with the message of plugins-ts/fix (FixApprovalError for a
 * refused approval, FixPlanError for a plan file that does not validate).
 */
import { readEnvironmentVariable } from "../../audit/settings";
import type { DataverseGateway } from "../../dataverse/gateway";
import { DataverseError } from "../../dataverse/errors";
import type { RulePack } from "../../engine/pack/types";
import { applyPlan, makePlan, parsePlan, readEntries, undoRun, type FixPlan, type FixProgress, type FixRunResult, type FixRunStatus, type JournalEntry } from "../../fix";
import { STATUS_OF_VALUE } from "../../fix/model";

export const APPROVER_MUST_DIFFER_VARIABLE = "vit_FixApproverMustDiffer";

/** One vit_fixrun row as the run list shows it. */
export interface FixRunRow {
  id: string;
  name: string;
  status: FixRunStatus;
  proposedBy: string | null;
  approvedBy: string | null;
  approvedOn: string | null;
  finishedOn: string | null;
  entryCount: number | null;
  rules: string[];
}

export type FixRunList = { allowed: true; runs: FixRunRow[] } | { allowed: false; reason: string };

export interface FixPlanRequest {
  pack: RulePack;
  tables: string[];
  rules?: string[];
  ownerId?: string;
  onProgress?: (p: { table: string; records: number; proposals: number }) => void;
  signal?: AbortSignal;
}

export interface FixSource {
  /** The signed-in user's id (who proposes and who approves). */
  me(): Promise<string>;
  /** Whether the organisation requires the approver to differ from the proposer. */
  approverMustDiffer(): Promise<boolean>;
  plan(request: FixPlanRequest): Promise<FixPlan>;
  /** A plan file made elsewhere (`vitals fix plan`, a colleague's download), checked as a whole. */
  parse(text: string, source: string): Promise<FixPlan>;
  apply(plan: FixPlan, pack: RulePack, o: { onProgress?: (p: FixProgress) => void; signal?: AbortSignal }): Promise<FixRunResult>;
  runs(): Promise<FixRunList>;
  entries(runId: string): Promise<JournalEntry[]>;
  undo(runId: string, pack: RulePack, o: { ruleId?: string; recordId?: string; onProgress?: (p: FixProgress) => void }): Promise<FixRunResult>;
}

/** Records per journal-and-write step in the page: small enough that progress, pause and cancel respond within seconds. */
export const UI_CHUNK_SIZE = 50;

const RUN_COLUMNS = ["vit_name", "vit_status", "_vit_proposedby_value", "_vit_approvedby_value", "vit_approvedon", "vit_finishedon", "vit_entrycount", "vit_rules"];

/** The value of vit_FixApproverMustDiffer as a yes/no (Dataverse stores booleans as "yes"/"no"). */
export async function readApproverMustDiffer(gateway: DataverseGateway): Promise<boolean> {
  return (await readEnvironmentVariable(gateway, APPROVER_MUST_DIFFER_VARIABLE))?.trim().toLowerCase() === "yes";
}

function runRow(r: Record<string, unknown>): FixRunRow {
  const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
  return {
    id: String(r.vit_fixrunid).toLowerCase(),
    name: str(r.vit_name) ?? String(r.vit_fixrunid),
    status: STATUS_OF_VALUE.get(Number(r.vit_status)) ?? "failed",
    proposedBy: str(r._vit_proposedby_value)?.toLowerCase() ?? null,
    approvedBy: str(r._vit_approvedby_value)?.toLowerCase() ?? null,
    approvedOn: str(r.vit_approvedon),
    finishedOn: str(r.vit_finishedon),
    entryCount: typeof r.vit_entrycount === "number" ? r.vit_entrycount : null,
    rules: (str(r.vit_rules) ?? "").split(",").filter(Boolean),
  };
}

export function createFixSource(gateway: DataverseGateway, now: () => Date = () => new Date()): FixSource {
  let mustDiffer: Promise<boolean> | null = null;
  return {
    me: async () => (await gateway.whoAmI()).userId.toLowerCase(),
    approverMustDiffer: () => (mustDiffer ??= readApproverMustDiffer(gateway)),
    plan: (r) => makePlan({ gateway, pack: r.pack, tables: r.tables, rules: r.rules, ownerId: r.ownerId, now: now(), onProgress: r.onProgress, signal: r.signal }),
    parse: (text, source) => Promise.resolve().then(() => parsePlan(text, source)),
    apply: async (plan, pack, o) =>
      applyPlan({ gateway, plan, pack, now: now(), chunkSize: UI_CHUNK_SIZE, approverMustDiffer: await readApproverMustDiffer(gateway), onProgress: o.onProgress, signal: o.signal }),
    runs: async () => {
      const runs: FixRunRow[] = [];
      try {
        for await (const page of gateway.streamTable({ table: "vit_fixrun", columns: RUN_COLUMNS })) runs.push(...page.rows.map(runRow));
      } catch (err) {
        if (err instanceof DataverseError && err.status === 403) return { allowed: false, reason: err.serviceMessage || err.message };
        throw err;
      }
      runs.sort((a, b) => (b.approvedOn ?? "").localeCompare(a.approvedOn ?? ""));
      return { allowed: true, runs };
    },
    entries: (runId) => readEntries(gateway, runId),
    undo: (runId, pack, o) => undoRun({ gateway, runId, pack, now: now(), ruleId: o.ruleId, recordId: o.recordId, onProgress: o.onProgress }),
  };
}
