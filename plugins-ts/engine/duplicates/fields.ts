/**
 * What the matcher compares, and where each table keeps it. Records come in with Dataverse column
 * names; `prepareRecord` turns them into normalised comparison fields shared by all tables, so a
 * lead can be compared with a contact or an account.
 */
import doubleMetaphone from "talisman/phonetics/double-metaphone";
import type { ColumnValue } from "../types";
import {
  canonicalFirstName,
  normaliseDate,
  normaliseEmail,
  normaliseIdentifier,
  normalisePersonName,
  normalisePhone,
  normalisePlace,
  normalisePostcode,
  normaliseWebsite,
  text,
  type DateOrder,
} from "./normalise";
import { companyTokens, Float32Pool, parseCompanyName, pooledTokenWeights, type CompanyTokens } from "./company";
import { parseAddressTokens, partsAfterNumber } from "./address";
import { clearMemos, detached, flat, memoiseText } from "./memo";

export const DUPLICATE_TABLES = ["contact", "account", "lead"] as const;
export type DuplicateTable = (typeof DUPLICATE_TABLES)[number];

export function isDuplicateTable(value: string): value is DuplicateTable {
  return (DUPLICATE_TABLES as readonly string[]).includes(value);
}

/** The comparison fields, in the order they appear in patterns and explanations. */
export const FIELD_NAMES = [
  "firstName",
  "lastName",
  "companyName",
  "email",
  "phone",
  "address",
  "city",
  "postcode",
  "birthDate",
  "governmentId",
  "website",
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Dataverse columns read for each comparison field, per table (several columns = several values). */
export const TABLE_COLUMNS: Record<DuplicateTable, Partial<Record<FieldName, readonly string[]>>> = {
  contact: {
    firstName: ["firstname"],
    lastName: ["lastname"],
    email: ["emailaddress1", "emailaddress2", "emailaddress3"],
    phone: ["telephone1", "mobilephone", "telephone2"],
    address: ["address1_line1"],
    city: ["address1_city"],
    postcode: ["address1_postalcode"],
    birthDate: ["birthdate"],
    governmentId: ["governmentid"],
  },
  account: {
    companyName: ["name"],
    website: ["websiteurl"],
    email: ["emailaddress1", "emailaddress2", "emailaddress3"],
    phone: ["telephone1", "telephone2"],
    address: ["address1_line1"],
    city: ["address1_city"],
    postcode: ["address1_postalcode"],
  },
  lead: {
    firstName: ["firstname"],
    lastName: ["lastname"],
    companyName: ["companyname"],
    website: ["websiteurl"],
    email: ["emailaddress1", "emailaddress2", "emailaddress3"],
    phone: ["telephone1", "mobilephone", "telephone2"],
    address: ["address1_line1"],
    city: ["address1_city"],
    postcode: ["address1_postalcode"],
  },
};

/** The primary-name column of each table (for display). */
export const NAME_COLUMN: Record<DuplicateTable, string> = {
  contact: "fullname",
  account: "name",
  lead: "fullname",
};

/** Every Dataverse column the matcher can read for a table (for `$select`). */
export function columnsOf(table: DuplicateTable): string[] {
  const set = new Set<string>();
  for (const cols of Object.values(TABLE_COLUMNS[table])) for (const c of cols) set.add(c);
  return [...set];
}

/** One record as handed to the matcher: Dataverse column names → Web API values. */
export interface MatchRecord {
  id: string;
  values: Readonly<Record<string, ColumnValue | undefined>>;
}

/** A record with its comparison fields normalised. Absent values are null (or empty lists). */
export interface PreparedRecord {
  /** Position in the matcher's record list. */
  index: number;
  table: DuplicateTable;
  id: string;
  /** A display name ("Bill Smith", "Contoso Ltd"). */
  name: string;
  firstName: string | null;
  /** Given name through the nickname table (bill → william). */
  firstCanonical: string | null;
  /** Double Metaphone primary code of the given name's canonical form. */
  firstPhonetic: string | null;
  lastName: string | null;
  lastPhonetic: string | null;
  companyName: string | null;
  /** The legal form the company name carried, as its family ("inc", "pty ltd"); null when none. */
  legalForm: string | null;
  /** The company name's evidence tokens and their rarity weights (re-weighed from the data by the matcher). */
  company: CompanyTokens | null;
  companyPhonetic: string | null;
  emails: readonly string[];
  phones: readonly string[];
  /** The street and unit of the address line, without the street number ("main street unit 3"). */
  address: string | null;
  /** The street number of the address line ("12", "12b"). */
  streetNumber: string | null;
  /** Number and street without spaces: the address as one blocking / term-frequency key. */
  addressKey: string | null;
  city: string | null;
  /** The city without spaces, for blocking keys. */
  cityKey: string | null;
  postcode: string | null;
  birthDate: string | null;
  governmentId: string | null;
  website: string | null;
}

export interface PrepareOptions {
  /** Default region for national phone numbers (ISO 3166-1 alpha-2), default "US". */
  region?: string;
  /** How to read ambiguous nn/nn/yyyy dates; default "MDY" when region is US, else "DMY". */
  dateOrder?: DateOrder;
  /** Gmail dot/plus canonicalisation (default true). */
  canonicalGmail?: boolean;
}

const phoneticCode = memoiseText((name) => doubleMetaphone((name as string).replace(/ /g, ""))[0]);

/** Double Metaphone primary code of a (normalised) name, spaces removed; memoised (bounded). */
export function phonetic(name: string): string {
  return phoneticCode(name);
}

function firstValue<T>(values: Readonly<Record<string, unknown>>, columns: readonly string[] | undefined, f: (v: unknown) => T | null): T | null {
  if (!columns) return null;
  for (const c of columns) {
    const v = f(values[c]);
    if (v != null) return v;
  }
  return null;
}

/** The list of a record without e-mail addresses (or phones): one shared empty list, not one per record. */
const NONE: readonly string[] = Object.freeze([]);

function allValues(values: Readonly<Record<string, unknown>>, columns: readonly string[] | undefined, f: (v: unknown) => string | null): readonly string[] {
  if (!columns) return NONE;
  let out: string[] | undefined;
  for (const c of columns) {
    const v = f(values[c]);
    if (v == null) continue;
    if (!out) out = [v];
    else if (!out.includes(v)) out.push(v);
  }
  // a list that grew by push keeps spare room (17 slots for 2 values); a copy is exact, and lives on
  return out === undefined ? NONE : out.length > 1 ? out.slice() : out;
}

/** The stand-in weights of prepared company names (views of shared chunks, see company.ts). */
const WEIGHT_POOL = new Float32Pool();

function companyOf(normalised: string): CompanyTokens {
  const tokens = companyTokens(normalised);
  return { tokens, weights: pooledTokenWeights(WEIGHT_POOL, tokens) };
}

/** The address fields of a prepared record, from one parse. */
interface AddressFields {
  address: string | null;
  streetNumber: string | null;
  addressKey: string | null;
}

/** What follows an address line's leading number, parsed once per distinct value: lines rarely repeat, streets do. */
interface StreetFields {
  /** Street and unit words ("main street unit 3"), as `address`. */
  address: string;
  /** The same words without spaces, the end of `addressKey`. */
  key: string;
}

const streetAfterNumberOf = memoiseText((rest): StreetFields | null => {
  const parts = partsAfterNumber(rest as string);
  if (parts == null) return null;
  const words = parts.unit.length ? parts.street.concat(parts.unit) : parts.street;
  return { address: words.join(" "), key: words.join("") };
});

/** Where the leading number of an address line ends ("12 Main St" → 2) when digits and one space open it; else 0. */
function leadingNumberEnd(line: string): number {
  let i = 0;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
  }
  return i > 0 && line.charCodeAt(i) === 32 ? i : 0;
}

