/**
 * Field comparisons. Each field has a similarity function (0..1, or -1 when either side is
 * missing) and comparison levels chosen by thresholds on that similarity:
 * missing / exact / close / similar / different. Jaro-Winkler is talisman's, computed without
 * allocating (jaro.ts); Double Metaphone comes from talisman, edit distance from fastest-levenshtein.
 */
import { jaroWinkler } from "./jaro";
import { distance as levenshtein } from "fastest-levenshtein";
import { FIELD_NAMES, type FieldName, type PreparedRecord } from "./fields";
import { companyNameSimilarity, legalFormsConflict } from "./company";
import { memoiseText } from "./memo";

export type LevelName = "missing" | "exact" | "close" | "similar" | "different";

/** A level applies when the similarity is at least `min` (checked in order). */
export interface LevelSpec {
  name: Exclude<LevelName, "missing">;
  min: number;
  /** What the level means, for explanations and docs. */
  meaning: string;
}

export interface FieldSpec {
  name: FieldName;
  /** Dataverse-flavoured label used in explanations ("lastname"). */
  label: string;
  /** Levels after "missing" (level 0), the last one always "different" with min 0. */
  levels: readonly LevelSpec[];
  /** 0..1, or -1 when either record has no value. */
  similarity(a: PreparedRecord, b: PreparedRecord): number;
  /** The compared value of a record, for explanations. */
  show(r: PreparedRecord): string | null;
}

/** 1 for equal, 0.9 for one edit, 0.8 for two, else at most 0.7 scaled by length. */
export function editSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const d = levenshtein(a, b);
  if (d === 1) return 0.9;
  if (d === 2) return 0.8;
  return Math.min(0.7, Math.max(0, 1 - d / Math.max(a.length, b.length)));
}

/** 1 − Levenshtein distance / length of the longer string (for long values such as address lines). */
export function editRatio(a: string, b: string): number {
  if (a === b) return 1;
  return 1 - levenshtein(a, b) / Math.max(a.length, b.length);
}

/** E-mail addresses: 0.95 for one or two edits, else 1 − edits / length capped at 0.9. */
function emailSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const d = levenshtein(a, b);
  return d <= 2 ? 0.95 : Math.min(0.9, 1 - d / Math.max(a.length, b.length));
}

/** Jaro-Winkler similarity (talisman), 1 for equal strings. */
export function jw(a: string, b: string): number {
  return a === b ? 1 : jaroWinkler(a, b);
}

/** Given name and surname of one record are (nearly) the other record's surname and given name. */
function swapped(aFirst: string, aLast: string, bFirst: string, bLast: string): boolean {
  // cheap guard first: Jaro-Winkler ≥ 0.95 on names practically needs the same first letter
  if (aFirst[0] !== bLast[0] || aLast[0] !== bFirst[0]) return false;
  return jw(aFirst, bLast) >= 0.95 && jw(aLast, bFirst) >= 0.95;
}

function firstNameSimilarity(a: PreparedRecord, b: PreparedRecord): number {
  if (a.firstName == null || b.firstName == null) return -1;
  if (a.firstName === b.firstName) return 1;
  let s = jw(a.firstName, b.firstName);
  // same person, nickname or formal form (bill ~ william)
  if (a.firstCanonical === b.firstCanonical) s = Math.max(s, 0.95);
  // given name and surname swapped between the two records
  if (s < 0.92 && a.lastName != null && b.lastName != null && swapped(a.firstName, a.lastName, b.firstName, b.lastName)) {
    s = 0.93;
  }
  return s;
}

function lastNameSimilarity(a: PreparedRecord, b: PreparedRecord): number {
  if (a.lastName == null || b.lastName == null) return -1;
  if (a.lastName === b.lastName) return 1;
  let s = jw(a.lastName, b.lastName);
  if (s < 0.92 && a.firstName != null && b.firstName != null && swapped(a.firstName, a.lastName, b.firstName, b.lastName)) {
    s = 0.93;
  }
  // double-barrelled or changed surname: one contains the other as a whole word
  if (s < 0.9 && (containsWord(a.lastName, b.lastName) || containsWord(b.lastName, a.lastName))) s = 0.9;
  return s;
}

/**
 * ` ${text} `.includes(` ${word} `) without building the two strings (called per candidate pair):
 * `word` occurs in `text` with a space or the end of the text on either side.
 */
export function containsWord(text: string, word: string): boolean {
  for (let p = text.indexOf(word); p >= 0; p = p < text.length ? text.indexOf(word, p + 1) : -1) {
    const end = p + word.length;
    if ((p === 0 || text.charCodeAt(p - 1) === 32) && (end === text.length || text.charCodeAt(end) === 32)) return true;
  }
  return false;
}

/** `text` starts with `prefix` followed by a space (`text.startsWith(`${prefix} `)` without building that string). */
function startsWithWord(text: string, prefix: string): boolean {
  return text.length > prefix.length && text.charCodeAt(prefix.length) === 32 && text.startsWith(prefix);
}

