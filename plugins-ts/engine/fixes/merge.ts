/**
 * Merge proposals (pure: no I/O, no clock): the matcher's pairs become "merge this record into
 * that one", with the pair's explanation and the master chosen by a stated rule:
 *
 *   complete — more of the merge columns filled (ties: oldest, then the lower id);
 *   recent   — the later last activity (a record without activity loses; ties: complete);
 *   oldest   — the earlier created on (ties: complete).
 *
 * Pairs are grouped into clusters first (A~B and B~C are one cluster with one master), so a chain
 * never asks to merge into a record that an earlier merge of the same plan deactivated.
 * UpdateContent fills only the master's empty merge columns from the subordinate: nothing the
 * master holds is overwritten. A pair whose record is missing from `records` (inactive, deleted,
 * unreadable) is skipped with the reason.
 */
import type { ColumnValue } from "../types";
import type { FixChange } from "./types";

export type MasterRule = "complete" | "recent" | "oldest";
export const MASTER_RULES: readonly MasterRule[] = ["complete", "recent", "oldest"];

/** Columns a merge compares and copies (plain columns people fill; lookups stay as they are). */
export const MERGE_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  account: ["name", "accountnumber", "emailaddress1", "emailaddress2", "telephone1", "telephone2", "websiteurl", "industrycode", "revenue", "numberofemployees", "address1_line1", "address1_city", "address1_stateorprovince", "address1_postalcode", "address1_country", "description"],
  contact: ["firstname", "lastname", "emailaddress1", "emailaddress2", "telephone1", "mobilephone", "telephone2", "jobtitle", "birthdate", "websiteurl", "address1_line1", "address1_city", "address1_stateorprovince", "address1_postalcode", "address1_country", "description"],
  lead: ["subject", "firstname", "lastname", "companyname", "jobtitle", "emailaddress1", "telephone1", "mobilephone", "websiteurl", "address1_line1", "address1_city", "address1_stateorprovince", "address1_postalcode", "address1_country", "description"],
};

/** A record as the proposer needs it. */
export interface MergeCandidate {
  id: string;
  name: string;
  values: Readonly<Record<string, ColumnValue | undefined>>;
  /** ISO-8601 or null. */
  createdOn: string | null;
  lastActivityOn: string | null;
}

/** One pair from the matcher (or a `vitals dedupe` pairs file). */
export interface MergePair {
  leftId: string;
  rightId: string;
  probability: number;
  /** The matcher's explanation in words. */
  explanation: string;
}

export interface MergeProposal {
  /** `merge:<table>:<subordinate id>`: one merge per subordinate. */
  key: string;
  table: string;
  masterId: string;
  subordinateId: string;
  masterName: string;
  subordinateName: string;
  masterRule: MasterRule;
  /** Why these two are the same and why this one survives. */
  why: string;
  probability: number;
  /** The master's empty columns the subordinate fills (before = the master's value). */
  updateContent: FixChange[];
}

export interface MergeProposals {
  proposals: MergeProposal[];
  skipped: { leftId: string; rightId: string; reason: string }[];
}

const filled = (v: ColumnValue | undefined): boolean => v !== null && v !== undefined && !(typeof v === "string" && v.trim() === "");

export function completeness(table: string, c: MergeCandidate): number {
  return (MERGE_COLUMNS[table] ?? []).filter((col) => filled(c.values[col])).length;
}

/** The columns UpdateContent sets: the master's empty merge columns that the subordinate fills. */
export function updateContentFor(table: string, master: Readonly<Record<string, ColumnValue | undefined>>, sub: Readonly<Record<string, ColumnValue | undefined>>): FixChange[] {
  return (MERGE_COLUMNS[table] ?? []).filter((col) => !filled(master[col]) && filled(sub[col])).map((col) => ({ column: col, before: master[col] ?? null, after: sub[col] ?? null }));
}

