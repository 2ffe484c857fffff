/**
 * Turns a scored record's findings into fix proposals. Pure: the record, its score, the pack and
 * what the caller knows (FixContext) in; proposals and blocked fixes out. No I/O, no clock.
 *
 * Which findings a rule's `repair` looks at:
 *  - formatting repairs (phoneE164, emailDomainLowercase, websiteNormalise) normalise the value of
 *    a failed *or* passed finding when the result is valid: "(415) 555-1234" passes the phone
 *    check and is still proposed as "+14155551234";
 *  - nameCasing: failed findings, and passed ones with stray whitespace;
 *  - every other repair: failed findings only (waived failures are left alone).
 * One record column gets at most one proposal: clearing a placeholder wins over casing it.
 */
import { isValidEmail, isValidUrl, PERSONAL_MAIL_DOMAINS, registrableDomain } from "../checks/formats";
import { makePlaceholderMatcher } from "../checks/junk";
import type { Check, Repair, Rule } from "../pack/types";
import type { CompiledPack } from "../score";
import type { ColumnValue, EngineRecord, Finding, RecordScore } from "../types";
import { caseName, collapseWhitespace, lowercaseEmailDomain, normaliseWebsite, phoneToE164 } from "./transforms";
import type { FixBlocked, FixContext, FixProposal, RecordFixes } from "./types";

const DAY_MS = 86_400_000;
/** Lookup columns fixes may set, and the table they point to. */
const LOOKUP_TARGETS: Readonly<Record<string, string>> = { parentcustomerid: "account", parentaccountid: "account", customerid: "account" };
/** Order in which repairs claim a column. */
const PRIORITY: Readonly<Record<Repair["type"], number>> = { clearPlaceholder: 0, parentByEmailDomain: 1, reassignOwner: 1, phoneE164: 2, emailDomainLowercase: 2, websiteNormalise: 2, nameCasing: 3, task: 4 };

interface Step {
  rule: Rule & { repair: Repair };
  finding: Finding;
}

const repairRules = new WeakMap<CompiledPack, Map<string, Map<string, Rule & { repair: Repair }>>>();

function rulesWithRepair(compiled: CompiledPack, table: string): Map<string, Rule & { repair: Repair }> {
  let byTable = repairRules.get(compiled);
  if (!byTable) repairRules.set(compiled, (byTable = new Map<string, Map<string, Rule & { repair: Repair }>>()));
  let m = byTable.get(table);
  if (!m) {
    m = new Map();
    for (const { rule } of compiled.rules(table)) if (rule.repair) m.set(rule.id, rule as Rule & { repair: Repair });
    byTable.set(table, m);
  }
  return m;
}

const text = (v: ColumnValue | undefined): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);
/** The owner's table: a team when the record says it is team-owned (`_owningteam_value`), else a user. */
const ownerTableOf = (r: EngineRecord): "systemuser" | "team" => (text(r.values._owningteam_value) ? "team" : "systemuser");

/** Proposals for one record. `score` is the engine's result for the same record. */
export function proposeFixes(compiled: CompiledPack, record: EngineRecord, score: RecordScore, ctx: FixContext): RecordFixes {
  const rules = rulesWithRepair(compiled, record.table);
  const steps: Step[] = [];
  for (const finding of score.findings) {
    const rule = rules.get(finding.ruleId);
    if (!rule || finding.waived) continue;
    // A phone the check could not read for want of a country is exactly what "needs a country" reports.
    if (finding.outcome === "notEvaluated" && rule.repair.type !== "phoneE164") continue;
    steps.push({ rule, finding });
  }
  steps.sort((a, b) => PRIORITY[a.rule.repair.type] - PRIORITY[b.rule.repair.type]);
  const out: RecordFixes = { proposals: [], blocked: [] };
  const claimed = new Set<string>();
  for (const step of steps) {
    const r = proposeOne(compiled, record, step, ctx);
    for (const b of r.blocked) out.blocked.push(b);
    for (const p of r.proposals) {
      if (p.changes.some((c) => claimed.has(c.column))) continue;
      p.changes.forEach((c) => claimed.add(c.column));
      out.proposals.push(p);
    }
  }
  return out;
}

type Partial1 = Omit<FixProposal, "key" | "ruleId" | "repair" | "table" | "recordId">;

interface Helpers {
  compiled: CompiledPack;
  record: EngineRecord;
  step: Step;
  ctx: FixContext;
  base: Pick<FixProposal, "key" | "ruleId" | "repair" | "table" | "recordId">;
  proposals: FixProposal[];
  propose: (p: Partial1) => void;
  block: (reason: string, column?: string, needs?: FixBlocked["needs"]) => void;
  failed: boolean;
}

function proposeOne(compiled: CompiledPack, record: EngineRecord, step: Step, ctx: FixContext): RecordFixes {
  const { rule, finding } = step;
  const base = { ruleId: rule.id, repair: rule.repair.type, table: record.table, recordId: record.id, key: `${record.table}:${record.id}:${rule.id}` };
  const proposals: FixProposal[] = [];
  const blocked: FixBlocked[] = [];
  const h: Helpers = {
    compiled,
    record,
    step,
    ctx,
    base,
    proposals,
    propose: (p) => void proposals.push({ ...base, ...p }),
    block: (reason, column, needs) => void blocked.push({ ...base, reason, ...(column ? { column } : {}), ...(needs ? { needs } : {}) }),
    failed: finding.outcome === "failed",
  };
  if (FORMATTING.has(rule.repair.type)) proposeFormatting(h);
  else proposeRecordFix(h);
  return { proposals, blocked };
}

const FORMATTING = new Set<Repair["type"]>(["phoneE164", "emailDomainLowercase", "websiteNormalise", "nameCasing"]);

