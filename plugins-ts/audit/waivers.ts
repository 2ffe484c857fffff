/**
 * Which waivers an audit honours. A waiver counts only when it is approved, active and not expired,
 * AND its approver is a real person who may approve:
 *   - Approved By is set and points to an enabled user;
 *   - that user holds an approving role (Vitals Governance Owner, Vitals Administrator or System
 *     Administrator) — checked against the roles they hold when the audit runs, so an approver who
 *     has lost the role no longer vouches for anything (Dataverse keeps no history of role
 *     membership outside its audit log; this errs on the safe side);
 *   - it was decided (Approved On) no later than now;
 *   - when the organisation requires it (vit_WaiverRequiresSeparateApprover, on by default), the
 *     approver is not the person who asked for it (Created By).
 * Every other approved waiver is listed as "waiver not valid: …" and its finding counts.
 *
 * Reads only: vit_waiver, systemuser, role, systemuserroles and one environment variable. Errors
 * of the gateway propagate (an audit that cannot read waivers must not guess).
 */
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkIdsForIn, f } from "../dataverse/requests";
import { STATECODE_ACTIVE, WAIVER_STATUS, str } from "./model";
import { readAll } from "./readall";
import { readEnvironmentVariable } from "./settings";

export const SEPARATE_APPROVER_VARIABLE = "vit_WaiverRequiresSeparateApprover";
export const APPROVING_ROLES: readonly string[] = ["Vitals Governance Owner", "Vitals Administrator", "System Administrator"];

export interface InvalidWaiver {
  waiverId: string;
  table: string;
  recordId: string;
  ruleId: string;
  /** Why it is not honoured, in words (shown after "waiver not valid: "). */
  reason: string;
}

export interface WaiversInForce {
  /** `table|recordid` → rule ids honoured. */
  inForce: Map<string, Set<string>>;
  invalid: InvalidWaiver[];
}

interface Approver {
  name: string;
  enabled: boolean;
  roles: Set<string>;
}

/** Yes unless the variable says no (false, 0). */
export async function requiresSeparateApprover(gateway: DataverseGateway): Promise<boolean> {
  const text = (await readEnvironmentVariable(gateway, SEPARATE_APPROVER_VARIABLE))?.trim().toLowerCase();
  return !(text === "no" || text === "false" || text === "0");
}

async function readApprovers(gateway: DataverseGateway, ids: string[]): Promise<Map<string, Approver>> {
  const out = new Map<string, Approver>();
  const links: Row[] = [];
  for (const chunk of chunkIdsForIn("systemuserid", ids)) {
    for await (const page of gateway.streamTable({ table: "systemuser", columns: ["fullname", "isdisabled"], filter: f.in("systemuserid", chunk) })) {
      for (const r of page.rows) out.set(String(r.systemuserid).toLowerCase(), { name: str(r.fullname) ?? String(r.systemuserid), enabled: r.isdisabled !== true, roles: new Set() });
    }
    for await (const page of gateway.streamTable({ table: "systemuserroles", columns: ["systemuserid", "roleid"], filter: f.in("systemuserid", chunk) })) links.push(...page.rows);
  }
  const roleIds = [...new Set(links.map((l) => String(l.roleid).toLowerCase()))];
  const roleNames = new Map<string, string>();
  for (const chunk of chunkIdsForIn("roleid", roleIds)) {
    for await (const page of gateway.streamTable({ table: "role", columns: ["name"], filter: f.in("roleid", chunk) })) {
      for (const r of page.rows) roleNames.set(String(r.roleid).toLowerCase(), String(r.name));
    }
  }
  for (const l of links) {
    const name = roleNames.get(String(l.roleid).toLowerCase());
    if (name) out.get(String(l.systemuserid).toLowerCase())?.roles.add(name);
  }
  return out;
}

/** Why an approved waiver is not honoured, or null when it is. */
export function waiverProblem(w: Row, approvers: ReadonlyMap<string, Approver>, separate: boolean, now: Date): string | null {
  const approverId = str(w._vit_approvedby_value)?.toLowerCase();
  if (!approverId) return "approved without an approver (Approved By is empty)";
  const approver = approvers.get(approverId);
  if (!approver) return `the approver ${approverId} is not a user of this organisation`;
  if (!approver.enabled) return `the approver ${approver.name} is a disabled user`;
  if (!APPROVING_ROLES.some((r) => approver.roles.has(r))) {
    return `the approver ${approver.name} does not hold an approving role (${APPROVING_ROLES.join(", ")}); roles held: ${[...approver.roles].sort().join(", ") || "none"}`;
  }
  const decidedOn = str(w.vit_approvedon);
  if (!decidedOn || Number.isNaN(Date.parse(decidedOn))) return "approved without a decision date (Approved On is empty)";
  if (Date.parse(decidedOn) > now.getTime()) return `decided in the future (${decidedOn})`;
  if (separate) {
    const requester = str(w._createdby_value)?.toLowerCase();
    if (!requester) return "who asked for it is not recorded (Created By is empty), so the approver cannot be shown to be someone else";
    if (requester === approverId) return `${approver.name} asked for it and approved it; the organisation requires a second person (${SEPARATE_APPROVER_VARIABLE})`;
  }
  return null;
}

/** Approved waivers in force, and the approved ones that are not valid with the reason. */
export async function loadWaivers(gateway: DataverseGateway, now: Date): Promise<WaiversInForce> {
  const filter = f.and(f.eq("vit_waiverstatus", WAIVER_STATUS.approved), f.eq("statecode", STATECODE_ACTIVE), f.or(f.isNull("vit_expireson"), f.gt("vit_expireson", now)));
  const rows = await readAll(gateway, "vit_waiver", ["vit_table", "vit_recordid", "vit_ruleid", "_vit_approvedby_value", "vit_approvedon", "_createdby_value"], [filter], "waivers in force");
  const result: WaiversInForce = { inForce: new Map(), invalid: [] };
  if (!rows.length) return result;
  const separate = await requiresSeparateApprover(gateway);
  const approverIds = [...new Set(rows.map((r) => str(r._vit_approvedby_value)?.toLowerCase()).filter((x): x is string => !!x))];
  const approvers = approverIds.length ? await readApprovers(gateway, approverIds) : new Map<string, Approver>();
  for (const r of rows) {
    const table = str(r.vit_table);
    const recordId = str(r.vit_recordid)?.toLowerCase();
    const ruleId = str(r.vit_ruleid);
    if (!table || !recordId || !ruleId) continue;
    const problem = waiverProblem(r, approvers, separate, now);
    if (problem) {
      result.invalid.push({ waiverId: String(r.vit_waiverid), table, recordId, ruleId, reason: problem });
      continue;
    }
    const key = `${table}|${recordId}`;
    const set = result.inForce.get(key) ?? new Set<string>();
    set.add(ruleId);
    result.inForce.set(key, set);
  }
  return result;
}

/** "waiver not valid: …" lines for a summary. */
export function describeInvalidWaivers(invalid: readonly InvalidWaiver[]): string[] {
  return invalid.map((w) => `waiver not valid: ${w.ruleId} on ${w.table} ${w.recordId} — ${w.reason}; the finding counts`);
}