function addressFields(value: unknown): AddressFields | null {
  // the common "12 Main Street": the number sliced off, the street read once per distinct street
  if (typeof value === "string") {
    const end = leadingNumberEnd(value);
    const street = end > 0 ? streetAfterNumberOf(value.slice(end + 1)) : null;
    if (street != null) {
      const number = detached(value.slice(0, end));
      return { address: street.address, streetNumber: number, addressKey: flat(number + street.key) };
    }
  }
  const parts = parseAddressTokens(value);
  if (parts == null) return null;
  const words = parts.unit.length ? parts.street.concat(parts.unit) : parts.street;
  if (words.length === 0) return { address: null, streetNumber: parts.number, addressKey: null };
  // (joins, not `+`: a joined string is one piece in memory, see memo.ts `flat`)
  return { address: words.join(" "), streetNumber: parts.number, addressKey: (parts.number == null ? words : [parts.number, ...words]).join("") };
}

/** A city and its blocking key (spaces removed), computed together once per distinct value. */
interface CityFields {
  city: string;
  cityKey: string;
}

function cityFields(value: unknown): CityFields | null {
  const city = normalisePlace(value);
  return city == null ? null : { city, cityKey: city.replace(/ /g, "") };
}

/** A given name's fields, computed together once per distinct raw value. */
interface GivenName {
  name: string;
  canonical: string;
  phonetic: string | null;
}