function sortedTokens(s: string): string {
  return s.split(" ").sort().join(" ");
}

/** The two strings are equal once spaces are removed (compared in place: called per candidate pair). */
function equalIgnoringSpaces(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && a.charCodeAt(i) === 32) i++;
    while (j < b.length && b.charCodeAt(j) === 32) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a.charCodeAt(i++) !== b.charCodeAt(j++)) return false;
  }
}

/** Σ character codes: equal for two names with the same words in any order (a cheap guard before sorting words). */
function charSum(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
  return sum;
}

/** Same name, a legal form of another legal system ("Contoso AB" and "Contoso LLC" are two legal entities): "similar". */
export const OTHER_LEGAL_FORM = 0.85;

function companySimilarity(a: PreparedRecord, b: PreparedRecord): number {
  if (a.companyName == null || b.companyName == null) return -1;
  if (a.companyName === b.companyName) return legalFormsConflict(a.legalForm, b.legalForm) ? OTHER_LEGAL_FORM : 1;
  const la = a.companyName.length;
  const lb = b.companyName.length;
  // (cheap guards first: most compared names differ in length)
  if (Math.abs(la - lb) <= 3 && equalIgnoringSpaces(a.companyName, b.companyName)) return 0.97;
  if (la === lb && charSum(a.companyName) === charSum(b.companyName) && sortedTokens(a.companyName) === sortedTokens(b.companyName)) return 0.95;
  return a.company && b.company ? companyNameSimilarity(a.company, b.company) : 0;
}

/** The street without its street type ("rivington street" → "rivington"), to compare what is left. */
const streetCore = memoiseText((street) => (street as string).replace(STREET_TYPES_RE, " ").replace(/ +/g, " ").trim());
const STREET_TYPES_RE = /(^| )(street|road|avenue|boulevard|drive|lane|court|place|way|plaza|square|parkway|highway|terrace)(?= |$)/g;

/**
 * Address lines: the street (and unit) by edit ratio, then the street number decides. Another
 * number on the same street is another building — a chain's branch, not a duplicate — so it is
 * "different"; a one-digit difference (a typo) or a number only one side has caps at "similar".
 */
function addressSimilarity(a: PreparedRecord, b: PreparedRecord): number {
  if (a.address == null || b.address == null) return -1;
  let street = a.address === b.address ? 1 : editRatio(a.address, b.address);
  // (only lines that already share half their characters can differ in the street type alone)
  if (street < 0.95 && street >= 0.5 && streetCore(a.address) === streetCore(b.address)) street = 0.95;
  // one line is the other with something appended ("elizabeth street" ~ "elizabeth street ci")
  if (street < 0.9 && (startsWithWord(a.address, b.address) || startsWithWord(b.address, a.address))) street = 0.9;
  const na = a.streetNumber;
  const nb = b.streetNumber;
  if (na === nb) return street;
  if (na == null || nb == null) return Math.min(street, 0.85);
  return editSimilarity(na, nb) >= 0.9 && street >= 0.9 ? 0.85 * street : Math.min(street, 0.5);
}

function bestOf(as: readonly string[], bs: readonly string[], f: (x: string, y: string) => number): number {
  if (as.length === 0 || bs.length === 0) return -1;
  let best = 0;
  for (const x of as) {
    for (const y of bs) {
      if (x === y) return 1;
      const s = f(x, y);
      if (s > best) best = s;
    }
  }
  return best;
}

function optional(a: string | null, b: string | null, f: (x: string, y: string) => number): number {
  if (a == null || b == null) return -1;
  return a === b ? 1 : f(a, b);
}

function dateSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  // day and month swapped (dd/mm read as mm/dd)
  if (a.length === 8 && b.length === 8 && a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6)) {
    return 0.9;
  }
  return editSimilarity(a, b);
}

const NAME_LEVELS: readonly LevelSpec[] = [
  { name: "exact", min: 1, meaning: "identical after normalisation" },
  { name: "close", min: 0.92, meaning: "Jaro-Winkler ≥ 0.92, a nickname of the same name, or swapped with the surname" },
  { name: "similar", min: 0.8, meaning: "Jaro-Winkler ≥ 0.80" },
  { name: "different", min: 0, meaning: "Jaro-Winkler < 0.80" },
];
const EDIT_LEVELS: readonly LevelSpec[] = [
  { name: "exact", min: 1, meaning: "identical after normalisation" },
  { name: "close", min: 0.9, meaning: "one edit (or day and month swapped, for dates)" },
  { name: "similar", min: 0.8, meaning: "two edits" },
  { name: "different", min: 0, meaning: "three or more edits" },
];

