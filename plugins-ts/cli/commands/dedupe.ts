/**
 * `vitals dedupe`: find likely duplicates in a CSV export (one file) or link a second file to a
 * first, and write every match and near-miss with its explanation.
 */
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { type Command, Option } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { isSupportedCountry } from "libphonenumber-js";
import { csvLine } from "../../export/csv";
import { UserError } from "../errors";
import { writeStreamAtomic } from "../io/atomic";
import { describeGuess, guessMapping } from "../io/columnGuess";
import { decodeFile, parseEncoding, type Encoding } from "../io/encoding";
import {
  DUPLICATE_TABLES,
  PagedRecords,
  isDuplicateTable,
  formatExplanation,
  type DuplicateTable,
  type MatchRecord,
  type MatchResult,
  type MatchStage,
} from "../../engine/duplicates";

/** One mapping entry: CSV columns (joined with a space when several) → Dataverse column. */
export interface ColumnMapping {
  sources: string[];
  target: string;
}

/**
 * Parses "--map given_name=firstname,street_number+address_1=address1_line1": each entry maps
 * one CSV column, or several joined with "+", to a Dataverse column.
 */
export function parseMapping(spec: string): ColumnMapping[] {
  const out: ColumnMapping[] = [];
  for (const raw of spec.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq <= 0 || eq === entry.length - 1) {
      throw new UserError(`--map entry "${entry}" is not of the form source=column (e.g. given_name=firstname)`);
    }
    const sources = entry.slice(0, eq).split("+").map((s) => s.trim());
    const target = entry.slice(eq + 1).trim();
    if (sources.some((s) => s === "")) throw new UserError(`--map entry "${entry}" has an empty source column`);
    if (!/^[a-z][a-z0-9_]*$/.test(target)) throw new UserError(`--map entry "${entry}": "${target}" is not a Dataverse column logical name`);
    out.push({ sources, target });
  }
  if (out.length === 0) throw new UserError("--map names no columns");
  return out;
}

/** Records per page handed to the matcher while a CSV file is read (the Web API's page size). */
export const CSV_PAGE_SIZE = 5000;

/**
 * Reads a CSV file (UTF-8 with or without BOM, CRLF or LF, quoted fields with newlines, spaces
 * after commas) into matcher records with Dataverse column names, `pageSize` records at a time, so
 * the caller can normalise a page and drop it before the next is read (the raw rows of a large
 * export never all exist at once). Every mapped column and the id column must exist; ids must be
 * present and unique across the file. `mapping` may be a function of the header (the file's
 * trimmed column names), called once before the first record. Errors (UserError) name the file
 * and the record or line.
 */
export async function* readCsvPages(
  file: string,
  idColumn: string,
  mappingOrGuess: readonly ColumnMapping[] | ((columns: string[]) => readonly ColumnMapping[]),
  encoding?: Encoding,
  pageSize = CSV_PAGE_SIZE,
): AsyncGenerator<MatchRecord[]> {
  let mapping: readonly ColumnMapping[] = typeof mappingOrGuess === "function" ? [] : mappingOrGuess;
  const input = Readable.from(decodeFile(file, { encoding, onNote: (m) => process.stderr.write(`vitals: ${m}\n`) }));
  const parser = parse({ bom: true, columns: (header: string[]) => header.map((h) => h.trim()), ltrim: true, rtrim: true, relax_column_count: true, skip_empty_lines: true });
  // pipe() does not forward a read error (missing file): hand it to the parser so the loop ends
  input.on("error", (err) => parser.destroy(err));
  input.pipe(parser);
  let page: MatchRecord[] = [];
  let count = 0;
  const seen = new Set<string>();
  let checked = false;
  let line = 1;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
      line++;
      if (!checked) {
        checked = true;
        const columns = Object.keys(row);
        if (typeof mappingOrGuess === "function") mapping = mappingOrGuess(columns);
        const wanted = [idColumn, ...mapping.flatMap((m) => m.sources)];
        for (const c of wanted) {
          if (!columns.includes(c)) {
            throw new UserError(`${file}: no column "${c}" (columns are: ${columns.join(", ")})`);
          }
        }
      }
      const id = (row[idColumn] ?? "").trim();
      if (id === "") throw new UserError(`${file}, record ${count + 1}: the id column "${idColumn}" is empty`);
      if (seen.has(id)) throw new UserError(`${file}: id "${id}" appears more than once in column "${idColumn}"`);
      seen.add(id);
      const values: Record<string, string | null> = {};
      for (const m of mapping) {
        const joined = m.sources
          .map((s) => (row[s] ?? "").trim())
          .filter((s) => s !== "")
          .join(" ");
        values[m.target] = joined === "" ? null : joined;
      }
      page.push({ id, values });
      count++;
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw new UserError(`${file}: file not found`);
    if (code === "EISDIR") throw new UserError(`${file}: is a directory, expected a CSV file`);
    throw new UserError(`${file}: cannot read as CSV near line ${line}: ${(err as Error).message}`);
  }
  if (!checked) throw new UserError(`${file}: no records (the file is empty or has only a header)`);
  if (page.length) yield page;
}

