/**
 * Likely duplicates for an audit's uniqueness dimension. On the first page of a table, the finder
 * reads the table's matching columns (only those: names, emails, phones, address, birth date)
 * through the gateway, runs the matcher once over the whole table — and, for leads, links them to
 * the contacts and accounts they may already be — then answers each page from that result.
 *
 * Each page of matching columns is normalised as it arrives and dropped (engine/duplicates
 * prepareInto): what stays is the table's prepared records — the one place where an audit's memory
 * grows with the table (about 1.5 GB peak for 1,000,000 contacts, bench/results/dedupe.md).
 * Everything else streams. A table's prepared records serve its own deduplication and, for leads,
 * the lead → contact and lead → account links (renumbered copies: the same answers as `link` over
 * the raw records).
 */
import { buildCandidateQueries, columnsOf, DEFAULT_BLOCKING_RULES, DEFAULT_PARAMETERS, duplicateCandidatesByRecord, endPreparation, match, normaliseEmail, PairScorer, phoneSpellings, prepareCandidates, prepareInto, scoreCandidates, text, type MatchRecord, type MatchResult, type ModelParameters, type PreparedRecord } from "../engine/duplicates";
import type { DuplicateCandidate } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkForFilter, f, type Filter } from "../dataverse/requests";
import { readAll } from "./readall";

/** Finds likely duplicates for a page of records (the uniqueness dimension). */
export type DuplicateFinder = (table: string, rows: readonly Row[]) => Promise<Map<string, DuplicateCandidate[]>>;

type DupTable = "contact" | "account" | "lead";
const SUPPORTED = new Set<string>(["contact", "account", "lead"]);

export interface DuplicateFinderOptions {
  /** Default phone region for normalising numbers (ISO 3166-1 alpha-2). */
  region?: string;
  /** Called while the matching columns are read and matched. */
  onStage?: (table: string, stage: string) => void;
}

/**
 * Two tables' prepared records as one link input (left first, then right), renumbered: copies, so
 * each table's own records keep their positions for its own deduplication.
 */
function linked(left: readonly PreparedRecord[], right: readonly PreparedRecord[]): PreparedRecord[] {
  const out: PreparedRecord[] = [];
  for (const r of left) out.push({ ...r, index: out.length });
  for (const r of right) out.push({ ...r, index: out.length });
  return out;
}

/** Each record of `table` with its candidates from several matchings, most likely first. */
export function candidatesOf(table: string, results: readonly MatchResult[]): Map<string, DuplicateCandidate[]> {
  const out = new Map<string, DuplicateCandidate[]>();
  for (const r of results) {
    for (const [key, list] of duplicateCandidatesByRecord(r)) {
      if (!key.startsWith(`${table}:`)) continue;
      const id = key.slice(table.length + 1);
      out.set(id, [...(out.get(id) ?? []), ...list].sort((a, b) => b.score - a.score));
    }
  }
  return out;
}

export function createDuplicateFinder(gateway: DataverseGateway, options: DuplicateFinderOptions = {}): DuplicateFinder {
  const byTable = new Map<string, Promise<Map<string, DuplicateCandidate[]>>>();
  const loaded = new Map<DupTable, Promise<PreparedRecord[]>>();
  const opts = { region: options.region };

  const load = (table: DupTable): Promise<PreparedRecord[]> => {
    let p = loaded.get(table);
    if (!p) {
      p = (async () => {
        options.onStage?.(table, "reading matching columns");
        const prepared: PreparedRecord[] = [];
        const idCol = `${table}id`;
        for await (const page of gateway.streamTable({ table, columns: columnsOf(table), filter: f.eq("statecode", 0) })) {
          const records: MatchRecord[] = page.rows.map((r) => ({ id: String(r[idCol]).toLowerCase(), values: r }));
          prepareInto(prepared, table, records, opts, 0);
        }
        endPreparation(); // the normalisers' caches held raw values of pages already dropped
        return prepared;
      })();
      loaded.set(table, p);
    }
    return p;
  };

  const compute = async (table: DupTable): Promise<Map<string, DuplicateCandidate[]>> => {
    const records = await load(table);
    options.onStage?.(table, "matching");
    const results: MatchResult[] = [match(records, undefined, opts)];
    if (table === "lead") {
      // A lead that already is a contact or an account.
      const [contacts, accounts] = await Promise.all([load("contact"), load("account")]);
      if (contacts.length) results.push(match(linked(contacts, records), contacts.length, opts));
      if (accounts.length) results.push(match(linked(accounts, records), accounts.length, opts));
    }
    return candidatesOf(table, results);
  };

  return async (table: string, rows: readonly Row[]): Promise<Map<string, DuplicateCandidate[]>> => {
    if (!SUPPORTED.has(table)) return new Map();
    let p = byTable.get(table);
    if (!p) {
      p = compute(table as DupTable);
      byTable.set(table, p);
    }
    const all = await p;
    const idCol = `${table}id`;
    const out = new Map<string, DuplicateCandidate[]>();
    for (const r of rows) {
      const id = String(r[idCol]).toLowerCase();
      out.set(id, all.get(id) ?? []);
    }
    return out;
  };
}

