/**
 * A seeded generator of CRM accounts with known duplicates, in two kinds:
 * - "name-only": a company name and nothing else, re-entered with other legal-form spellings
 *   ("N.V." / "NV" / "N V", "Inc." / "Incorporated"), the legal form dropped, "&" / "and",
 *   abbreviations ("International" / "Intl"), case, punctuation, accents, "The", one typo, word
 *   order. Different companies often share a word ("Keller Logistics" and "Keller Consulting").
 * - "address-rich": name, street address, city, postal code, phone and website, with the hard
 *   non-duplicates of real account lists: chains (one brand and website, several branches at
 *   other street numbers and phones) and neighbours (other businesses at the same address).
 * Names come from faker's surname tables (several locales); randomness from pure-rand, so a seed
 * always gives the same records. entity[i] is the ground truth, for scoring only.
 */
import { fakerDE, fakerEN_US, fakerFR, fakerIT, fakerNL, fakerSV } from "@faker-js/faker";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { MatchRecord } from "../../plugins-ts/engine/duplicates";
import { PAGE_SIZE, type GeneratedData } from "./generate";

export type OrganisationKind = "name-only" | "address-rich";

const INDUSTRY = ["Logistics", "Consulting", "Pharmaceuticals", "Manufacturing", "Services", "Associates", "Technologies", "Systems", "Foods", "Engineering", "Capital", "Media", "Design", "Construction", "Trading", "Partners", "Analytics", "Energy", "Insurance", "Software"];
const ABBREVIATION: Record<string, string> = { International: "Intl", Manufacturing: "Mfg", Services: "Svcs", Associates: "Assoc", Technologies: "Tech", Pharmaceuticals: "Pharma", Brothers: "Bros" };
/** Legal forms with the spellings people use for each. */
const LEGAL = [["Inc.", "Inc", "Incorporated", "INC"], ["Ltd", "Ltd.", "Limited"], ["LLC", "L.L.C."], ["Corp.", "Corporation", "Corp"], ["GmbH", "G.m.b.H."], ["AG"], ["B.V.", "BV", "B V"], ["N.V.", "NV", "N V"], ["S.A.", "SA"], ["S.p.A.", "SpA", "S.P.A."], ["Oy"], ["AB"], ["Pty Ltd", "Pty. Ltd.", "Pty Limited"], ["K.K.", "KK"], ["PLC", "plc"]];
const STREETS = ["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Market", "Church", "Mill", "River", "Broadway", "Madison", "Lincoln", "Franklin", "Jackson", "Union"];
const SUFFIXES: readonly [string, string][] = [["Street", "St."], ["Avenue", "Ave"], ["Road", "Rd"], ["Boulevard", "Blvd"], ["Drive", "Dr."]];
const CITIES = ["Springfield", "Riverton", "Fairview", "Georgetown", "Salem", "Madison", "Arlington", "Clinton"];

function surnames(): string[] {
  const out = new Set<string>();
  for (const f of [fakerEN_US, fakerDE, fakerFR, fakerIT, fakerNL, fakerSV]) {
    const def = (f.definitions.person as Record<string, unknown>).last_name;
    const lists = Array.isArray(def) ? [def] : Object.values(def as Record<string, unknown[]>);
    for (const l of lists) if (Array.isArray(l)) for (const v of l) if (typeof v === "string" && !v.includes("{{")) out.add(v);
  }
  return [...out];
}

interface Org {
  words: string[];
  legal: string[];
  street: string;
  suffix: [string, string];
  number: number;
  city: string;
  zip: string;
  phone: string;
  site: string;
}

/** Generated accounts and their truth, whole (`records`) — see the pages form below. */
export function generateOrganisations(n: number, kind: OrganisationKind, seed = 7): GeneratedData {
  const entity = new Int32Array(n);
  const records: MatchRecord[] = [];
  for (const page of organisationPages(n, kind, seed, entity)) for (const r of page) records.push(r);
  return { records, entity };
}

/**
 * The same records as `generateOrganisations(n, kind, seed)`, in pages of about `pageSize` (an
 * organisation's variants, branches and neighbour stay on one page), so a consumer can drop each
 * page once read; `entity` (length n) receives the truth. Ids are "o" + the record's position.
 */