/** A surname's fields, computed together once per distinct raw value. */
interface Surname {
  name: string;
  phonetic: string | null;
}

/** A company name's fields, computed together once per distinct raw value. */
interface CompanyFields {
  name: string;
  legalForm: string | null;
  company: CompanyTokens;
  phonetic: string | null;
}

// one normalisation per distinct raw value, shared by the records that hold it (see memo.ts); the
// fields derived from one column come from one look-up (a raw value's normalised form is shared
// too: "Contoso Ltd" and "CONTOSO LIMITED" hold one token list)
const companyTokensOf = memoiseText((name) => companyOf(name as string));
const canonicalOf = memoiseText((name) => canonicalFirstName(name as string));
const givenNameOf = memoiseText((raw): GivenName | null => {
  const name = normalisePersonName(raw);
  if (name == null) return null;
  const canonical = canonicalOf(name);
  return { name, canonical, phonetic: phonetic(canonical) || null };
});
const surnameOf = memoiseText((raw): Surname | null => {
  const name = normalisePersonName(raw);
  return name == null ? null : { name, phonetic: phonetic(name) || null };
});
const companyFieldsOf = memoiseText((raw): CompanyFields | null => {
  const parsed = parseCompanyName(raw);
  if (parsed == null) return null;
  return { name: parsed.name, legalForm: parsed.legalForm, company: companyTokensOf(parsed.name), phonetic: phonetic(parsed.name.split(" ", 1)[0]) || null };
});
const cityOf = memoiseText(cityFields);
const postcodeOf = memoiseText(normalisePostcode);
const websiteOf = memoiseText((raw) => {
  const domain = normaliseWebsite(raw);
  return domain == null ? null : detached(domain); // (the URL parser's answer is a slice of the whole address)
});
const dateOf: Record<DateOrder, (value: unknown) => string | null> = {
  DMY: memoiseText((x) => normaliseDate(x, "DMY")),
  MDY: memoiseText((x) => normaliseDate(x, "MDY")),
};

/** The display name: the table's name column, else given name and surname, else any name, else the id. */
function displayNameOf(table: DuplicateTable, record: MatchRecord): string {
  const v = record.values;
  const own = text(v[NAME_COLUMN[table]]);
  if (own != null) return own.trim();
  const first = text(v.firstname);
  const last = text(v.lastname);
  // (text() never answers "", so a given name or surname is the name)
  if (first != null && last != null) return `${first} ${last}`.trim();
  if (first != null || last != null) return (first ?? last)!.trim();
  return (text(v.name) ?? text(v.companyname) ?? record.id).trim();
}