/**
 * For incremental audits, where re-reading whole tables would cost more than the run itself: the
 * page's records are matched with the same targeted queries the record panel uses (same e-mail,
 * same phone, same surname and given name, …), then scored against what comes back. The e-mail and
 * phone conditions of the whole page become one `Microsoft.Dynamics.CRM.In` per column (indexed
 * equality: the same rows as the per-record `eq`s OR-ed together, without a filter that grows with
 * the page); the other conditions stay OR-ed per record. Each target table's queries go in one
 * `$batch` with the page's other reads (gateway.queryMany).
 */
export function createTargetedDuplicateFinder(gateway: DataverseGateway, options: DuplicateFinderOptions & { parameters?: ModelParameters } = {}): DuplicateFinder {
  const scorer = new PairScorer(options.parameters ?? DEFAULT_PARAMETERS);
  return async (table: string, rows: readonly Row[]): Promise<Map<string, DuplicateCandidate[]>> => {
    const out = new Map<string, DuplicateCandidate[]>();
    if (!SUPPORTED.has(table) || rows.length === 0) return out;
    const source = table as DupTable;
    const idCol = `${table}id`;
    const records: MatchRecord[] = rows.map((r) => ({ id: String(r[idCol]).toLowerCase(), values: r }));
    const byTarget = candidateFilters(source, records, options.region);
    const fetched = await Promise.all(
      [...byTarget].map(async ([target, q]) => {
        const seen = new Map<string, MatchRecord>();
        for (const r of await readAll(gateway, target, [...q.select], q.filters, `duplicate candidates in ${target}`)) {
          const id = String(r[`${target}id`]).toLowerCase();
          seen.set(id, { id, values: r });
        }
        return { table: target, records: [...seen.values()] };
      }),
    );
    // The page's candidates are prepared once, not once per record scored against them; each record
    // is scored against those sharing a blocking key with it (the pairs a full run's matcher compares).
    const prepared = prepareCandidates(fetched, { region: options.region, blocking: DEFAULT_BLOCKING_RULES });
    for (const rec of records) out.set(rec.id, scoreCandidates(source, rec, prepared, { scorer, region: options.region }).candidates);
    return out;
  };
}

const EMAIL_COLUMNS = ["emailaddress1", "emailaddress2", "emailaddress3"];
const PHONE_COLUMNS: Readonly<Record<DupTable, readonly string[]>> = { account: ["telephone1", "telephone2"], contact: ["telephone1", "mobilephone", "telephone2"], lead: ["telephone1", "mobilephone", "telephone2"] };
/** The reasons buildCandidateQueries gives its e-mail and phone conditions (engine/duplicates/targeted.ts). */
const BY_KEY = new Set(["same e-mail", "same phone"]);

/** Per target table: the columns to read and the filters whose rows together are every record's candidates. */
function candidateFilters(source: DupTable, records: readonly MatchRecord[], region: string | undefined): Map<DupTable, { select: Set<string>; filters: Filter[] }> {
  const byTarget = new Map<DupTable, { select: Set<string>; emails: Set<string>; phones: Set<string>; rest: string[] }>();
  for (const rec of records) {
    for (const q of buildCandidateQueries(source, rec, { region })) {
      const t = byTarget.get(q.table) ?? { select: new Set<string>(), emails: new Set<string>(), phones: new Set<string>(), rest: [] };
      q.select.forEach((c) => t.select.add(c));
      if (q.conditions.some((c) => c.reason === "same e-mail")) emailsOf(rec).forEach((e) => t.emails.add(e));
      if (q.conditions.some((c) => c.reason === "same phone")) phonesOf(rec, region ?? "US").forEach((p) => t.phones.add(p));
      const rest = q.conditions.filter((c) => !BY_KEY.has(c.reason));
      if (rest.length) t.rest.push(`(${rest.map((c) => c.filter).join(" or ")})`);
      byTarget.set(q.table, t);
    }
  }
  const out = new Map<DupTable, { select: Set<string>; filters: Filter[] }>();
  for (const [target, t] of byTarget) {
    const active = f.eq("statecode", 0);
    const filters: Filter[] = [];
    const byColumn = [...EMAIL_COLUMNS.map((c) => [c, [...t.emails]] as const), ...PHONE_COLUMNS[target].map((c) => [c, [...t.phones]] as const)];
    for (const [column, values] of byColumn) {
      if (values.length === 0) continue;
      for (const chunk of chunkForFilter(values, (v) => f.in(column, v).odata)) filters.push(f.and(active, f.in(column, chunk)));
    }
    const render = (chunk: readonly string[]): string => chunk.join(" or ");
    for (const chunk of chunkForFilter(t.rest, render)) filters.push(f.and(active, { odata: render(chunk), composite: "or" }));
    out.set(target, { select: t.select, filters });
  }
  return out;
}

/** The e-mail addresses buildCandidateQueries matches on: well-formed ones, trimmed and in lower case. */
function emailsOf(rec: MatchRecord): string[] {
  return EMAIL_COLUMNS.map((c) => text(rec.values[c])).filter((e): e is string => e != null && normaliseEmail(e, { canonicalGmail: false }) != null).map((e) => e.trim().toLowerCase());
}

/** Every spelling of the record's phone numbers buildCandidateQueries matches on. */
function phonesOf(rec: MatchRecord, region: string): string[] {
  return ["telephone1", "mobilephone", "telephone2"].map((c) => text(rec.values[c])).filter((p): p is string => p != null).flatMap((p) => phoneSpellings(p, region));
}
