/**
 * Match keys: what an organisation's record is found by when another record looks for its
 * duplicates by company name, website or e-mail domain. `startswith(name,…)`, `contains(websiteurl,…)`
 * and `endswith(emailaddress1,…)` cannot be answered from an index in Dataverse (the last two
 * never, and every row is tested against an OR of a page's conditions), so an incremental audit
 * stores these keys on the health rows of accounts and leads (`vit_matchcompany`,
 * `vit_matchwebsite`, `vit_matchdomain`) and looks candidates up by indexed equality
 * (`Microsoft.Dynamics.CRM.In`) instead; records modified since the last run, whose stored keys
 * may be stale, are still asked with the text conditions, narrowed by `modifiedon` first
 * (plugins-ts/audit/duplicates.ts).
 *
 * The keys replace the company, website and e-mail-domain conditions of buildCandidateQueries
 * (targeted.ts) by equality on the same normalisations the matcher blocks on: the normalised
 * company name's first word, the website's registrable domain, a company (not free-mail) e-mail
 * domain. Pure; no failure modes (absent or malformed values give no key).
 */
import { normaliseCompanyName } from "./company";
import type { DuplicateTable } from "./fields";
import { FREE_MAIL_DOMAINS, emailDomain, normaliseEmail, normaliseWebsite, text } from "./normalise";

/** The tables whose health rows carry match keys (the targets of company, website and domain conditions). */
export const MATCH_KEY_TABLES: readonly DuplicateTable[] = ["account", "lead"];

/** A record's keys as its health row stores them (null: no such key). */
export interface MatchKeys {
  /** First word of the normalised company name ("The Acme Co., Ltd." → "acme"). */
  company: string | null;
  /** Registrable domain of the website ("https://shop.acme.co.uk/x" → "acme.co.uk"). */
  website: string | null;
  /** Domain of emailaddress1 when it is a company's, not a free-mail provider's. */
  domain: string | null;
}

/** The health-row column of each key. */
export const MATCH_KEY_COLUMNS = { company: "vit_matchcompany", website: "vit_matchwebsite", domain: "vit_matchdomain" } as const satisfies Record<keyof MatchKeys, string>;

/** Longest key stored (the columns' maxLength). */
export const MATCH_KEY_MAX_LENGTH = 100;

function companyColumn(table: DuplicateTable): string {
  return table === "account" ? "name" : "companyname";
}

/** The first word of the normalised company name: what "company name starts with the same word" compares. */
export function companyWord(value: unknown): string | null {
  const n = normaliseCompanyName(value);
  return n ? n.split(" ")[0] : null;
}

/** A well-formed e-mail address's domain when it is not a free-mail provider's. */
export function companyEmailDomain(value: unknown): string | null {
  const e = text(value);
  if (e == null || normaliseEmail(e, { canonicalGmail: false }) == null) return null;
  const d = emailDomain(e.trim().toLowerCase());
  return FREE_MAIL_DOMAINS.has(d) ? null : d;
}

function fit(key: string | null): string | null {
  return key == null || key.length > MATCH_KEY_MAX_LENGTH ? null : key;
}

/** The keys a record of `table` is found by; null for tables whose health rows carry none. */
export function matchKeysOf(table: string, values: Readonly<Record<string, unknown>>): MatchKeys | null {
  if (!(MATCH_KEY_TABLES as readonly string[]).includes(table)) return null;
  const t = table as DuplicateTable;
  return { company: fit(companyWord(values[companyColumn(t)])), website: fit(normaliseWebsite(values.websiteurl)), domain: fit(companyEmailDomain(values.emailaddress1)) };
}

/** What a record looks for in `target`'s keys: per key column, the values that make a candidate. */
export interface KeyLookup {
  company: string[];
  website: string[];
  domain: string[];
}

/**
 * The keys a record of `source` looks for among `target`'s records, mirroring buildCandidateQueries:
 * the company word and the website domain in accounts and leads; for accounts also the record's
 * company e-mail domains, as an account's e-mail domain or its website. Null when `target` has no keys.
 */
export function keyLookupOf(source: DuplicateTable, target: DuplicateTable, values: Readonly<Record<string, unknown>>): KeyLookup | null {
  if (!(MATCH_KEY_TABLES as readonly string[]).includes(target)) return null;
  const word = companyWord(values[companyColumn(source)]);
  const website = normaliseWebsite(values.websiteurl);
  const out: KeyLookup = { company: word ? [word] : [], website: website ? [website] : [], domain: [] };
  if (target === "account") {
    const domains = [...new Set(["emailaddress1", "emailaddress2", "emailaddress3"].map((c) => companyEmailDomain(values[c])).filter((d): d is string => d != null))];
    out.domain.push(...domains);
    for (const d of domains) if (!out.website.includes(d)) out.website.push(d);
  }
  return out;
}

/** The reasons buildCandidateQueries gives the conditions match keys replace. */
export const KEYED_REASONS: ReadonlySet<string> = new Set(["company name starts with the same word", "same website domain", "e-mail in the same company domain"]);