/** Reads a whole CSV file into matcher records (readCsvPages, collected): for small files. */
export async function readCsvRecords(
  file: string,
  idColumn: string,
  mappingOrGuess: readonly ColumnMapping[] | ((columns: string[]) => readonly ColumnMapping[]),
  encoding?: Encoding,
): Promise<MatchRecord[]> {
  const records: MatchRecord[] = [];
  for await (const page of readCsvPages(file, idColumn, mappingOrGuess, encoding)) records.push(...page);
  return records;
}

/** Writes pairs.csv: left_id,right_id,score,match,explanation. */
export async function writePairs(file: string, result: MatchResult): Promise<void> {
  await writeStreamAtomic(file, async (write) => {
    await write(csvLine(["left_id", "right_id", "score", "match", "explanation"]));
    for (const p of result.pairs) {
      const note = p.splitByClustering ? "split by clustering (groups did not agree by majority): " : "";
      await write(csvLine([p.left.id, p.right.id, p.probability.toFixed(6), p.decision, note + formatExplanation(p.explanation)]));
    }
  });
}

const STAGE_LABEL: Record<MatchStage, string> = {
  prepare: "normalising records",
  block: "blocking and comparing",
  sample: "sampling random pairs",
  train: "estimating the model (EM)",
  score: "scoring pairs",
  cluster: "clustering",
  explain: "explaining matches",
};