/** Value normalisations of one column. */
function proposeFormatting({ compiled, record, step: { rule, finding }, ctx, propose, block, failed }: Helpers): void {
  const check: Check = rule.check;
  const repair = rule.repair;
  switch (repair.type) {
    case "phoneE164": {
      if (check.type !== "format") break;
      const before = text(record.values[check.column]);
      if (before === null) break;
      const country = check.countryColumn ? record.values[check.countryColumn] : undefined;
      const r = phoneToE164(before, { country: typeof country === "string" ? country : null, defaultRegion: ctx.defaultRegion ?? compiled.pack.defaultRegion });
      if (!r.ok) {
        if (finding.outcome !== "passed") block(r.reason, check.column, r.needs ?? "value");
        break;
      }
      if (r.value !== before) propose({ action: "update", changes: [{ column: check.column, before, after: r.value }], why: `${before} → ${r.value}: ${r.note ?? "E.164"}`, confidence: r.confidence, safe: true });
      break;
    }
    case "emailDomainLowercase": {
      if (check.type !== "format") break;
      const before = text(record.values[check.column]);
      if (before === null) break;
      const after = lowercaseEmailDomain(before);
      if (after !== before && isValidEmail(after)) propose({ action: "update", changes: [{ column: check.column, before, after }], why: "e-mail domains are not case-sensitive; stored in lower case", confidence: 1, safe: true });
      break;
    }
    case "websiteNormalise": {
      if (check.type !== "format") break;
      const before = text(record.values[check.column]);
      if (before === null) break;
      const after = normaliseWebsite(before);
      if (after && after !== before && isValidUrl(after)) propose({ action: "update", changes: [{ column: check.column, before, after }], why: "website with its scheme, host in lower case", confidence: 0.98, safe: true });
      else if (failed && !after) block(`"${before}" is not a website address a fix can repair`, check.column, "value");
      break;
    }
    case "nameCasing": {
      if (check.type !== "casing") break;
      const before = text(record.values[check.column]);
      if (before === null) break;
      const cased = failed ? caseName(before) : { value: collapseWhitespace(before), unsure: false };
      if (cased.value !== before) {
        propose({ action: "update", changes: [{ column: check.column, before, after: cased.value }], why: failed ? "name in proper case, keeping prefixes, particles and acronyms" : "stray whitespace removed", confidence: cased.unsure ? 0.7 : 0.95, safe: !cased.unsure });
      }
      break;
    }
  }
}

/** Fixes that clear, relink, reassign or ask the owner. */
function proposeRecordFix({ record, step: { rule, finding }, ctx, base, proposals, propose, block, failed }: Helpers): void {
  const check: Check = rule.check;
  const repair = rule.repair;
  switch (repair.type) {
    case "clearPlaceholder": {
      if (check.type !== "placeholder" || !failed) break;
      const matches = makePlaceholderMatcher(check.extraValues);
      for (const column of check.columns) {
        const before = text(record.values[column]);
        if (before === null) continue;
        const why = matches(before);
        if (!why) continue;
        if (ctx.isRequired?.(record.table, column) ?? true) {
          block(`${why}, but ${column} is a required column: a person must enter the real value`, column, "value");
          continue;
        }
        proposals.push({ ...base, key: `${base.key}:${column}`, action: "update", changes: [{ column, before, after: null }], why: `${why}; an empty optional column is honest, a placeholder is not`, confidence: 0.95, safe: true });
      }
      break;
    }
    case "parentByEmailDomain": {
      if (check.type !== "relation" || !failed || !ctx.accountsByDomain) break;
      const column = `_${check.lookup}_value`;
      if (record.values[column] !== null) break; // only an empty lookup; an inactive parent needs judgement
      const email = text(record.values[repair.emailColumn]);
      const domain = email && email.includes("@") ? registrableDomain(email.slice(email.lastIndexOf("@") + 1)) : null;
      if (!domain || PERSONAL_MAIL_DOMAINS.has(domain)) break;
      const accounts = ctx.accountsByDomain.get(domain) ?? [];
      if (accounts.length !== 1) break;
      propose({ action: "update", changes: [{ column, before: null, after: accounts[0], target: LOOKUP_TARGETS[check.lookup] ?? "account" }], why: `the only active account with website domain ${domain}`, confidence: 0.9, safe: false });
      break;
    }
    case "reassignOwner": {
      if (check.type !== "ownerEnabled" || !failed) break;
      const owner = text(record.values._ownerid_value);
      const manager = repair.preferManager && owner ? (ctx.managerOf?.get(owner) ?? null) : null;
      const to = manager ? { id: manager, table: "systemuser" as const } : ctx.newOwner;
      if (!to) {
        block("the owner is disabled; choose the user or team that takes over", "_ownerid_value", "owner");
        break;
      }
      propose({ action: "update", changes: [{ column: "_ownerid_value", before: owner, after: to.id, target: to.table, beforeTarget: ownerTableOf(record) }], why: manager ? "the disabled owner's manager takes over" : `reassigned to the chosen ${to.table === "team" ? "team" : "user"}`, confidence: 1, safe: false });
      break;
    }
    case "task": {
      if (!failed) break;
      const ownerId = text(record.values._ownerid_value);
      const due = repair.dueInDays === undefined ? null : new Date(ctx.now.getTime() + repair.dueInDays * DAY_MS).toISOString().slice(0, 10);
      propose({
        action: "task",
        changes: [],
        task: { subject: repair.subject, description: `${rule.message}\nFound: ${finding.observed || "(empty)"}\nExpected: ${finding.expected}\nHow to fix: ${rule.fix}`, dueOn: due, ownerId, ownerTable: ownerTableOf(record) },
        why: "needs the owner's judgement; the record is not changed",
        confidence: 1,
        safe: false,
      });
      break;
    }
  }
}
