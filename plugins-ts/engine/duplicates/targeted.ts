/**
 * Candidates for one record (the record panel): which Dataverse queries fetch the few records
 * that could be its duplicates, and how to score what they return. Pure: the lead's gateway runs
 * the queries; this module only builds `$filter` text and scores records.
 */
import type { CountryCode } from "libphonenumber-js";
import { engineLibs } from "../engineLibs";
import { canonicalGivenName, NICKNAMES } from "./nicknames";
import { columnsOf, prepareRecord, type DuplicateTable, type MatchRecord, type PreparedRecord, type PrepareOptions } from "./fields";
import { DEFAULT_PARAMETERS, type ModelParameters } from "./model";
import { PairScorer } from "./scorer";
import { keyList, type BlockingRule } from "./blocking";
import { FREE_MAIL_DOMAINS, emailDomain, normaliseEmail, normaliseIdentifier, normalisePersonName, normalisePostcode, normaliseWebsite, text } from "./normalise";
import { normaliseCompanyName } from "./company";
import type { DuplicateCandidate } from "../types";
import type { PairDecision, RecordRef, ScoredPair } from "./matcher";
import { shortReason } from "./scorer";

/** Entity set name, primary key and primary name column of each table (Web API). */
export const TABLE_INFO: Record<DuplicateTable, { entitySet: string; key: string; nameColumn: string }> = {
  contact: { entitySet: "contacts", key: "contactid", nameColumn: "fullname" },
  account: { entitySet: "accounts", key: "accountid", nameColumn: "name" },
  lead: { entitySet: "leads", key: "leadid", nameColumn: "fullname" },
};

/** Which tables a record's duplicates may live in: a lead may already be a contact or an account. */
export const DEFAULT_TARGETS: Record<DuplicateTable, DuplicateTable[]> = {
  contact: ["contact"],
  account: ["account"],
  lead: ["lead", "contact", "account"],
};

export interface CandidateQuery {
  table: DuplicateTable;
  entitySet: string;
  /** The `$filter`: active records, not the record itself, matching any condition. */
  filter: string;
  /** The conditions OR-ed in `filter`, with why each is there. */
  conditions: { reason: string; filter: string }[];
  select: string[];
  top: number;
}

/** An OData string literal ('' escapes a quote). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function anyOf(columns: readonly string[], values: readonly string[]): string {
  const parts: string[] = [];
  for (const c of columns) for (const v of values) parts.push(`${c} eq ${odataString(v)}`);
  return parts.length === 1 ? parts[0] : `(${parts.join(" or ")})`;
}

/** The spellings a phone number is commonly stored in: as typed, E.164, national, international. */
export function phoneSpellings(raw: string, region: string): string[] {
  const out = new Set<string>([raw.trim()]);
  const p = engineLibs().parsePhoneNumberFromString(raw, region.toUpperCase() as CountryCode);
  if (p?.isPossible()) {
    out.add(p.number);
    out.add(p.formatNational());
    out.add(p.formatInternational());
    out.add(p.nationalNumber);
  }
  return [...out].filter((s) => s !== "");
}

function givenNameVariants(first: string): string[] {
  const canonical = canonicalGivenName(first);
  const variants = new Set<string>([first, canonical]);
  for (const [nick, canon] of NICKNAMES) if (canon === canonical) variants.add(nick);
  return [...variants];
}

export interface QueryOptions extends PrepareOptions {
  /** Tables to look in (default: DEFAULT_TARGETS of the record's table). */
  targets?: readonly DuplicateTable[];
  /** Rows per query (default 50). */
  top?: number;
}

/**
 * The queries that fetch a record's likely duplicates: same e-mail, same phone (in the usual
 * spellings), same government id, same surname with a given name that starts the same or is a
 * nickname of it, same postal code with a surname that starts the same; for companies the name's
 * main word, the website domain and a non-public e-mail domain.
 */