/** Negative when `a` should be the master. */
function compare(table: string, rule: MasterRule, a: MergeCandidate, b: MergeCandidate): number {
  const byComplete = completeness(table, b) - completeness(table, a);
  const byAge = (a.createdOn ?? "9999").localeCompare(b.createdOn ?? "9999");
  const byId = a.id.localeCompare(b.id);
  if (rule === "recent") {
    const byActivity = (b.lastActivityOn ?? "").localeCompare(a.lastActivityOn ?? "");
    return byActivity || byComplete || byAge || byId;
  }
  if (rule === "oldest") return byAge || byComplete || byId;
  return byComplete || byAge || byId;
}

function reasonFor(table: string, rule: MasterRule, m: MergeCandidate, s: MergeCandidate): string {
  if (rule === "recent") return `master by most recent activity (${m.lastActivityOn ?? "none"} against ${s.lastActivityOn ?? "none"})`;
  if (rule === "oldest") return `master by oldest (created ${m.createdOn ?? "?"} against ${s.createdOn ?? "?"})`;
  const cols = MERGE_COLUMNS[table]?.length ?? 0;
  return `master by most complete (${completeness(table, m)} of ${cols} columns filled against ${completeness(table, s)})`;
}

/** Clusters of the pairs (union-find), each with the pairs inside it. */
function clusters(pairs: readonly MergePair[]): { members: string[]; pairs: MergePair[] }[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const p of pairs) {
    for (const id of [p.leftId, p.rightId]) if (!parent.has(id)) parent.set(id, id);
    const a = find(p.leftId);
    const b = find(p.rightId);
    if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
  }
  const out = new Map<string, { members: string[]; pairs: MergePair[] }>();
  for (const id of [...parent.keys()].sort()) {
    const root = find(id);
    const c = out.get(root) ?? { members: [], pairs: [] };
    c.members.push(id);
    out.set(root, c);
  }
  for (const p of pairs) out.get(find(p.leftId))!.pairs.push(p);
  return [...out.values()];
}

export function proposeMerges(table: string, pairs: readonly MergePair[], records: ReadonlyMap<string, MergeCandidate>, rule: MasterRule): MergeProposals {
  if (!MERGE_COLUMNS[table]) throw new Error(`merge proposals: ${table} records cannot be merged (account, contact and lead can)`);
  const out: MergeProposals = { proposals: [], skipped: [] };
  const norm = pairs.map((p) => ({ ...p, leftId: p.leftId.toLowerCase(), rightId: p.rightId.toLowerCase() }));
  const usable = norm.filter((p) => {
    const missing = [p.leftId, p.rightId].filter((id) => !records.has(id));
    if (p.leftId === p.rightId) out.skipped.push({ leftId: p.leftId, rightId: p.rightId, reason: "a record cannot be merged with itself" });
    else if (missing.length) out.skipped.push({ leftId: p.leftId, rightId: p.rightId, reason: `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not an active ${table} you can read` });
    else return true;
    return false;
  });
  for (const c of clusters(usable)) {
    const members = c.members.map((id) => records.get(id)!).sort((a, b) => compare(table, rule, a, b));
    const master = members[0];
    for (const sub of members.slice(1)) {
      const direct = c.pairs.find((p) => (p.leftId === master.id && p.rightId === sub.id) || (p.rightId === master.id && p.leftId === sub.id));
      const via = direct ?? c.pairs.find((p) => p.leftId === sub.id || p.rightId === sub.id)!;
      const link = direct ? "" : ` (matched through ${via.leftId === sub.id ? via.rightId : via.leftId}, in the same cluster)`;
      out.proposals.push({
        key: `merge:${table}:${sub.id}`,
        table,
        masterId: master.id,
        subordinateId: sub.id,
        masterName: master.name,
        subordinateName: sub.name,
        masterRule: rule,
        why: `${via.explanation}${link}; ${reasonFor(table, rule, master, sub)}`,
        probability: via.probability,
        updateContent: updateContentFor(table, master.values, sub.values),
      });
    }
  }
  return out;
}
