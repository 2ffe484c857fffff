/**
 * Reads records to score from CSV, JSON or JSON Lines, one at a time (memory stays flat for CSV
 * and JSON Lines). Source columns are renamed with a `--map`; targets that start with `@` fill
 * the engine's related facts (`@lastActivityOn`, `@nextActivityDueOn`, `@stage`,
 * `@stageEnteredOn`, `@ownerEnabled`, `@ownerName`). Bad input is refused with the file, line
 * and column named.
 */
import { promises as fs } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { coerceCell } from "../../engine/columns";
import type { ColumnValue, EngineRecord, RelatedFacts } from "../../engine/types";
import { UserError } from "../errors";
import { decodeFile, readTextFile, type DecodeOptions, type Encoding } from "./encoding";

export const FACT_TARGETS = ["@lastActivityOn", "@nextActivityDueOn", "@stage", "@stageEnteredOn", "@ownerEnabled", "@ownerName"] as const;
type FactTarget = (typeof FACT_TARGETS)[number];

export interface ReadRecordsOptions {
  file: string;
  table: string;
  /** source column → Dataverse column or @fact. */
  map?: Map<string, string>;
  /** Source column holding the record id; default: `<table>id` when present, else the row number. */
  idColumn?: string;
  /** Constant columns added to every record unless the file provides them. */
  set?: Record<string, ColumnValue>;
  /** Bytes read so far, for progress. */
  onBytes?: (bytesRead: number) => void;
  /** The file's encoding (--encoding); detected when absent (encoding.ts). */
  encoding?: Encoding;
}

function decodeOptions(opts: ReadRecordsOptions): DecodeOptions {
  return { encoding: opts.encoding, onBytes: opts.onBytes, onNote: (m) => process.stderr.write(`vitals: ${m}\n`) };
}

export interface InputRecord {
  /** 1-based position in the file. */
  index: number;
  /** Where in the file the record ends (line for CSV/JSONL, item for JSON). */
  location: string;
  record: EngineRecord;
}

/** Parses `a=b,c=d` into a map, refusing malformed pairs and duplicate sources. */
export function parseMap(spec: string | undefined, flag = "--map"): Map<string, string> {
  const map = new Map<string, string>();
  if (!spec) return map;
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1) throw new UserError(`${flag}: "${part}" is not of the form source=target`);
    const src = part.slice(0, eq).trim();
    const dst = part.slice(eq + 1).trim();
    if (map.has(src)) throw new UserError(`${flag}: source column "${src}" is mapped twice`);
    if (dst.startsWith("@") && !(FACT_TARGETS as readonly string[]).includes(dst)) {
      throw new UserError(`${flag}: "${dst}" is not a related fact; known: ${FACT_TARGETS.join(", ")}`);
    }
    if (!dst.startsWith("@") && !/^[a-z_][a-z0-9_]*$/.test(dst)) {
      throw new UserError(`${flag}: "${dst}" is not a Dataverse column logical name (lower case letters, digits, _)`);
    }
    map.set(src, dst);
  }
  return map;
}

function normaliseHeader(h: string): string {
  return h.replace(/^\uFEFF/, "").trim();
}

class RecordBuilder {
  private readonly targets: Map<string, string>;
  private readonly idSource: string | undefined;
  private warnedNested = new Set<string>();

  constructor(
    private readonly opts: ReadRecordsOptions,
    header: string[],
    where: string,
  ) {
    const map = opts.map ?? new Map<string, string>();
    const present = new Set(header);
    const missing = [...map.keys()].filter((k) => !present.has(k));
    if (missing.length) {
      throw new UserError(
        `${where}: --map names column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} not found in the header; the file has: ${header.map((h) => `"${h}"`).join(", ")}`,
      );
    }
    this.targets = new Map(header.map((h) => [h, map.get(h) ?? h.toLowerCase()]));
    if (opts.idColumn !== undefined && !present.has(opts.idColumn)) {
      throw new UserError(`${where}: --id column "${opts.idColumn}" is not in the header; the file has: ${header.map((h) => `"${h}"`).join(", ")}`);
    }
    this.idSource = opts.idColumn ?? header.find((h) => this.targets.get(h) === `${opts.table}id`);
  }

