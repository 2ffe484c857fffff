/**
 * Governance of Dataverse's own duplicate detection rules. Pure: callers fetch the rows of
 * `duplicaterule` and `duplicaterulecondition` through the Web API and hand them in.
 *
 * Status values relied on (duplicaterule, default and uncustomisable):
 *   statecode 0 = Inactive, 1 = Active
 *   statuscode 0 = Unpublished (state Inactive), 1 = Publishing (state Inactive),
 *              2 = Published (state Active)
 * A rule detects duplicates only when published (statecode 1, statuscode 2). Dataverse allows at
 * most five published rules per base table.
 * duplicaterulecondition.operatorcode: 0 Exact Match, 1 Same First Characters, 2 Same Last
 * Characters, 3 Same Date, 4 Same Date and Time, 5 Exact Match (Pick List Label),
 * 6 Exact Match (Pick List Value).
 */
import type { Severity } from "../types";

export interface DuplicateRuleRow {
  duplicateruleid: string;
  name?: string | null;
  baseentityname: string;
  matchingentityname: string;
  statecode: number;
  statuscode: number;
  iscasesensitive?: boolean | null;
  excludeinactiverecords?: boolean | null;
}

export interface DuplicateRuleConditionRow {
  /** The rule the condition belongs to (lookup `regardingobjectid`). */
  _regardingobjectid_value: string;
  baseattributename: string;
  matchingattributename: string;
  operatorcode: number;
  /** Number of characters for operators 1 and 2. */
  operatorparam?: number | null;
  ignoreblankvalues?: boolean | null;
}

export type DuplicateRuleFindingCode =
  | "no-published-rule"
  | "rule-unpublished"
  | "rule-publishing"
  | "rule-limit-reached"
  | "rule-without-conditions"
  | "blank-values-match"
  | "unknown-status";

export interface DuplicateRuleFinding {
  code: DuplicateRuleFindingCode;
  severity: Severity;
  /** Base table the finding is about. */
  table: string;
  ruleId?: string;
  ruleName?: string;
  message: string;
  fix: string;
}

export const MAX_PUBLISHED_RULES_PER_TABLE = 5;

export const OPERATOR_NAMES: Record<number, string> = {
  0: "exact match",
  1: "same first characters",
  2: "same last characters",
  3: "same date",
  4: "same date and time",
  5: "exact match (choice label)",
  6: "exact match (choice value)",
};

export function isPublished(rule: Pick<DuplicateRuleRow, "statecode" | "statuscode">): boolean {
  return rule.statecode === 1 && rule.statuscode === 2;
}

function describeCondition(c: DuplicateRuleConditionRow): string {
  const op = OPERATOR_NAMES[c.operatorcode] ?? `operator ${c.operatorcode}`;
  const chars = (c.operatorcode === 1 || c.operatorcode === 2) && c.operatorparam ? ` (${c.operatorparam})` : "";
  const same = c.baseattributename === c.matchingattributename ? c.baseattributename : `${c.baseattributename} ↔ ${c.matchingattributename}`;
  return `${same}: ${op}${chars}`;
}

/**
 * Findings about the duplicate detection rules of `tables` (default account, contact, lead):
 * tables without a published rule, rules that are unpublished or stuck publishing, tables at the
 * five-published-rule limit, published rules without conditions, and conditions that count two
 * blank values as a match.
 */
