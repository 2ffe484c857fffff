import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { compilePack, renderRulesMarkdown, rulePackSchema, validateRulePack, formatPackError } from "../../engine";
import { UserError } from "../errors";
import { writeFileAtomic } from "../io/atomic";
import { loadPack } from "../pack";

export function register(program: Command): void {
  const rules = program.command("rules").description("List, validate and document rule packs");

  rules
    .command("list")
    .description("List the rules of a pack, per table")
    .option("--table <table>", "only this table")
    .option("--pack <file>", "rule pack JSON (default: the built-in pack)")
    .option("--json", "print JSON instead of a table")
    .action(async (opts: { table?: string; pack?: string; json?: boolean }) => {
      const pack = await loadPack(opts.pack);
      const compiled = compilePack(pack);
      if (opts.table && !compiled.tables.includes(opts.table)) {
        throw new UserError(`--table: the pack "${pack.id}" has no rules for "${opts.table}"; it covers ${compiled.tables.join(", ")}`);
      }
      const tables = opts.table ? [opts.table] : compiled.tables;
      if (opts.json) {
        const list = tables.flatMap((t) => compiled.rules(t).map(({ rule, check }) => ({ ...rule, expected: check.expected })));
        process.stdout.write(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      const lines = [`${pack.name} (${pack.id} ${pack.version})`];
      for (const t of tables) {
        lines.push("", `${t}:`);
        for (const { rule, check } of compiled.rules(t)) {
          lines.push(`  ${rule.id.padEnd(40)} ${rule.dimension.padEnd(12)} ${rule.severity.padEnd(8)} w${rule.weight}  ${check.expected}`);
        }
      }
      process.stdout.write(lines.join("\n") + "\n");
    });

  rules
    .command("validate")
    .description("Validate a rule pack; exits 1 and lists every error (rule id, JSON path, what was expected) when invalid")
    .argument("<pack>", "rule pack JSON file")
    .action(async (file: string) => {
      let text: string;
      try {
        text = await fs.readFile(file, "utf8");
      } catch {
        throw new UserError(`${file}: file not found or not readable`);
      }
      let data: unknown;
      try {
        data = JSON.parse(text.replace(/^\uFEFF/, ""));
      } catch (err) {
        throw new UserError(`${file}: not valid JSON: ${(err as Error).message}`);
      }
      const result = validateRulePack(data);
      if (!result.ok) {
        process.stderr.write(`${file}: invalid rule pack, ${result.errors.length} error(s); it would be refused as a whole:\n${result.errors.map(formatPackError).join("\n")}\n`);
        process.exitCode = 1;
        return;
      }
      const compiled = compilePack(result.pack);
      process.stdout.write(
        `${file}: valid — ${result.pack.id} ${result.pack.version}, ${result.pack.rules.length} rules (${compiled.tables.map((t) => `${t} ${compiled.rules(t).length}`).join(", ")})\n`,
      );
    });

  rules
    .command("docs")
    .description("Write the Markdown documentation of a pack (docs/rules.md is generated this way)")
    .option("--pack <file>", "rule pack JSON (default: the built-in pack)")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (opts: { pack?: string; out?: string }) => {
      const md = renderRulesMarkdown(await loadPack(opts.pack));
      if (opts.out) await writeFileAtomic(opts.out, md);
      else process.stdout.write(md);
    });

  rules
    .command("schema")
    .description("Print the JSON Schema of rule packs")
    .action(() => {
      process.stdout.write(JSON.stringify(rulePackSchema, null, 2) + "\n");
    });
}