/** What `prepareRecord` derives from the options, made once for a page of records rather than per record. */
interface Preparer {
  date: (value: unknown) => string | null;
  email: (value: unknown) => string | null;
  phone: (value: unknown) => string | null;
}

function preparerOf(options: PrepareOptions): Preparer {
  const region = options.region ?? "US";
  const order: DateOrder = options.dateOrder ?? (region.toUpperCase() === "US" ? "MDY" : "DMY");
  const emailOptions = { canonicalGmail: options.canonicalGmail };
  return {
    date: order === "MDY" ? dateOf.MDY : dateOf.DMY,
    email: (x) => normaliseEmail(x, emailOptions),
    phone: (x) => normalisePhone(x, region),
  };
}

/** Normalises one record of `table` for comparison. */
export function prepareRecord(table: DuplicateTable, record: MatchRecord, index: number, options: PrepareOptions = {}): PreparedRecord {
  return prepareWith(preparerOf(options), table, record, index);
}

function prepareWith(p: Preparer, table: DuplicateTable, record: MatchRecord, index: number): PreparedRecord {
  const cols = TABLE_COLUMNS[table];
  const v = record.values;
  const given = firstValue(v, cols.firstName, givenNameOf);
  const surname = firstValue(v, cols.lastName, surnameOf);
  const company = firstValue(v, cols.companyName, companyFieldsOf);
  const address = firstValue(v, cols.address, addressFields);
  const city = firstValue(v, cols.city, cityOf);
  return {
    index,
    table,
    id: record.id,
    name: displayNameOf(table, record),
    firstName: given?.name ?? null,
    firstCanonical: given?.canonical ?? null,
    firstPhonetic: given?.phonetic ?? null,
    lastName: surname?.name ?? null,
    lastPhonetic: surname?.phonetic ?? null,
    companyName: company?.name ?? null,
    legalForm: company?.legalForm ?? null,
    company: company?.company ?? null,
    companyPhonetic: company?.phonetic ?? null,
    emails: allValues(v, cols.email, p.email),
    phones: allValues(v, cols.phone, p.phone),
    address: address?.address ?? null,
    streetNumber: address?.streetNumber ?? null,
    addressKey: address?.addressKey ?? null,
    city: city?.city ?? null,
    cityKey: city?.cityKey ?? null,
    postcode: firstValue(v, cols.postcode, postcodeOf),
    birthDate: firstValue(v, cols.birthDate, p.date),
    governmentId: firstValue(v, cols.governmentId, normaliseIdentifier),
    website: firstValue(v, cols.website, websiteOf),
  };
}

/**
 * Prepares `records` of `table` onto the end of `out` (positions continue from `out.length`),
 * reporting ("prepare", done, total) about a hundred times over `total` records. The caller may
 * drop `records` afterwards: prepared records keep only normalised values (and the ids).
 */
export function prepareInto(
  out: PreparedRecord[],
  table: DuplicateTable,
  records: readonly MatchRecord[],
  options: PrepareOptions,
  total: number,
  onProgress?: (stage: "prepare", done: number, total: number) => void,
): void {
  const step = Math.max(1, Math.floor(total / 100));
  const preparer = preparerOf(options);
  for (const record of records) {
    const k = out.length;
    out.push(prepareWith(preparer, table, record, k));
    if ((k + 1) % step === 0) onProgress?.("prepare", k + 1, Math.max(total, k + 1));
  }
}

/**
 * Called once every record is prepared: empties the normalisers' caches, which hold raw values of
 * pages already dropped (up to 100,000 per normaliser) that nothing needs while matching.
 */
export function endPreparation(): void {
  clearMemos();
}