export function auditDuplicateRules(
  rules: readonly DuplicateRuleRow[],
  conditions: readonly DuplicateRuleConditionRow[],
  options: { tables?: readonly string[] } = {},
): DuplicateRuleFinding[] {
  const tables = options.tables ?? ["account", "contact", "lead"];
  const findings: DuplicateRuleFinding[] = [];
  const conditionsOf = new Map<string, DuplicateRuleConditionRow[]>();
  for (const c of conditions) {
    const id = c._regardingobjectid_value.toLowerCase();
    const list = conditionsOf.get(id);
    if (list) list.push(c);
    else conditionsOf.set(id, [c]);
  }
  const label = (r: DuplicateRuleRow): string => `"${r.name ?? r.duplicateruleid}" (${r.baseentityname} → ${r.matchingentityname})`;
  const sorted = [...rules].sort((a, b) => a.baseentityname.localeCompare(b.baseentityname) || (a.name ?? "").localeCompare(b.name ?? "") || a.duplicateruleid.localeCompare(b.duplicateruleid));
  const published = new Map<string, DuplicateRuleRow[]>();
  for (const r of sorted) {
    const base = r.baseentityname.toLowerCase();
    const ruleRef = { table: base, ruleId: r.duplicateruleid, ...(r.name ? { ruleName: r.name } : {}) };
    const conds = conditionsOf.get(r.duplicateruleid.toLowerCase()) ?? [];
    if (isPublished(r)) {
      const list = published.get(base);
      if (list) list.push(r);
      else published.set(base, [r]);
      if (conds.length === 0) {
        findings.push({
          ...ruleRef,
          code: "rule-without-conditions",
          severity: "medium",
          message: `Published duplicate rule ${label(r)} has no conditions, so it can never find a duplicate.`,
          fix: "Add at least one condition to the rule and publish it again, or deactivate it.",
        });
      }
      for (const c of conds) {
        if (c.ignoreblankvalues === false) {
          findings.push({
            ...ruleRef,
            code: "blank-values-match",
            severity: "low",
            message: `Duplicate rule ${label(r)} treats two blank values as a match on ${describeCondition(c)}: records that both lack the value are flagged as duplicates.`,
            fix: "Open the rule, tick \"Ignore blank values\" for this condition and publish the rule again.",
          });
        }
      }
    } else if (r.statuscode === 0) {
      findings.push({
        ...ruleRef,
        code: "rule-unpublished",
        severity: "low",
        message: `Duplicate rule ${label(r)} is unpublished (statecode ${r.statecode} Inactive, statuscode 0 Unpublished): it checks nothing.${conds.length ? ` Conditions: ${conds.map(describeCondition).join("; ")}.` : ""}`,
        fix: "Publish the rule if it is still wanted (Settings → Data management → Duplicate detection rules), or delete it.",
      });
    } else if (r.statuscode === 1) {
      findings.push({
        ...ruleRef,
        code: "rule-publishing",
        severity: "medium",
        message: `Duplicate rule ${label(r)} is still publishing (statuscode 1). A rule that stays in this state usually means the publishing system job failed.`,
        fix: "Check the rule's system job (Settings → System jobs); publish the rule again if the job failed.",
      });
    } else {
      findings.push({
        ...ruleRef,
        code: "unknown-status",
        severity: "low",
        message: `Duplicate rule ${label(r)} has an unexpected status (statecode ${r.statecode}, statuscode ${r.statuscode}); it is not counted as published.`,
        fix: "Open the rule and publish or deactivate it.",
      });
    }
  }
  for (const table of tables) {
    const list = published.get(table.toLowerCase()) ?? [];
    if (list.length === 0) {
      findings.push({
        code: "no-published-rule",
        severity: "high",
        table,
        message: `Table ${table} has no published duplicate detection rule: Dataverse warns about no duplicates when ${table} records are created or imported.`,
        fix: `Create and publish a duplicate detection rule for ${table} (for example on e-mail address), and let CRM Vitals' fuzzy matching cover what exact rules miss.`,
      });
    } else if (list.length >= MAX_PUBLISHED_RULES_PER_TABLE) {
      findings.push({
        code: "rule-limit-reached",
        severity: "medium",
        table,
        message: `Table ${table} has ${list.length} published duplicate detection rules, the limit is ${MAX_PUBLISHED_RULES_PER_TABLE}: no further rule can be published. Published: ${list.map((r) => `"${r.name ?? r.duplicateruleid}"`).join(", ")}.`,
        fix: "Merge rules with overlapping conditions or unpublish one that no longer earns its place before adding another.",
      });
    }
  }
  return findings;
}