export function buildCandidateQueries(table: DuplicateTable, record: MatchRecord, options: QueryOptions = {}): CandidateQuery[] {
  const region = options.region ?? "US";
  const v = record.values;
  const raw = (c: string): string | null => text(v[c]);
  const emails = ["emailaddress1", "emailaddress2", "emailaddress3"]
    .map(raw)
    .filter((e): e is string => e != null && normaliseEmail(e, { canonicalGmail: false }) != null)
    .map((e) => e.trim().toLowerCase());
  const phones = ["telephone1", "mobilephone", "telephone2"].map(raw).filter((p): p is string => p != null);
  const first = raw("firstname");
  const last = raw("lastname");
  const company = raw(table === "account" ? "name" : "companyname");
  const postcode = normalisePostcode(v.address1_postalcode);
  const website = normaliseWebsite(v.websiteurl);
  const governmentId = normaliseIdentifier(v.governmentid);

  const queries: CandidateQuery[] = [];
  for (const target of options.targets ?? DEFAULT_TARGETS[table]) {
    const info = TABLE_INFO[target];
    const conditions: { reason: string; filter: string }[] = [];
    const targetEmailColumns = ["emailaddress1", "emailaddress2", "emailaddress3"];
    const targetPhoneColumns = target === "account" ? ["telephone1", "telephone2"] : ["telephone1", "mobilephone", "telephone2"];
    if (emails.length) conditions.push({ reason: "same e-mail", filter: anyOf(targetEmailColumns, emails) });
    if (phones.length) {
      const spellings = [...new Set(phones.flatMap((p) => phoneSpellings(p, region)))];
      conditions.push({ reason: "same phone", filter: anyOf(targetPhoneColumns, spellings) });
    }
    if (target !== "account") {
      if (governmentId && target === "contact" && v.governmentid != null) {
        conditions.push({ reason: "same government id", filter: `governmentid eq ${odataString(String(v.governmentid).trim())}` });
      }
      if (last) {
        const lastTrim = last.trim();
        const firstNorm = first ? normalisePersonName(first) : null;
        if (firstNorm) {
          const names = givenNameVariants(firstNorm.split(" ")[0]);
          const prefix = first!.trim().slice(0, 3);
          const firstCond = [`startswith(firstname,${odataString(prefix)})`, ...names.filter((n) => !n.startsWith(prefix.toLowerCase())).map((n) => `firstname eq ${odataString(n)}`)];
          conditions.push({
            reason: "same surname, given name starts the same or is a nickname of it",
            filter: `(lastname eq ${odataString(lastTrim)} and (${firstCond.join(" or ")}))`,
          });
          // given name and surname swapped
          conditions.push({ reason: "given name and surname swapped", filter: `(firstname eq ${odataString(lastTrim)} and lastname eq ${odataString(first!.trim())})` });
        } else {
          conditions.push({ reason: "same surname", filter: `lastname eq ${odataString(lastTrim)}` });
        }
        if (postcode && lastTrim.length >= 3) {
          conditions.push({
            reason: "same postal code, surname starts the same",
            filter: `(address1_postalcode eq ${odataString(String(v.address1_postalcode).trim())} and startswith(lastname,${odataString(lastTrim.slice(0, 3))}))`,
          });
        }
      }
    }
    const normalisedCompany = company ? normaliseCompanyName(company) : null;
    if (normalisedCompany && (target === "account" || target === "lead")) {
      const nameColumn = target === "account" ? "name" : "companyname";
      const word = normalisedCompany.split(" ")[0];
      conditions.push({
        reason: "company name starts with the same word",
        filter: `(startswith(${nameColumn},${odataString(word)}) or startswith(${nameColumn},${odataString(`the ${word}`)}))`,
      });
    }
    if (website && (target === "account" || target === "lead")) {
      conditions.push({ reason: "same website domain", filter: `contains(websiteurl,${odataString(website)})` });
    }
    if (target === "account") {
      const domains = [...new Set(emails.map(emailDomain))].filter((d) => !FREE_MAIL_DOMAINS.has(d));
      if (domains.length) {
        conditions.push({
          reason: "e-mail in the same company domain",
          filter: `(${domains.flatMap((d) => [`endswith(emailaddress1,${odataString(`@${d}`)})`, `contains(websiteurl,${odataString(d)})`]).join(" or ")})`,
        });
      }
    }
    if (conditions.length === 0) continue;
    const self = target === table && /^[0-9a-f-]{36}$/i.test(record.id) ? ` and ${info.key} ne ${record.id}` : "";
    queries.push({
      table: target,
      entitySet: info.entitySet,
      filter: `statecode eq 0${self} and (${conditions.map((c) => c.filter).join(" or ")})`,
      conditions,
      select: [info.key, info.nameColumn, ...columnsOf(target).filter((c) => c !== info.nameColumn)],
      top: options.top ?? 50,
    });
  }
  return queries;
}

export interface ScoreOptions extends PrepareOptions {
  /** A trained model (the `model` of a recent run); default: DEFAULT_PARAMETERS. */
  parameters?: ModelParameters;
  threshold?: number;
  nearMissBand?: number;
  /** A scorer built once for many calls (default: a new one from `parameters`). */
  scorer?: PairScorer;
}

