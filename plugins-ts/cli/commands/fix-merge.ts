/**
 * `vitals fix plan --merge`: a plan of merges from `vitals dedupe` pairs (`--pairs pairs.csv`) or
 * from the matcher run over the table's active records, the master chosen by `--master-rule`.
 * Writes the plan file whole (temporary file, then rename) and nothing to the organisation; apply,
 * undo and show are the same commands as for other fixes.
 */
import { promises as fs } from "node:fs";
import { MASTER_RULES, type MasterRule } from "../../engine/fixes";
import type { RulePack } from "../../engine";
import type { DataverseGateway } from "../../dataverse/gateway";
import { makeMergePlan, parsePairsCsv, MERGEABLE_TABLES } from "../../fix/merge-plan";
import type { MergePair as Pair } from "../../engine/fixes";
import { UserError } from "../errors";
import { createProgress } from "../progress";

export interface MergePlanCliOptions {
  pairs?: string;
  masterRule: string;
  parentingChecks?: boolean;
  out: string;
  progress: boolean;
}

/** Checks the options before connecting: one mergeable table, a known master rule, a readable pairs file. */
export async function mergeInputs(tables: string[], o: MergePlanCliOptions): Promise<{ table: string; rule: MasterRule; pairs?: Pair[] }> {
  if (tables.length !== 1 || !(MERGEABLE_TABLES as readonly string[]).includes(tables[0])) {
    throw new UserError(`--merge: name one table with --tables (${MERGEABLE_TABLES.join(", ")}); got ${tables.join(",")}`);
  }
  if (!(MASTER_RULES as readonly string[]).includes(o.masterRule)) throw new UserError(`--master-rule must be one of ${MASTER_RULES.join(", ")}, got "${o.masterRule}"`);
  let pairs: Pair[] | undefined;
  if (o.pairs) {
    let text: string;
    try {
      text = await fs.readFile(o.pairs, "utf8");
    } catch (err) {
      throw new UserError(`${o.pairs}: cannot read the pairs file: ${(err as Error).message}`);
    }
    try {
      pairs = parsePairsCsv(text, o.pairs);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
  }
  return { table: tables[0], rule: o.masterRule as MasterRule, pairs };
}

export async function writeMergePlan(gateway: DataverseGateway, pack: RulePack, now: Date, input: { table: string; rule: MasterRule; pairs?: Pair[] }, o: MergePlanCliOptions): Promise<void> {
  const bar = o.progress ? createProgress({ label: "planning merges", total: 0 }) : undefined;
  let result;
  try {
    result = await makeMergePlan({ gateway, pack, table: input.table, pairs: input.pairs, masterRule: input.rule, performParentingChecks: o.parentingChecks, now, onProgress: (stage) => bar?.update(0, stage) });
  } finally {
    bar?.stop();
  }
  const { plan, skipped } = result;
  const tmp = `${o.out}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(plan, null, 2) + "\n");
  await fs.rename(tmp, o.out);
  const merges = plan.merges ?? [];
  process.stdout.write(
    [
      `Plan ${plan.planId}: ${merges.length} merges of duplicate ${input.table} records (master by ${input.rule}${input.pairs ? `, from ${o.pairs}` : ", pairs from the matcher"}), written to ${o.out}`,
      ...merges.slice(0, 20).map((m) => `  ${m.subordinateName} → ${m.masterName} (p=${m.probability.toFixed(3)}; fills ${m.updateContent.map((c) => c.column).join(", ") || "nothing"})`),
      ...(merges.length > 20 ? [`  … and ${merges.length - 20} more`] : []),
      ...(skipped.length ? [`${skipped.length} pairs skipped:`, ...skipped.slice(0, 10).map((s) => `  ${s.leftId} ~ ${s.rightId}: ${s.reason}`)] : []),
      `Review it (set "include": false to leave a merge out, "swap": true to keep the other record), then: vitals fix apply ${o.out} …`,
    ].join("\n") + "\n",
  );
}
