/**
 * A rule pack checked against the organisation's table metadata before it is saved: a rule on a
 * column that does not exist would otherwise pass validation and never fire. Reads each table's
 * attribute names once (the gateway's `checkColumns`); returns one error per rule and missing
 * column, naming both. Other gateway errors propagate (nothing is saved on a failed check).
 */
import type { DataverseGateway } from "../dataverse/gateway";
import { MissingColumnsError } from "../dataverse/errors";
import { conditionInputs } from "../engine/checks/conditions";
import type { PackError } from "../engine/pack/validate";
import type { RulePack } from "../engine/pack/types";
import { compilePack } from "../engine/score";

export async function packColumnErrors(gateway: DataverseGateway, pack: RulePack): Promise<PackError[]> {
  const compiled = compilePack(pack);
  const need = Object.fromEntries(compiled.tables.map((t) => [t, compiled.requirements(t).columns]));
  let missing: Set<string>;
  try {
    await gateway.checkColumns(need);
    return [];
  } catch (err) {
    if (!(err instanceof MissingColumnsError)) throw err;
    missing = new Set(err.missing);
  }
  const errors: PackError[] = [];
  for (const table of compiled.tables) {
    for (const { rule, check, when } of compiled.rules(table)) {
      const columns = new Set(check.inputs.columns);
      if (when) conditionInputs(when, columns, new Set());
      const index = pack.rules.indexOf(rule);
      const path = index >= 0 ? `$.rules[${index}]` : "$.rules";
      if (missing.has(`${table} (the table itself)`)) {
        errors.push({ ruleId: rule.id, path, message: `table "${table}" does not exist in this organisation` });
        continue;
      }
      for (const c of [...columns].sort()) {
        if (missing.has(`${table}.${c}`)) errors.push({ ruleId: rule.id, path, message: `column "${c}" does not exist on table "${table}" in this organisation` });
      }
    }
  }
  return errors;
}
