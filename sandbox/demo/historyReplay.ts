/**
 * Plays the demo organisation's history (history.ts) into a running emulator: the store starts at
 * the first date's state; at each date the store is moved forward (records and activities created,
 * fixed, completed, closed since the previous date), the waiver events up to that date are applied,
 * and the real audit (`runAudit`, plugins-ts/audit) runs as the audit service user with `now` = that
 * date, writing health rows and a vit_auditrun row through the Web API as it always does. After each
 * audit a governance digest is collected and rendered (plugins-ts/graph/digest); a month before the
 * last date one AI-readiness assessment is made (plugins-ts/readiness). No number is invented: every
 * score, aggregate and digest figure comes from that code.
 *
 * Waivers, requested by the record's owner and decided by the governance owner, end in every state:
 * approved (no expiry, and one expiring after today), rejected, expired (approved, then lapsed and
 * marked expired), and requested (still awaiting a decision).
 *
 * The emulator stamps system columns with the real clock; the replay dates the rows it makes
 * itself (records, activities, waivers) and sets the audit runs' and the assessment's createdon
 * to their historical date. Health rows keep the real-clock createdon/modifiedon (their
 * vit_scoredon is the audit's date). Fails (rejects) if an audit does not complete.
 */
import type { EmulatorHandle } from "../emulator";
import { nowIso, type Row } from "../emulator/store";
import type { HistoryFix, HistoryPlan } from "./history";
import { Rng } from "./rng";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import { runAudit } from "../../plugins-ts/audit/run";
import { WAIVER_STATUS } from "../../plugins-ts/audit/model";
import type { CompactFinding } from "../../plugins-ts/audit/health";
import { assessReadiness, EXAMPLE_ANSWERS } from "../../plugins-ts/readiness";
import { collectDigest, renderGovernanceDigest } from "../../plugins-ts/graph/digest";

export interface HistoryRun {
  runId: string;
  on: string;
  overall: number | null;
  recordsScanned: number;
  recordsChanged: number;
}

export interface HistoryWaiver {
  id: string;
  table: string;
  recordId: string;
  ruleId: string;
  /** The state it ends in. */
  status: "requested" | "approved" | "rejected" | "expired";
  requestedOn: string;
  decidedOn: string | null;
  expiresOn: string | null;
}

export interface DemoHistory {
  /** The audit dates, ascending; the last is the organisation's "now". */
  dates: string[];
  runs: HistoryRun[];
  fixes: HistoryFix[];
  waivers: HistoryWaiver[];
  readinessAssessmentId: string;
  /** The governance digest as it would have been sent after each audit. */
  digests: { on: string; subject: string; text: string; html: string }[];
}

const DAY = 86_400_000;
const TABLES = ["account", "contact", "lead", "opportunity"];
const iso = (t: number): string => nowIso(new Date(t));

/** Moves the store from one state to the next: inserts rows that appeared, patches rows that changed. */
function advance(emu: EmulatorHandle, prev: Record<string, Row[]>, next: Record<string, Row[]>): void {
  for (const [table, rows] of Object.entries(next)) {
    const t = emu.store.table(table);
    const before = new Map((prev[table] ?? []).map((r) => [String(r[t.primaryId]), r]));
    for (const row of rows) {
      const id = String(row[t.primaryId]);
      const old = before.get(id);
      if (!old) {
        emu.store.insert(table, { ...row });
        continue;
      }
      const patch: Row = {};
      for (const k of new Set([...Object.keys(old), ...Object.keys(row)])) if (old[k] !== row[k]) patch[k] = row[k] ?? null;
      if (Object.keys(patch).length) emu.store.update(table, id, patch, { touch: false });
    }
  }
}

interface WaiverEvent {
  at: number;
  apply: () => void;
}