export function* organisationPages(n: number, kind: OrganisationKind, seed: number, entity: Int32Array, pageSize = PAGE_SIZE): Generator<MatchRecord[]> {
  const rng = xoroshiro128plus(seed);
  const int = (lo: number, hi: number): number => uniformInt(rng, lo, hi);
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const chance = (p: number): boolean => int(0, 999_999) < p * 1_000_000;
  // a smallish pool, so different companies share words
  const pool = surnames().slice(0, Math.max(200, Math.floor(n / 3)));
  // a handful of postal codes per city, as in a real account list
  const zips = new Map(CITIES.map((c) => [c, Array.from({ length: 6 }, () => String(int(10_000, 99_999)))]));
  const typo = (s: string): string => {
    if (s.length < 5) return s;
    const i = int(1, s.length - 2);
    return chance(0.5) ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i - 1) + s[i] + s[i - 1] + s.slice(i + 1);
  };
  const newOrg = (): Org => {
    const shape = int(0, 3);
    const words = shape === 0 ? [pick(pool), pick(INDUSTRY)] : shape === 1 ? [pick(pool), "&", pick(pool)] : shape === 2 ? [pick(pool), pick(INDUSTRY), "International"] : [pick(pool), pick(pool), pick(INDUSTRY)];
    const digits = `${int(201, 989)}${int(200, 999)}${String(int(0, 9999)).padStart(4, "0")}`;
    const slug = words.filter((w) => w !== "&").join("").toLowerCase().normalize("NFD").replace(/[^a-z]/g, "");
    const city = pick(CITIES);
    return { words, legal: pick(LEGAL), street: pick(STREETS), suffix: pick(SUFFIXES), number: int(1, 2999), city, zip: pick(zips.get(city)!), phone: digits, site: `${slug}.com` };
  };
  const nameOf = (o: Org, variant: boolean): string => {
    let words = [...o.words];
    let legal: string | null = o.legal[0];
    const edits = variant ? int(1, 2) : 0;
    for (let e = 0; e < edits; e++) {
      switch (int(0, 8)) {
        case 0: legal = pick(o.legal); break;
        case 1: legal = null; break;
        case 2: words = words.map((w) => (w === "&" ? "and" : w)); break;
        case 3: words = words.map((w) => ABBREVIATION[w] ?? w); break;
        case 4: words[0] = typo(words[0]); break;
        case 5: if (words[0] !== "The") words = ["The", ...words]; break;
        case 6: words = words.map((w) => w.normalize("NFD").replace(/[\u0300-\u036f]/g, "")); break;
        case 7: if (words[1] === "&") words = [words[2], "&", words[0]]; else words = words.map((w) => w.toUpperCase()); break;
        default: words = [words.join(words.length > 2 ? " " : "-")];
      }
    }
    return [...words, ...(legal ? [legal] : [])].join(" ").replace(/ ,/g, ",");
  };
  const phoneOf = (d: string, variant: boolean): string =>
    variant ? pick([`+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`, `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`, d]) : `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
  const recordOf = (o: Org, variant: boolean): Record<string, string | null> => {
    const values: Record<string, string | null> = { name: nameOf(o, variant) };
    if (kind === "name-only") return values;
    const [long, short] = o.suffix;
    values.address1_line1 = `${o.number} ${o.street} ${variant && chance(0.5) ? short : long}`;
    values.address1_city = o.city;
    values.address1_postalcode = variant && chance(0.1) ? null : o.zip;
    values.telephone1 = variant && chance(0.15) ? null : phoneOf(o.phone, variant);
    values.websiteurl = variant && chance(0.2) ? null : variant ? pick([`https://www.${o.site}/contact`, o.site, `http://${o.site}/`]) : `www.${o.site}`;
    return values;
  };
  let page: MatchRecord[] = [];
  let count = 0;
  let next = 0;
  const add = (o: Org, id: number, variant: boolean): void => {
    if (count >= n) return;
    entity[count] = id;
    page.push({ id: `o${count++}`, values: recordOf(o, variant) });
  };
  while (count < n) {
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
    const org = newOrg();
    const id = next++;
    add(org, id, false);
    if (chance(0.3)) add(org, id, true);
    if (kind === "name-only") continue;
    // a chain: the same brand and website at other addresses, each branch its own account
    if (chance(0.08)) {
      for (let b = int(1, 3); b > 0; b--) add({ ...org, number: int(1, 2999), street: pick(STREETS), phone: newOrg().phone }, next++, false);
    }
    // a neighbour: another business at the same address
    if (chance(0.08)) add({ ...newOrg(), street: org.street, suffix: org.suffix, number: org.number, city: org.city, zip: org.zip }, next++, false);
  }
  if (page.length > 0) yield page;
}
