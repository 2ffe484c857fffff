/**
 * Likely duplicates for an audit's uniqueness dimension. On the first page of a table, the finder
 * reads the table's matching columns (only those: names, emails, phones, address, birth date)
 * through the gateway, runs the matcher once over the whole table — and, for leads, links them to
 * the contacts and accounts they may already be — then answers each page from that result.
 *
 * This pass holds the matching columns of one table in memory (about 2.4 GB peak for 1,000,000
 * contacts, bench/results/dedupe.md): the one place where an audit's memory grows with the table.
 * Everything else streams.
 */
import { buildCandidateQueries, columnsOf, deduplicate, duplicateCandidatesByRecord, link, scoreCandidates, type MatchRecord, type MatchResult, type ModelParameters } from "../engine/duplicates";
import type { DuplicateCandidate } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkForFilter, f, type Filter } from "../dataverse/requests";

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

export function createDuplicateFinder(gateway: DataverseGateway, options: DuplicateFinderOptions = {}): DuplicateFinder {
  const byTable = new Map<string, Promise<Map<string, DuplicateCandidate[]>>>();
  const loaded = new Map<DupTable, Promise<MatchRecord[]>>();

  const load = (table: DupTable): Promise<MatchRecord[]> => {
    let p = loaded.get(table);
    if (!p) {
      p = (async () => {
        options.onStage?.(table, "reading matching columns");
        const out: MatchRecord[] = [];
        const idCol = `${table}id`;
        for await (const page of gateway.streamTable({ table, columns: columnsOf(table), filter: f.eq("statecode", 0) })) {
          for (const r of page.rows) out.push({ id: String(r[idCol]).toLowerCase(), values: r });
        }
        return out;
      })();
      loaded.set(table, p);
    }
    return p;
  };

  const compute = async (table: DupTable): Promise<Map<string, DuplicateCandidate[]>> => {
    const records = await load(table);
    options.onStage?.(table, "matching");
    const opts = { region: options.region };
    const results: MatchResult[] = [deduplicate({ table, records }, opts)];
    if (table === "lead") {
      // A lead that already is a contact or an account.
      const [contacts, accounts] = await Promise.all([load("contact"), load("account")]);
      if (contacts.length) results.push(link({ table: "contact", records: contacts }, { table: "lead", records }, opts));
      if (accounts.length) results.push(link({ table: "account", records: accounts }, { table: "lead", records }, opts));
    }
    const out = new Map<string, DuplicateCandidate[]>();
    for (const r of results) {
      for (const [key, list] of duplicateCandidatesByRecord(r)) {
        if (!key.startsWith(`${table}:`)) continue;
        const id = key.slice(table.length + 1);
        out.set(id, [...(out.get(id) ?? []), ...list].sort((a, b) => b.score - a.score));
      }
    }
    return out;
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
 * same phone, same surname and given name, …), OR-ed together for the whole page, then scored
 * against what comes back. A few requests per page and table, whatever the table's size.
 */
export function createTargetedDuplicateFinder(gateway: DataverseGateway, options: DuplicateFinderOptions & { parameters?: ModelParameters } = {}): DuplicateFinder {
  return async (table: string, rows: readonly Row[]): Promise<Map<string, DuplicateCandidate[]>> => {
    const out = new Map<string, DuplicateCandidate[]>();
    if (!SUPPORTED.has(table) || rows.length === 0) return out;
    const source = table as DupTable;
    const idCol = `${table}id`;
    const records: MatchRecord[] = rows.map((r) => ({ id: String(r[idCol]).toLowerCase(), values: r }));
    const byTarget = new Map<DupTable, { select: Set<string>; filters: string[] }>();
    for (const rec of records) {
      for (const q of buildCandidateQueries(source, rec, { region: options.region })) {
        const t = byTarget.get(q.table) ?? { select: new Set<string>(), filters: [] };
        q.select.forEach((c) => t.select.add(c));
        t.filters.push(q.filter);
        byTarget.set(q.table, t);
      }
    }
    const fetched: { table: DupTable; records: MatchRecord[] }[] = [];
    for (const [target, q] of byTarget) {
      const render = (chunk: readonly string[]): string => chunk.map((x) => `(${x})`).join(" or ");
      const seen = new Map<string, MatchRecord>();
      for (const chunk of chunkForFilter(q.filters, render)) {
        const filter: Filter = { odata: render(chunk), composite: "or" };
        for await (const page of gateway.streamTable({ table: target, columns: [...q.select], filter })) {
          for (const r of page.rows) {
            const id = String(r[`${target}id`]).toLowerCase();
            seen.set(id, { id, values: r });
          }
        }
      }
      fetched.push({ table: target, records: [...seen.values()] });
    }
    for (const rec of records) out.set(rec.id, scoreCandidates(source, rec, fetched, { parameters: options.parameters, region: options.region }).candidates);
    return out;
  };
}