/** Deterministic (record, rule) pairs failing in the health rows the last audit wrote. */
function failingPairs(emu: EmulatorHandle, r: Rng, count: number, taken: Set<string>): { table: string; recordId: string; ruleId: string; owner: Row }[] {
  const rows = emu.store
    .rows("vit_recordhealth")
    .filter((h) => h.statecode === 0)
    .sort((a, b) => String(a.vit_recordid).localeCompare(String(b.vit_recordid)));
  const out: { table: string; recordId: string; ruleId: string; owner: Row }[] = [];
  for (let guard = 0; out.length < count && guard < rows.length * 2; guard++) {
    const h = rows[r.int(0, rows.length - 1)];
    const failed = (JSON.parse(typeof h.vit_findings === "string" ? h.vit_findings : "[]") as CompactFinding[]).filter((x) => x.o === "f");
    if (!failed.length) continue;
    const ruleId = r.pick(failed).r;
    const key = `${String(h.vit_table)}|${String(h.vit_recordid)}|${ruleId}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const owner = { _ownerid_value: h._ownerid_value, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": h["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] ?? "systemuser" };
    out.push({ table: String(h.vit_table), recordId: String(h.vit_recordid), ruleId, owner });
  }
  return out;
}

const REASONS = [
  "The customer asked us not to store this; agreed with legal.",
  "Data is maintained in the ERP and synchronised nightly; a fix here would be overwritten.",
  "Known exception for a strategic account, reviewed quarterly.",
  "Placeholder kept on purpose until the partner confirms the contact.",
];

/** Plans the waivers requested after audit `i`; returns events (dated) that create and decide them. */
function waiverEvents(emu: EmulatorHandle, plan: HistoryPlan, i: number, r: Rng, taken: Set<string>, out: HistoryWaiver[]): WaiverEvent[] {
  const n = plan.dates.length;
  const d = plan.dates[i].getTime();
  const now = plan.dates[n - 1].getTime();
  const approver = emu.users.find((u) => u.key === "govowner")!.systemuserid;
  // What happens to each waiver: [days after the audit it is requested, final state, decided days later, expires (ms) or null]
  const story: [number, HistoryWaiver["status"], number, number | null][] =
    i === 0
      ? [[2, "approved", 2, null], [2, "expired", 2, plan.dates[Math.ceil(n / 2)].getTime() - 5 * DAY], [3, "rejected", 3, null]]
      : i === Math.min(2, n - 2) && n > 3
        ? [[4, "approved", 3, now + 90 * DAY], [5, "rejected", 2, null]]
        : i === n - 2
          ? [[5, "requested", 0, null], [9, "requested", 0, null], [6, "approved", 4, now + 45 * DAY]]
          : [];
  const events: WaiverEvent[] = [];
  const pairs = failingPairs(emu, r, story.length, taken);
  story.slice(0, pairs.length).forEach(([after, status, decideAfter, expires], k) => {
    const p = pairs[k];
    const id = r.guid();
    const requested = d + after * DAY + r.int(8, 17) * 3_600_000;
    const decided = status === "requested" ? null : requested + decideAfter * DAY;
    out.push({ id, table: p.table, recordId: p.recordId, ruleId: p.ruleId, status, requestedOn: iso(requested), decidedOn: decided === null ? null : iso(decided), expiresOn: expires === null ? null : iso(expires) });
    events.push({
      at: requested,
      apply: () =>
        emu.store.insert("vit_waiver", {
          vit_waiverid: id, vit_name: `${p.ruleId} on ${p.table} ${p.recordId}`.slice(0, 200), vit_table: p.table, vit_recordid: p.recordId, vit_ruleid: p.ruleId,
          vit_reason: r.pick(REASONS), vit_waiverstatus: WAIVER_STATUS.requested, vit_approvedon: null, vit_expireson: null, _vit_approvedby_value: null,
          ...p.owner, statecode: 0, statuscode: 1, createdon: iso(requested), modifiedon: iso(requested),
        }),
    });
    if (decided !== null) {
      const verdict = status === "rejected" ? WAIVER_STATUS.rejected : WAIVER_STATUS.approved;
      events.push({
        at: decided,
        apply: () => emu.store.update("vit_waiver", id, { vit_waiverstatus: verdict, vit_approvedon: iso(decided), _vit_approvedby_value: approver, vit_expireson: expires === null ? null : iso(expires), modifiedon: iso(decided) }, { touch: false }),
      });
    }
    if (status === "expired" && expires !== null) {
      events.push({ at: expires, apply: () => emu.store.update("vit_waiver", id, { vit_waiverstatus: WAIVER_STATUS.expired, modifiedon: iso(expires) }, { touch: false }) });
    }
  });
  return events;
}

/** Runs the history: the store must hold `plan.stateAt(0)`. */
export async function replayDemoHistory(emu: EmulatorHandle, plan: HistoryPlan): Promise<DemoHistory> {
  const token = (key: string): string => emu.users.find((u) => u.key === key)!.token;
  const auditor = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => token("auditsvc") });
  const owner = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => token("govowner") });
  const pack = defaultRulePack();
  const r = new Rng(plan.seed, "history-waivers");
  const out: DemoHistory = { dates: plan.dates.map((d) => nowIso(d)), runs: [], fixes: plan.fixes, waivers: [], readinessAssessmentId: "", digests: [] };
  const pending: WaiverEvent[] = [];
  const taken = new Set<string>();
  let state = plan.stateAt(0);
  for (let i = 0; i < plan.dates.length; i++) {
    const now = plan.dates[i];
    if (i > 0) {
      const next = plan.stateAt(i);
      advance(emu, state, next);
      state = next;
    }
    pending.sort((a, b) => a.at - b.at);
    while (pending.length && pending[0].at <= now.getTime()) pending.shift()!.apply();
    const res = await runAudit({ gateway: auditor, pack, scope: { tables: TABLES }, mode: "full", now });
    if (res.status !== "completed") throw new Error(`demo history: the audit at ${now.toISOString()} ended ${res.status}`);
    emu.store.update("vit_auditrun", res.runId, { createdon: nowIso(now), modifiedon: nowIso(new Date(res.finishedOn)) }, { touch: false });
    out.runs.push({ runId: res.runId, on: nowIso(now), overall: res.report.overall.average, recordsScanned: res.recordsScanned, recordsChanged: res.recordsChanged });
    const digest = renderGovernanceDigest(await collectDigest(owner, { now, orgUrl: emu.orgUrl }));
    out.digests.push({ on: nowIso(now), subject: digest.subject, text: digest.text, html: digest.html });
    if (i === plan.dates.length - 2) {
      const a = await assessReadiness(owner, { pack, now, answers: EXAMPLE_ANSWERS });
      out.readinessAssessmentId = a.savedId ?? "";
      if (a.savedId) emu.store.update("vit_readinessassessment", a.savedId, { createdon: nowIso(now), modifiedon: nowIso(now) }, { touch: false });
    }
    if (i < plan.dates.length - 1) pending.push(...waiverEvents(emu, plan, i, r, taken, out.waivers));
  }
  return out;
}
