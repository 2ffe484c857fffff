import { promises as fs } from "node:fs";
import { type Writable } from "node:stream";
import { type Command, Option } from "commander";
import { compilePack, DEFAULT_TABLES, DIMENSIONS, SummaryBuilder, type ColumnValue, type RecordScore, type ScoreSummary } from "../../engine";
import { csvLine } from "../../export/csv";
import { UserError } from "../errors";
import { notChanged, openAtomic } from "../io/atomic";
import { parseEncoding } from "../io/encoding";
import { parseMap, readRecords, FACT_TARGETS } from "../io/records";
import { loadPack, parseNow } from "../pack";
import { createProgress, formatBytes } from "../progress";

interface ScoreOptions {
  table: string;
  in: string;
  map?: string;
  set?: string;
  id?: string;
  pack?: string;
  now?: string;
  format: "table" | "json" | "csv";
  out?: string;
  encoding?: string;
  progress: boolean;
}

function parseSet(spec: string | undefined): Record<string, ColumnValue> {
  const out: Record<string, ColumnValue> = {};
  for (const [k, v] of parseMap(spec, "--set")) {
    if (k.startsWith("@")) throw new UserError(`--set: facts cannot be set as constants ("${k}")`);
    out[k] = v === "null" ? null : v === "true" ? true : v === "false" ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

interface Sink {
  record(index: number, s: RecordScore): void;
  end(summary: ScoreSummary & Record<string, unknown>): void;
}

function jsonSink(out: Writable): Sink {
  let first = true;
  out.write('{"records":[');
  return {
    record(index, s) {
      const rec = {
        index,
        id: s.id,
        score: s.score,
        grade: s.grade,
        dimensions: Object.fromEntries(Object.entries(s.dimensions).map(([k, d]) => [k, d.score])),
        revisitAfter: s.revisitAfter,
        findings: s.findings.map((f) => ({
          ruleId: f.ruleId,
          outcome: f.outcome,
          severity: f.severity,
          dimension: f.dimension,
          columns: f.columns,
          observed: f.observed,
          expected: f.expected,
          message: f.message,
          fix: f.fix,
          ...(f.reason ? { reason: f.reason } : {}),
          ...(f.waived ? { waived: true } : {}),
        })),
      };
      out.write(`${first ? "\n" : ",\n"}${JSON.stringify(rec)}`);
      first = false;
    },
    end(summary) {
      out.write(`\n],"summary":${JSON.stringify(summary)}}\n`);
    },
  };
}

function csvSink(out: Writable): Sink {
  out.write(csvLine(["index", "id", "score", "grade", ...DIMENSIONS, "failed", "not_evaluated", "failed_rules"]));
  return {
    record(index, s) {
      const failed = s.findings.filter((f) => f.outcome === "failed" && !f.waived);
      const ne = s.findings.filter((f) => f.outcome === "notEvaluated").length;
      out.write(csvLine([index, s.id, s.score, s.grade, ...DIMENSIONS.map((d) => s.dimensions[d]?.score ?? ""), failed.length, ne, failed.map((f) => f.ruleId).join(" ")]));
    },
    end() {},
  };
}

function tableSink(out: Writable): Sink {
  const worst: { index: number; s: RecordScore }[] = [];
  const KEEP = 20;
  return {
    record(index, s) {
      if (s.score === null) return;
      worst.push({ index, s });
      if (worst.length > KEEP * 4) {
        worst.sort((a, b) => (a.s.score ?? 0) - (b.s.score ?? 0) || a.index - b.index);
        worst.length = KEEP;
      }
    },
    end(summary) {
      worst.sort((a, b) => (a.s.score ?? 0) - (b.s.score ?? 0) || a.index - b.index);
      const lines: string[] = [];
      lines.push(`Scored ${summary.records} ${String(summary.table)} record(s) with ${String(summary.pack)} at ${String(summary.now)}`);
      lines.push(`Average score: ${summary.averageScore ?? "n/a"}   Grades: ${Object.entries(summary.grades).map(([g, n]) => `${g} ${n}`).join("  ")}`);
      lines.push("");
      lines.push("Dimension       average  records");
      for (const [d, v] of Object.entries(summary.dimensions)) lines.push(`${d.padEnd(15)} ${String(v.average).padStart(7)}  ${v.records}`);
      lines.push("");
      lines.push("Rule                                       failed   passed  not evaluated");
      for (const r of summary.rules) lines.push(`${r.ruleId.padEnd(42)} ${String(r.failed).padStart(6)} ${String(r.passed).padStart(8)} ${String(r.notEvaluated).padStart(14)}`);
      lines.push("");
      lines.push(`Lowest scores (up to ${KEEP}):`);
      for (const { index, s } of worst.slice(0, KEEP)) {
        const failed = s.findings.filter((f) => f.outcome === "failed" && !f.waived);
        lines.push(`  #${index} ${s.id}: ${s.score} (${s.grade}) — ${failed.slice(0, 3).map((f) => `${f.ruleId}: ${f.observed || "(empty)"}`).join("; ")}${failed.length > 3 ? `; +${failed.length - 3} more` : ""}`);
      }
      if (summary.assumed && Object.keys(summary.assumed).length) {
        lines.push("");
        lines.push(`Assumed for every record (not in the file): ${Object.entries(summary.assumed as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(", ")}; override with --set.`);
      }
      out.write(lines.join("\n") + "\n");
    },
  };
}

export function register(program: Command): void {
  program
    .command("score")
    .description("Score every record in a CSV, JSON or JSON Lines file with a rule pack, and explain each finding")
    .requiredOption("--table <table>", `table the records belong to (${DEFAULT_TABLES.join(", ")}, or any table of --pack)`)
    .requiredOption("--in <file>", "input file: .csv (header row), .json (array, or a Web API response with \"value\"), .jsonl/.ndjson")
    .option("--map <pairs>", `rename source columns: src=column,... (columns: Dataverse logical names; facts: ${FACT_TARGETS.join(", ")})`)
    .option("--set <pairs>", "constant columns for every record, e.g. statecode=0 (default for files without statecode: statecode=0, active)")
    .option("--id <column>", "source column holding the record id (default: <table>id when present, else the row number)")
    .option("--pack <file>", "rule pack JSON (default: the built-in pack)")
    .option("--now <iso>", "the clock for freshness and stage rules (default: now); fix it for reproducible scores")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .option("--out <file>", "write the output to a file instead of stdout (written whole or not at all)")
    .option("--encoding <name>", "the input file's encoding: utf-8, utf-16le, utf-16be or windows-1252 (latin1); default: detected (byte-order mark, else UTF-8, else Windows-1252 with a note)")
    .option("--no-progress", "do not show progress on stderr")
    .addHelpText(
      "after",
      `
Examples:
  vitals score --table contact --in contacts.csv --format json
  vitals score --table contact --in fake_1000.csv --map first_name=firstname,surname=lastname,email=emailaddress1,city=address1_city,dob=birthdate
  vitals score --table opportunity --in deals.jsonl --map stage=@stage,stage_since=@stageEnteredOn --now 2026-11-23

Columns absent from the file are "not evaluated", never "failed"; empty cells count as empty values.`,
    )
    .action(async (opts: ScoreOptions) => {
      const pack = await loadPack(opts.pack);
      const compiled = compilePack(pack);
      if (!compiled.tables.includes(opts.table)) {
        throw new UserError(`--table: the pack "${pack.id}" has no rules for "${opts.table}"; it covers ${compiled.tables.join(", ")}`);
      }
      const now = parseNow(opts.now);
      const encoding = parseEncoding(opts.encoding);
      const map = parseMap(opts.map);
      const set = parseSet(opts.set);
      const mapsStatecode = [...map.values()].includes("statecode");
      const assumed: Record<string, ColumnValue> = {};
      // --out: a temporary file beside the target, renamed over it only when every record was scored.
      const file = opts.out ? openAtomic(opts.out) : null;
      const out: Writable = file?.out ?? process.stdout;
      const sink = opts.format === "json" ? jsonSink(out) : opts.format === "csv" ? csvSink(out) : tableSink(out);
      const size = (await fs.stat(opts.in).catch(() => ({ size: 0 }))).size;
      const progress = opts.progress ? createProgress({ label: "scoring", total: size, format: formatBytes }) : undefined;
      const summary = new SummaryBuilder();
      let n = 0;
      let sawStatecode: boolean | undefined;
      try {
        for await (const item of readRecords({ file: opts.in, table: opts.table, map, idColumn: opts.id, set, encoding, onBytes: (b) => progress?.update(b, `${n} records`) })) {
          if (sawStatecode === undefined) {
            sawStatecode = mapsStatecode || "statecode" in item.record.values;
            if (!sawStatecode && !("statecode" in set)) assumed.statecode = 0;
          }
          if ("statecode" in assumed && !("statecode" in item.record.values)) item.record.values.statecode = 0;
          const s = compiled.score(item.record, { now });
          summary.add(s);
          sink.record(item.index, s);
          n++;
        }
        progress?.stop();
        if (n === 0) throw new UserError(`${opts.in}: the file holds no records (only a header, or nothing); nothing to score`);
        sink.end({ table: opts.table, pack: `${pack.id}@${pack.version}`, now: now.toISOString(), assumed, ...summary.build() });
        await file?.commit();
      } catch (err) {
        progress?.stop();
        if (!file || !opts.out) throw err;
        await file.abort();
        throw notChanged(err, opts.out);
      }
      if (opts.out) process.stderr.write(`vitals: wrote ${n} scored record(s) to ${opts.out}\n`);
    });
}