/** Progress on stderr: a bar on a terminal, a plain line per stage (and per 10 %, or per 100,000 records read) otherwise. */
function progressReporter(stream: NodeJS.WriteStream): { update: (stage: MatchStage, done: number, total: number) => void; stop: () => void } {
  if (stream.isTTY) {
    const bar = new SingleBar({ format: "{stage} [{bar}] {percentage}% {value}/{total}", stream, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    let current: MatchStage | undefined;
    return {
      update(stage, done, total) {
        if (stage !== current) {
          if (current) bar.stop();
          current = stage;
          bar.start(Math.max(total, 1), 0, { stage: STAGE_LABEL[stage] });
        }
        // while a file is read the total grows with it (done === total): redraw every 1,000 records
        if (done === total && done % 1000 !== 0) return;
        if (total > 0) bar.setTotal(total);
        bar.update(Math.min(done, Math.max(total, done)), { stage: STAGE_LABEL[stage] });
      },
      stop: () => bar.stop(),
    };
  }
  let current: MatchStage | undefined;
  let lastDecile = 0;
  return {
    update(stage, done, total) {
      if (stage !== current) {
        current = stage;
        lastDecile = 0;
        stream.write(`${STAGE_LABEL[stage]}…\n`);
      }
      if (done === total && stage === "prepare") {
        // records are normalised as the file is read: the total is not known yet
        if (done % 100_000 === 0) stream.write(`  ${STAGE_LABEL[stage]}: ${done} read\n`);
      } else if (total >= 10_000) {
        const decile = Math.floor((10 * done) / total);
        if (decile > lastDecile && decile < 10) {
          lastDecile = decile;
          stream.write(`  ${STAGE_LABEL[stage]}: ${done}/${total}\n`);
        }
      }
    },
    stop: () => undefined,
  };
}

interface DedupeOptions {
  table: string;
  tableB?: string;
  in: string[];
  id: string;
  idB?: string;
  map?: string;
  mapB?: string;
  out: string;
  encoding?: string;
  threshold: string;
  nearMiss: string;
  region: string;
  maxBlock: string;
  gmailCanonical: boolean;
  progress: boolean;
}

function numberOption(name: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new UserError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return v;
}

function tableOption(name: string, raw: string): DuplicateTable {
  if (!isDuplicateTable(raw)) throw new UserError(`${name} must be one of ${DUPLICATE_TABLES.join(", ")}, got "${raw}"`);
  return raw;
}

export function register(program: Command): void {
  program
    .command("dedupe")
    .description(
      "Find likely duplicates in a CSV export (one --in) or link a second file to the first (two --in). " +
        "Writes every match and near-miss with its explanation.",
    )
    .addOption(new Option("--table <table>", "table the records belong to (decides which columns are compared)").choices([...DUPLICATE_TABLES]).makeOptionMandatory())
    .option("--table-b <table>", "table of the second file when linking across tables (e.g. lead → contact); default: --table")
    .requiredOption("--in <file>", "CSV file; give twice to link the second file to the first", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .requiredOption("--id <column>", "CSV column holding each record's unique id")
    .option("--id-b <column>", "id column of the second file; default: --id")
    .option(
      "--map <mapping>",
      "CSV column → Dataverse column, comma-separated: given_name=firstname,surname=lastname; join several CSV columns with + " +
        "(street_number+address_1=address1_line1). Default: headers that are Dataverse column names as they are, and common " +
        'export headers ("First Name", "Email", "Company", "Business Phone", "ZIP/Postal Code", …); the mapping chosen is printed',
    )
    .option("--map-b <mapping>", "mapping of the second file; default: --map, or chosen from its headers like --map")
    .requiredOption("--out <file>", "where to write pairs.csv (left_id,right_id,score,match,explanation)")
    .option("--encoding <name>", "the CSV files' encoding: utf-8, utf-16le, utf-16be or windows-1252 (latin1); default: detected (byte-order mark, else UTF-8, else Windows-1252 with a note)")
    .option("--threshold <p>", "match probability at or above which a pair is a match", "0.5")
    .option("--near-miss <band>", "pairs within this much probability below the threshold are reported as near-misses", "0.3")
    .option("--region <code>", "default country for phone numbers without a country code (ISO 3166-1 alpha-2)", "US")
    .option("--max-block <n>", "blocks with more records than this are skipped and reported", "500")
    .option("--no-gmail-canonical", "do not ignore dots and +tags in Gmail addresses")
    .option("--no-progress", "no progress output on stderr")
    .addHelpText(
      "after",
      "\nExample (Febrl, contacts):\n  vitals dedupe --table contact --in a.csv --in b.csv --id rec_id \\\n" +
        "    --map given_name=firstname,surname=lastname,street_number+address_1=address1_line1,suburb=address1_city,postcode=address1_postalcode,date_of_birth=birthdate,soc_sec_id=governmentid \\\n" +
        "    --out pairs.csv",
    )
    .action(async (opts: DedupeOptions) => {
      const table = tableOption("--table", opts.table);
      const tableB = opts.tableB === undefined ? table : tableOption("--table-b", opts.tableB);
      if (opts.in.length < 1 || opts.in.length > 2) throw new UserError(`--in must be given once (deduplicate) or twice (link), got ${opts.in.length}`);
      const threshold = numberOption("--threshold", opts.threshold, 0.000001, 0.999999);
      const nearMissBand = numberOption("--near-miss", opts.nearMiss, 0, threshold);
      const maxBlockSize = numberOption("--max-block", opts.maxBlock, 2, 1_000_000);
      if (!isSupportedCountry(opts.region.toUpperCase())) {
        throw new UserError(`--region must be a two-letter country code libphonenumber knows (US, GB, AU, DE…), got "${opts.region}"`);
      }
      const mappingFor = (spec: string | undefined, t: DuplicateTable, file: string, id: string): readonly ColumnMapping[] | ((columns: string[]) => ColumnMapping[]) =>
        spec !== undefined
          ? parseMapping(spec)
          : (columns) => {
              const g = guessMapping(t, columns, id, file);
              process.stdout.write(`${describeGuess(file, g)}\n`);
              return g.mapping;
            };
      const encoding = parseEncoding(opts.encoding);
      const linking = opts.in.length === 2;
      const progress = opts.progress ? progressReporter(process.stderr) : undefined;
      const matchOptions = {
        threshold,
        nearMissBand,
        maxBlockSize,
        region: opts.region.toUpperCase(),
        canonicalGmail: opts.gmailCanonical,
        onProgress: progress?.update,
      };
      // each file is read in pages, and each page normalised and dropped before the next is read
      const collection = new PagedRecords(matchOptions);
      let result: MatchResult;
      try {
        for await (const page of readCsvPages(opts.in[0], opts.id, mappingFor(opts.map, table, opts.in[0], opts.id), encoding)) collection.add(table, page);
        if (linking) {
          collection.endLeft();
          const idB = opts.idB ?? opts.id;
          for await (const page of readCsvPages(opts.in[1], idB, mappingFor(opts.mapB ?? opts.map, tableB, opts.in[1], idB), encoding)) collection.add(tableB, page);
        }
        result = linking ? collection.link() : collection.deduplicate();
      } finally {
        progress?.stop();
      }
      try {
        await writePairs(opts.out, result);
      } catch (err) {
        throw new UserError(`${opts.out}: cannot write the pairs file: ${(err as Error).message}`);
      }
      const s = result.stats;
      const lines = [
        linking ? `records: ${s.leftRecords} + ${s.rightRecords}` : `records: ${s.records}`,
        `candidate pairs compared: ${s.candidatePairs} (of ${s.possiblePairs} possible)`,
        `fields compared: ${s.fields.join(", ")}`,
        `matches: ${s.matches}, near-misses: ${s.nearMisses}, clusters: ${s.clusters}`,
      ];
      if (s.skippedBlockCount > 0) {
        lines.push(
          `skipped ${s.skippedBlockCount} oversized block(s) (more than ${maxBlockSize} records), largest: ` +
            s.skippedBlocks.slice(0, 5).map((b) => `${b.rule} "${b.key}" (${b.size})`).join(", "),
        );
      }
      if (s.emFallback) lines.push(`note: ${s.emFallback}`);
      lines.push(`wrote ${result.pairs.length} pairs to ${opts.out}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
