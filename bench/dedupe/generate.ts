/**
 * A seeded generator of CRM contacts with realistic duplicates: the same person entered again
 * with typos, nicknames, other phone/date/address formats, missing values and swapped names.
 * Names come from faker's locale tables (several locales, so there are accents and a wide range
 * of surnames); randomness from pure-rand, so a seed always gives the same file.
 */
import { fakerDE, fakerEN_US, fakerES, fakerFR, fakerIT, fakerNL, fakerPL, fakerSV } from "@faker-js/faker";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { MatchRecord } from "../../plugins-ts/engine/duplicates";
import { NICKNAMES } from "../../plugins-ts/engine/duplicates/nicknames";

function unique(values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && !v.includes("{{")))];
}

function names(kind: "first_name" | "last_name"): string[] {
  const out: unknown[] = [];
  for (const f of [fakerEN_US, fakerDE, fakerFR, fakerES, fakerIT, fakerNL, fakerPL, fakerSV]) {
    const def = (f.definitions.person as Record<string, unknown>)[kind];
    if (Array.isArray(def)) out.push(...(def as unknown[]));
    else if (def && typeof def === "object") for (const v of Object.values(def as Record<string, unknown[]>)) if (Array.isArray(v)) out.push(...v);
  }
  return unique(out);
}

export interface GeneratedData {
  records: MatchRecord[];
  /** entity[i]: the person record i describes (ground truth, for scoring only). */
  entity: Int32Array;
}

const DOMAINS = ["example.com", "contoso.com", "fabrikam.com", "northwind.net", "adatum.org", "gmail.com", "outlook.com", "yahoo.com", "tailspin.io", "litware.biz"];
const SUFFIXES = [["Street", "St"], ["Road", "Rd"], ["Avenue", "Ave"], ["Lane", "Ln"], ["Drive", "Dr"], ["Court", "Ct"], ["Place", "Pl"], ["Boulevard", "Blvd"]] as const;

/** Default size of the pages the generators hand out (the Web API's page size). */
export const PAGE_SIZE = 5000;

/** Generated records and their truth, whole (`records`) — see the pages form below. */
export function generateContacts(n: number, seed = 42): GeneratedData {
  const entity = new Int32Array(n);
  const records: MatchRecord[] = [];
  for (const page of contactPages(n, seed, entity)) for (const r of page) records.push(r);
  return { records, entity };
}

/**
 * The same records as `generateContacts(n, seed)`, in pages of about `pageSize` (a person's copies
 * stay on one page), so a consumer can drop each page once it has read it; `entity` (length n)
 * receives the truth. Ids are "c" + the record's position.
 */
export function* contactPages(n: number, seed: number, entity: Int32Array, pageSize = PAGE_SIZE): Generator<MatchRecord[]> {
  const rng = xoroshiro128plus(seed);
  const int = (lo: number, hi: number): number => uniformInt(rng, lo, hi);
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const chance = (p: number): boolean => int(0, 999_999) < p * 1_000_000;
  const firstNames = names("first_name");
  const lastNames = names("last_name");
  const streets = unique(fakerEN_US.definitions.location.street_name as unknown[]).concat(lastNames.slice(0, 400));
  const cities = unique(fakerEN_US.definitions.location.city_name as unknown[]);
  const zips = Array.from({ length: 30_000 }, () => String(int(10_000, 99_999)));
  const nickOf = new Map<string, string[]>();
  for (const [nick, canonical] of NICKNAMES) {
    if (nick === canonical) continue;
    const l = nickOf.get(canonical);
    if (l) l.push(nick);
    else nickOf.set(canonical, [nick]);
  }
  const alphabet = "abcdefghijklmnopqrstuvwxyz";
  const typo = (s: string): string => {
    if (s.length < 3) return s;
    const i = int(1, s.length - 2);
    switch (int(0, 3)) {
      case 0:
        return s.slice(0, i) + s.slice(i + 1); // deletion
      case 1:
        return s.slice(0, i) + pick([...alphabet]) + s.slice(i); // insertion
      case 2:
        return s.slice(0, i) + pick([...alphabet]) + s.slice(i + 1); // substitution
      default:
        return s.slice(0, i - 1) + s[i] + s[i - 1] + s.slice(i + 1); // transposition
    }
  };
  let page: MatchRecord[] = [];
  let count = 0;
  const push = (values: Record<string, string | null>, person: number): void => {
    page.push({ id: `c${count}`, values });
    entity[count++] = person;
  };
  let person = 0;
  while (count < n) {
    const first = pick(firstNames);
    const last = pick(lastNames);
    const digits = `${int(201, 989)}${int(200, 999)}${String(int(0, 9999)).padStart(4, "0")}`;
    const [suffixLong, suffixShort] = pick(SUFFIXES);
    const street = `${int(1, 9999)} ${pick(streets)}`;
    const year = int(1940, 2004);
    const month = int(1, 12);
    const day = int(1, 28);
    const base: Record<string, string | null> = {
      firstname: first,
      lastname: last,
      emailaddress1: chance(0.75) ? `${first}.${last}${chance(0.5) ? int(1, 99) : ""}@${pick(DOMAINS)}`.toLowerCase().replace(/[^a-z0-9.@]/g, "") : null,
      telephone1: chance(0.65) ? `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}` : null,
      mobilephone: chance(0.3) ? `${int(201, 989)}-${int(200, 999)}-${String(int(0, 9999)).padStart(4, "0")}` : null,
      address1_line1: chance(0.8) ? `${street} ${suffixLong}` : null,
      address1_city: chance(0.85) ? pick(cities) : null,
      address1_postalcode: chance(0.8) ? pick(zips) : null,
      birthdate: chance(0.5) ? `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}` : null,
      governmentid: chance(0.2) ? `${int(100, 899)}-${int(10, 99)}-${int(1000, 9999)}` : null,
    };
    push(base, person);
    const copies = chance(0.2) ? (chance(0.25) ? 2 : 1) : 0;
    for (let c = 0; c < copies && count < n; c++) {
      const v = { ...base };
      const edits = int(1, 3);
      for (let e = 0; e < edits; e++) {
        switch (int(0, 11)) {
          case 0:
            if (v.firstname) v.firstname = typo(v.firstname);
            break;
          case 1:
            if (v.lastname) v.lastname = typo(v.lastname);
            break;
          case 2: {
            const nicks = nickOf.get(first.toLowerCase());
            if (nicks) v.firstname = pick(nicks).replace(/^./, (x) => x.toUpperCase());
            else v.firstname = first.toUpperCase();
            break;
          }
          case 3:
            v[pick(["emailaddress1", "telephone1", "address1_line1", "birthdate", "address1_postalcode"])] = null;
            break;
          case 4:
            if (v.telephone1) v.telephone1 = `+1 ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
            break;
          case 5:
            if (v.address1_line1) v.address1_line1 = `${street} ${suffixShort}.`;
            break;
          case 6:
            if (v.birthdate) v.birthdate = `${month}/${day}/${year}`;
            break;
          case 7:
            if (v.emailaddress1) v.emailaddress1 = chance(0.5) ? v.emailaddress1.toUpperCase() : typo(v.emailaddress1);
            break;
          case 8:
            if (v.address1_city) v.address1_city = typo(v.address1_city);
            break;
          case 9:
            if (v.address1_postalcode) v.address1_postalcode = typo(v.address1_postalcode);
            break;
          case 10:
            [v.firstname, v.lastname] = [v.lastname, v.firstname];
            break;
          default:
            if (v.address1_line1) v.address1_line1 = typo(v.address1_line1);
        }
      }
      push(v, person);
    }
    person++;
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