/** The comparison of every field, in FIELD_NAMES order. */
export const FIELD_SPECS: readonly FieldSpec[] = [
  { name: "firstName", label: "firstname", levels: NAME_LEVELS, similarity: firstNameSimilarity, show: (r) => r.firstName },
  { name: "lastName", label: "lastname", levels: NAME_LEVELS, similarity: lastNameSimilarity, show: (r) => r.lastName },
  {
    name: "companyName",
    label: "company name",
    levels: [
      { name: "exact", min: 1, meaning: "identical after removing legal forms, punctuation, accents and \"The\", abbreviations expanded" },
      { name: "close", min: 0.88, meaning: "same words in another order or spacing, or rarity-weighted word agreement ≥ 0.88 (typos, plurals, abbreviations)" },
      { name: "similar", min: 0.65, meaning: "the same name with another legal form, or rarity-weighted word agreement ≥ 0.65" },
      { name: "different", min: 0, meaning: "rarity-weighted word agreement < 0.65" },
    ],
    similarity: companySimilarity,
    show: (r) => r.companyName,
  },
  {
    name: "email",
    label: "email",
    levels: [
      { name: "exact", min: 1, meaning: "same address (any of the record's addresses)" },
      { name: "close", min: 0.95, meaning: "one or two characters different (a typo)" },
      { name: "similar", min: 0.8, meaning: "edit-distance similarity ≥ 0.80 (several typos)" },
      { name: "different", min: 0, meaning: "different addresses" },
    ],
    similarity: (a, b) => bestOf(a.emails, b.emails, emailSimilarity),
    show: (r) => (r.emails.length ? r.emails.join(" | ") : null),
  },
  {
    name: "phone",
    label: "phone",
    levels: [
      { name: "exact", min: 1, meaning: "same E.164 number (any of the record's numbers)" },
      { name: "close", min: 0.9, meaning: "one digit different" },
      { name: "different", min: 0, meaning: "different numbers" },
    ],
    similarity: (a, b) => bestOf(a.phones, b.phones, editSimilarity),
    show: (r) => (r.phones.length ? r.phones.join(" | ") : null),
  },
  {
    name: "address",
    label: "address1_line1",
    levels: [
      { name: "exact", min: 1, meaning: "same street number, street and unit after expanding abbreviations" },
      { name: "close", min: 0.9, meaning: "same street number, street nearly the same (1 − edits / length ≥ 0.90, or only the street type differs)" },
      { name: "similar", min: 0.75, meaning: "street number missing on one side or one digit different, or the street 1 − edits / length ≥ 0.75" },
      { name: "different", min: 0, meaning: "another street, or another street number on the same street" },
    ],
    similarity: addressSimilarity,
    show: (r) => (r.address == null ? null : r.streetNumber == null ? r.address : `${r.streetNumber} ${r.address}`),
  },
  {
    name: "city",
    label: "address1_city",
    levels: [
      { name: "exact", min: 1, meaning: "identical" },
      { name: "close", min: 0.9, meaning: "Jaro-Winkler ≥ 0.90" },
      { name: "different", min: 0, meaning: "Jaro-Winkler < 0.90" },
    ],
    similarity: (a, b) => optional(a.city, b.city, jw),
    show: (r) => r.city,
  },
  {
    name: "postcode",
    label: "address1_postalcode",
    levels: [
      { name: "exact", min: 1, meaning: "identical" },
      { name: "close", min: 0.9, meaning: "one character different" },
      { name: "different", min: 0, meaning: "two or more characters different" },
    ],
    similarity: (a, b) => optional(a.postcode, b.postcode, editSimilarity),
    show: (r) => r.postcode,
  },
  { name: "birthDate", label: "birthdate", levels: EDIT_LEVELS, similarity: (a, b) => optional(a.birthDate, b.birthDate, dateSimilarity), show: (r) => r.birthDate },
  { name: "governmentId", label: "governmentid", levels: EDIT_LEVELS, similarity: (a, b) => optional(a.governmentId, b.governmentId, editSimilarity), show: (r) => r.governmentId },
  {
    name: "website",
    label: "websiteurl",
    levels: [
      { name: "exact", min: 1, meaning: "same registrable domain" },
      { name: "different", min: 0, meaning: "different domains" },
    ],
    similarity: (a, b) => optional(a.website, b.website, () => 0),
    show: (r) => r.website,
  },
];

if (FIELD_SPECS.map((f) => f.name).join() !== FIELD_NAMES.join()) {
  throw new Error("FIELD_SPECS must list FIELD_NAMES in order");
}

/** Level index of a similarity: 0 = missing, 1.. = the field's levels in order. */
export function levelOf(spec: FieldSpec, similarity: number): number {
  if (similarity < 0) return 0;
  const levels = spec.levels;
  for (let i = 0; i < levels.length; i++) if (similarity >= levels[i].min) return i + 1;
  return levels.length;
}

/** The name of level index `level` of a field. */
export function levelName(spec: FieldSpec, level: number): LevelName {
  return level === 0 ? "missing" : spec.levels[level - 1].name;
}

/** The fields that can compare two tables (both sides map it), in FIELD_SPECS order. */
export function activeFieldIndexes(present: ReadonlySet<FieldName>): number[] {
  const out: number[] = [];
  FIELD_SPECS.forEach((f, i) => {
    if (present.has(f.name)) out.push(i);
  });
  return out;
}
