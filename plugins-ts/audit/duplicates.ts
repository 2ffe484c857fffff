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
import { buildCandidateQueries, columnsOf, KEYED_REASONS, keyLookupOf, MATCH_KEY_COLUMNS, type KeyLookup, DEFAULT_BLOCKING_RULES, DEFAULT_PARAMETERS, duplicateCandidatesByRecord, endPreparation, match, normaliseEmail, PairScorer, phoneSpellings, prepareCandidates, prepareInto, scoreCandidates, text, type MatchRecord, type MatchResult, type ModelParameters, type PreparedRecord } from "../engine/duplicates";
import type { DuplicateCandidate } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkForFilter, chunkIdsForIn, f, guid, type Filter } from "../dataverse/requests";
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
 * the page); the surname conditions stay OR-ed per record (each an indexed equality too).
 *
 * Company name, website and e-mail domain (accounts and leads) cannot be asked by equality of the
 * record's own columns: with `since` (the run's "modified since"), they are looked up by the match
 * keys the audit keeps on the targets' health rows (engine/duplicates/matchkeys.ts; `In` on
 * `vit_matchcompany`, `vit_matchwebsite`, `vit_matchdomain`, then the records by id), and only the
 * records modified since then — whose stored keys may be stale, or which have no health row yet —
 * are still asked with the text conditions, `modifiedon` first. Without `since`, the text
 * conditions go to every record. Each target table's queries go in one `$batch` with the page's
 * other reads (gateway.queryMany).
 */
export function createTargetedDuplicateFinder(gateway: DataverseGateway, options: TargetedFinderOptions = {}): DuplicateFinder {
  const scorer = new PairScorer(options.parameters ?? DEFAULT_PARAMETERS);
  const since = options.since ? new Date(options.since) : null;
  const keyed = since ? new Set(options.keyedTables ?? []) : new Set<string>();
  return async (table: string, rows: readonly Row[]): Promise<Map<string, DuplicateCandidate[]>> => {
    const out = new Map<string, DuplicateCandidate[]>();
    if (!SUPPORTED.has(table) || rows.length === 0) return out;
    const source = table as DupTable;
    const idCol = `${table}id`;
    const records: MatchRecord[] = rows.map((r) => ({ id: String(r[idCol]).toLowerCase(), values: r }));
    const byTarget = candidateFilters(source, records, options.region, since, keyed);
    const fetched = await Promise.all(
      [...byTarget].map(async ([target, q]) => {
        const seen = new Map<string, MatchRecord>();
        const [direct, keyed] = await Promise.all([readAll(gateway, target, [...q.select], q.filters, `duplicate candidates in ${target}`), byMatchKeys(gateway, target, [...q.select], q.keys)]);
        for (const r of [...direct, ...keyed]) {
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

/**
 * The active records of `target` whose health rows carry one of the keys: the health rows by `In`
 * on each key column, then the records by id (both indexed). Records without a health row are not
 * found here; they were created since the last run, so the text conditions ask for them.
 */
async function byMatchKeys(gateway: DataverseGateway, target: DupTable, select: readonly string[], keys: KeyLookup | null): Promise<Row[]> {
  if (!keys) return [];
  const healthFilters: Filter[] = [];
  const mine = f.and(f.eq("vit_table", target), f.eq("statecode", 0));
  for (const key of ["company", "website", "domain"] as const) {
    const values = [...new Set(keys[key])];
    if (values.length === 0) continue;
    for (const chunk of chunkForFilter(values, (v) => f.in(MATCH_KEY_COLUMNS[key], v).odata)) healthFilters.push(f.and(mine, f.in(MATCH_KEY_COLUMNS[key], chunk)));
  }
  const ids = [...new Set((await readAll(gateway, "vit_recordhealth", ["vit_recordid"], healthFilters, `match keys in ${target} health rows`)).map((r) => String(r.vit_recordid).toLowerCase()))];
  const idFilters = chunkIdsForIn(`${target}id`, ids).map((chunk) => f.and(f.eq("statecode", 0), f.in(`${target}id`, chunk.map((id) => guid(id)))));
  return readAll(gateway, target, select, idFilters, `duplicate candidates in ${target} by match key`);
}

export interface TargetedFinderOptions extends DuplicateFinderOptions {
  parameters?: ModelParameters;
  /** The run's "modified since" (ISO): records modified since then are asked with text conditions, the others by match keys. */
  since?: string | null;
  /**
   * The tables whose every record's health row the last run wrote (in the audit's scope, which
   * filters no owner, business unit or creation date): only these are looked up by match keys.
   */
  keyedTables?: readonly string[];
}

const EMAIL_COLUMNS = ["emailaddress1", "emailaddress2", "emailaddress3"];
const PHONE_COLUMNS: Readonly<Record<DupTable, readonly string[]>> = { account: ["telephone1", "telephone2"], contact: ["telephone1", "mobilephone", "telephone2"], lead: ["telephone1", "mobilephone", "telephone2"] };
/** The reasons buildCandidateQueries gives its e-mail and phone conditions (engine/duplicates/targeted.ts). */
const BY_KEY = new Set(["same e-mail", "same phone"]);

interface TargetQueries {
  select: Set<string>;
  /** Every filter to read `target` with. */
  filters: Filter[];
  /** The match keys to look up in `target`'s health rows (null: none, or no `since`). */
  keys: KeyLookup | null;
}

/** Per target table: the columns to read, the filters and the match keys whose rows together are every record's candidates. */
function candidateFilters(source: DupTable, records: readonly MatchRecord[], region: string | undefined, since: Date | null, keyed: ReadonlySet<string>): Map<DupTable, TargetQueries> {
  const byTarget = new Map<DupTable, { select: Set<string>; emails: Set<string>; phones: Set<string>; rest: string[]; recent: string[]; keys: KeyLookup | null }>();
  for (const rec of records) {
    for (const q of buildCandidateQueries(source, rec, { region })) {
      const t = byTarget.get(q.table) ?? { select: new Set<string>(), emails: new Set<string>(), phones: new Set<string>(), rest: [], recent: [], keys: null };
      q.select.forEach((c) => t.select.add(c));
      if (q.conditions.some((c) => c.reason === "same e-mail")) emailsOf(rec).forEach((e) => t.emails.add(e));
      if (q.conditions.some((c) => c.reason === "same phone")) phonesOf(rec, region ?? "US").forEach((p) => t.phones.add(p));
      const lookup = keyed.has(q.table) ? keyLookupOf(source, q.table, rec.values) : null;
      const byKeys = lookup ? q.conditions.filter((c) => KEYED_REASONS.has(c.reason)) : [];
      const rest = q.conditions.filter((c) => !BY_KEY.has(c.reason) && !byKeys.includes(c));
      if (rest.length) t.rest.push(`(${rest.map((c) => c.filter).join(" or ")})`);
      if (lookup && byKeys.length) {
        t.recent.push(`(${byKeys.map((c) => c.filter).join(" or ")})`);
        t.keys ??= { company: [], website: [], domain: [] };
        for (const k of ["company", "website", "domain"] as const) t.keys[k].push(...lookup[k]);
      }
      byTarget.set(q.table, t);
    }
  }
  const out = new Map<DupTable, TargetQueries>();
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
    // Records modified since the last run: their stored keys may be stale (or absent), so the text conditions, after `modifiedon`.
    if (since) for (const chunk of chunkForFilter(t.recent, render)) filters.push(f.and(active, f.ge("modifiedon", since), { odata: render(chunk), composite: "or" }));
    out.set(target, { select: t.select, filters, keys: t.keys });
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