  build(row: Record<string, unknown>, index: number, location: string): InputRecord {
    const table = this.opts.table;
    const values: Record<string, ColumnValue> = {};
    const related: RelatedFacts = {};
    let stageName: string | null | undefined;
    let stageEntered: string | null | undefined;
    for (const [src, raw] of Object.entries(row)) {
      const target = this.targets.get(src) ?? src.toLowerCase();
      if (target.includes("@") && !target.startsWith("@")) continue; // Web API annotations
      let value: ColumnValue;
      if (raw === undefined || raw === null) value = null;
      else if (typeof raw === "string") value = coerceCell(table, target, raw);
      else if (typeof raw === "number" || typeof raw === "boolean") value = raw;
      else {
        if (!this.warnedNested.has(src)) {
          this.warnedNested.add(src);
          process.stderr.write(`vitals: ${location}: column "${src}" holds a nested object or array; it is ignored (nested values are not columns)\n`);
        }
        continue;
      }
      if (target.startsWith("@")) {
        const text = value === null ? null : String(value).trim();
        switch (target as FactTarget) {
          case "@lastActivityOn":
            related.lastActivityOn = text || null;
            break;
          case "@nextActivityDueOn":
            related.nextActivityDueOn = text || null;
            break;
          case "@stage":
            stageName = text || null;
            break;
          case "@stageEnteredOn":
            stageEntered = text || null;
            break;
          case "@ownerName":
            related.ownerName = text || null;
            break;
          case "@ownerEnabled": {
            const l = text?.toLowerCase();
            related.ownerEnabled = l === undefined || l === "" ? null : ["true", "yes", "1", "enabled"].includes(l) ? true : ["false", "no", "0", "disabled"].includes(l) ? false : null;
            if (l && related.ownerEnabled === null) {
              throw new UserError(`${location}: @ownerEnabled must be true/false, yes/no or 1/0; got "${text}"`);
            }
            break;
          }
        }
      } else {
        values[target] = value;
      }
    }
    if (stageName !== undefined) related.stage = stageName === null ? null : { name: stageName, enteredOn: stageEntered ?? null };
    for (const [k, v] of Object.entries(this.opts.set ?? {})) if (!(k in values)) values[k] = v;
    const idRaw = this.idSource !== undefined ? row[this.idSource] : undefined;
    const id = typeof idRaw === "string" && idRaw.trim() ? idRaw.trim() : typeof idRaw === "number" ? String(idRaw) : `row-${index}`;
    return { index, location, record: { table, id, values, related } };
  }
}

async function* readCsv(opts: ReadRecordsOptions): AsyncGenerator<InputRecord> {
  const stream = Readable.from(decodeFile(opts.file, decodeOptions(opts)));
  const parser = parse({ bom: true, columns: (h: string[]) => h.map(normaliseHeader), trim: true, skip_empty_lines: true, relax_column_count: false, info: true });
  // pipe() does not forward a read error (bad bytes): hand it to the parser so the loop ends with it.
  stream.on("error", (err) => parser.destroy(err));
  stream.pipe(parser);
  let builder: RecordBuilder | undefined;
  let index = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      index++;
      if (!builder) builder = new RecordBuilder(opts, Object.keys(item.record), opts.file);
      yield builder.build(item.record, index, `${opts.file}:${item.info.lines}`);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as Error & { code?: string; lines?: number; column?: string | number };
    const where = e.lines !== undefined ? `${opts.file}:${e.lines}` : opts.file;
    throw new UserError(`${where}: cannot read CSV: ${e.message}`);
  } finally {
    stream.destroy();
  }
}

async function* readJsonLines(opts: ReadRecordsOptions): AsyncGenerator<InputRecord> {
  const stream = Readable.from(decodeFile(opts.file, decodeOptions(opts)));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let builder: RecordBuilder | undefined;
  let lineNo = 0;
  let index = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      const text = lineNo === 1 ? line.replace(/^\uFEFF/, "") : line;
      if (!text.trim()) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw new UserError(`${opts.file}:${lineNo}: not valid JSON: ${(err as Error).message}`);
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new UserError(`${opts.file}:${lineNo}: each line must be a JSON object`);
      index++;
      builder ??= new RecordBuilder(opts, Object.keys(obj), `${opts.file}:${lineNo}`);
      yield builder.build(obj as Record<string, unknown>, index, `${opts.file}:${lineNo}`);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

async function* readJson(opts: ReadRecordsOptions): AsyncGenerator<InputRecord> {
  const text = (await readTextFile(opts.file, decodeOptions(opts))).replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${opts.file}: not valid JSON: ${(err as Error).message}`);
  }
  const items = Array.isArray(data) ? data : typeof data === "object" && data !== null && Array.isArray((data as { value?: unknown }).value) ? (data as { value: unknown[] }).value : null;
  if (!items) throw new UserError(`${opts.file}: expected a JSON array of records, or a Web API response with a "value" array`);
  opts.onBytes?.(text.length);
  const keys = new Set<string>();
  for (const it of items as unknown[]) if (typeof it === "object" && it !== null) Object.keys(it).forEach((k) => keys.add(k));
  const builder = new RecordBuilder(opts, [...keys], opts.file);
  for (let i = 0; i < items.length; i++) {
    const it: unknown = items[i];
    if (typeof it !== "object" || it === null || Array.isArray(it)) throw new UserError(`${opts.file}: item ${i + 1} is not a JSON object`);
    yield builder.build(it as Record<string, unknown>, i + 1, `${opts.file} item ${i + 1}`);
  }
}

/** Streams records from a .csv, .json, .jsonl or .ndjson file. */
export async function* readRecords(opts: ReadRecordsOptions): AsyncGenerator<InputRecord> {
  try {
    await fs.access(opts.file);
  } catch {
    throw new UserError(`${opts.file}: file not found or not readable`);
  }
  const lower = opts.file.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".txt")) yield* readCsv(opts);
  else if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) yield* readJsonLines(opts);
  else if (lower.endsWith(".json")) yield* readJson(opts);
  else throw new UserError(`${opts.file}: unknown file type; use .csv, .json, .jsonl or .ndjson`);
}