/** The records candidate queries returned, each prepared once (prepareRecord), for scoring many records against them. */
export interface PreparedCandidates {
  records: { table: DuplicateTable; id: string; prepared: PreparedRecord }[];
  /** With `blocking`: blocking key ("rule|key") → positions in `records`. */
  byKey?: Map<string, number[]>;
  blocking?: readonly BlockingRule[];
}

function blockingKeys(rules: readonly BlockingRule[], r: PreparedRecord): string[] {
  return rules.flatMap((rule) => keyList(rule.keys(r)).map((k) => `${rule.name}|${k}`));
}

/**
 * Prepares the fetched candidates once: an audit page scores each of its records against the
 * candidates the whole page's queries returned, so preparing them per record would repeat the
 * same normalisation (names, addresses, phones) once per record of the page. With `blocking`
 * (the matcher's rules, DEFAULT_BLOCKING_RULES), a record is later scored only against the
 * candidates that share one of its blocking keys — the pairs a whole-table matcher run compares —
 * instead of every candidate of the page, so the work grows with the page, not its square.
 */
export function prepareCandidates(fetched: readonly { table: DuplicateTable; records: readonly MatchRecord[] }[], options: PrepareOptions & { blocking?: readonly BlockingRule[] } = {}): PreparedCandidates {
  const records: PreparedCandidates["records"] = [];
  const seen = new Set<string>();
  for (const group of fetched) {
    for (const other of group.records) {
      const key = `${group.table}:${other.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      records.push({ table: group.table, id: other.id, prepared: prepareRecord(group.table, other, 1, options) });
    }
  }
  if (!options.blocking) return { records };
  const byKey = new Map<string, number[]>();
  records.forEach((r, i) => {
    for (const k of blockingKeys(options.blocking!, r.prepared)) {
      const list = byKey.get(k);
      if (list) list.push(i);
      else byKey.set(k, [i]);
    }
  });
  return { records, byKey, blocking: options.blocking };
}

/** The candidates of `pool` a record is scored against: all, or (blocking) those sharing a key with it, in pool order. */
function candidatesFor(pool: PreparedCandidates, self: PreparedRecord): PreparedCandidates["records"] {
  if (!pool.byKey || !pool.blocking) return pool.records;
  const at = new Set<number>();
  for (const k of blockingKeys(pool.blocking, self)) for (const i of pool.byKey.get(k) ?? []) at.add(i);
  return [...at].sort((x, y) => x - y).map((i) => pool.records[i]);
}

/**
 * Scores the records the candidate queries returned against the record. Returns matches and
 * near-misses (most probable first) and the matches as `DuplicateCandidate[]` for the engine.
 */
export function scoreCandidates(
  table: DuplicateTable,
  record: MatchRecord,
  fetched: readonly { table: DuplicateTable; records: readonly MatchRecord[] }[] | PreparedCandidates,
  options: ScoreOptions = {},
): { pairs: ScoredPair[]; candidates: DuplicateCandidate[] } {
  const threshold = options.threshold ?? 0.5;
  const lower = threshold - (options.nearMissBand ?? 0.3);
  const scorer = options.scorer ?? new PairScorer(options.parameters ?? DEFAULT_PARAMETERS);
  const self = prepareRecord(table, record, 0, options);
  const selfRef: RecordRef = { table, id: record.id, name: self.name };
  const pairs: ScoredPair[] = [];
  const pool = "records" in fetched ? fetched : prepareCandidates(fetched, options);
  for (const other of candidatesFor(pool, self)) {
    if (other.table === table && other.id === record.id) continue;
    const prepared = other.prepared;
    const explanation = scorer.explain(self, prepared);
    if (explanation.probability < lower) continue;
    const decision: PairDecision = explanation.probability >= threshold ? "match" : "near-miss";
    pairs.push({
      left: selfRef,
      right: { table: other.table, id: other.id, name: prepared.name },
      probability: explanation.probability,
      weight: explanation.weight,
      decision,
      explanation,
    });
  }
  pairs.sort((a, b) => b.probability - a.probability || a.right.id.localeCompare(b.right.id));
  const candidates = pairs
    .filter((p) => p.decision === "match")
    .map((p) => ({
      table: p.right.table,
      id: p.right.id,
      ...(p.right.name ? { name: p.right.name } : {}),
      score: Math.round(p.probability * 10_000) / 10_000,
      reason: shortReason(p.explanation),
    }));
  return { pairs, candidates };
}
