/**
 * Normalisers: turn what people type into values that compare well. Pure functions; the phone
 * normaliser memoises parsed numbers (a bounded cache, no I/O).
 */
import type { CountryCode } from "libphonenumber-js";
import { engineLibs } from "../engineLibs";
import { canonicalGivenName } from "./nicknames";
import { flat, registerCache } from "./memo";
import { fastNanp } from "./nanp";

const SPECIAL_LETTERS: Record<string, string> = {
  ß: "ss", æ: "ae", Æ: "ae", ø: "o", Ø: "o", œ: "oe", Œ: "oe", ł: "l", Ł: "l", đ: "d", Đ: "d", ð: "d", þ: "th", ı: "i",
};
const SPECIAL_RE = /[ßæÆøØœŒłŁđĐðþı]/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** A string `foldText` leaves as it is: letters and digits, single spaces between words. */
const FOLDED_RE = /^[a-z0-9]+(?: [a-z0-9]+)*$/;

/** Lower case, accents removed (NFD), punctuation to spaces, whitespace collapsed. "" when empty. */
export function foldText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(value);
  let s = ascii ? value : value.normalize("NFD").replace(COMBINING_MARKS, "");
  // (the special letters are not ASCII)
  if (!ascii && SPECIAL_RE.test(s)) s = s.replace(SPECIAL_RE, (c) => SPECIAL_LETTERS[c] ?? c);
  s = s.toLowerCase();
  // most values are words and single spaces already (one test instead of two replacements and a trim)
  if (FOLDED_RE.test(s)) return s;
  // apostrophes join (o'brien → obrien); other punctuation separates
  s = s.replace(/['’`´]/g, "").replace(/[^a-z0-9]+/g, " ");
  return s.trim();
}

/** A string value of a column, or null when absent/empty. Numbers are accepted (postcodes, ids). */
export function text(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === "string") return value.trim() === "" ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

const NAME_TITLES = new Set(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "fr"]);
const NAME_SUFFIXES = new Set(["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"]);

/** A person's name part: folded, titles and generational suffixes dropped. */
export function normalisePersonName(value: unknown): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const tokens = foldText(raw).split(" ").filter((t) => t !== "");
  while (tokens.length > 1 && NAME_TITLES.has(tokens[0])) tokens.shift();
  while (tokens.length > 1 && NAME_SUFFIXES.has(tokens[tokens.length - 1])) tokens.pop();
  const s = tokens.join(" ");
  return s === "" ? null : s;
}

/** Given name → its canonical form through the nickname table (first token only: "bill j" → "william"). */
export function canonicalFirstName(normalised: string): string {
  const first = normalised.split(" ", 1)[0];
  return canonicalGivenName(first);
}

export interface EmailOptions {
  /**
   * Gmail addresses ignore dots in the local part and anything after "+": with this on (default),
   * "J.Smith+crm@gmail.com" and "jsmith@googlemail.com" normalise to "jsmith@gmail.com".
   */
  canonicalGmail?: boolean;
}

const EMAIL_DOMAIN_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Lower case, trimmed; null when it is not shaped like an address (one "@", a dot in the domain). */
export function normaliseEmail(value: unknown, options: EmailOptions = {}): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = raw.trim().toLowerCase().replace(/^mailto:/, "");
  const at = s.indexOf("@");
  if (at <= 0 || at !== s.lastIndexOf("@") || /\s/.test(s)) return null;
  const domain = s.slice(at + 1);
  if (!EMAIL_DOMAIN_RE.test(domain)) return null;
  if ((options.canonicalGmail ?? true) && (domain === "gmail.com" || domain === "googlemail.com")) {
    const local = s.slice(0, at).split("+", 1)[0].replace(/\./g, "");
    if (local === "") return null;
    return flat(`${local}@gmail.com`);
  }
  // unchanged: the address itself, in one piece (not the local part and domain joined anew)
  return flat(s);
}

const PHONE_CACHE = new Map<string, string | null>();
registerCache(PHONE_CACHE);
const NANP_RE = /^(?:\+1|1)?([2-9]\d{2}[2-9]\d{6})$/;
/** Regions whose national numbers are NANP (+1) numbers. */
export const NANP_REGIONS: ReadonlySet<string> = new Set([
  "US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS", "PR", "SX", "TC", "TT", "VC", "VG", "VI",
]);
const PHONE_CACHE_LIMIT = 200_000;
/** An extension at the end of a phone number ("x 12", "ext. 12", "#12"). */
const EXTENSION_RE = /(?:ext\.?|x|#)\s*\d+\s*$/i;

/**
 * A phone number in E.164 ("+14155550123") through libphonenumber-js, reading national numbers in
 * `region`. A number libphonenumber cannot read but that has at least 7 digits is kept as its
 * digits (prefixed "#"), so two identical odd numbers still agree; fewer digits → null.
 */
export function normalisePhone(value: unknown, region: string = "US"): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const fast = fastNanp(raw, NANP_REGIONS.has(region.toUpperCase()));
  if (fast !== undefined) return fast;
  // keep a leading "+" (or 00 international prefix) and the digits; drop extensions
  const extension = EXTENSION_RE.exec(raw);
  const main = extension ? raw.slice(0, extension.index) : raw;
  let digits = main.replace(/[^0-9+]/g, "");
  if (digits.startsWith("00")) digits = `+${digits.slice(2)}`;
  if (digits === "") return null;
  digits = digits[0] + digits.slice(1).replace(/\+/g, "");
  if (digits.replace("+", "").length < 7) return null;
  // Fast path, same result as libphonenumber: a North American (NANP, +1) number — area code
  // and exchange starting 2–9 — written with +1, with the trunk prefix 1, or nationally in a NANP
  // region. Saves the full parse on the most common CRM phone format; everything else goes to
  // libphonenumber.
  const nanp = NANP_RE.exec(digits);
  if (nanp && (digits.startsWith("+1") || NANP_REGIONS.has(region.toUpperCase()))) return `+1${nanp[1]}`;
  const key = `${region}|${digits}`;
  const cached = PHONE_CACHE.get(key);
  if (cached !== undefined) return cached;
  const parsed = engineLibs().parsePhoneNumberFromString(digits, region.toUpperCase() as CountryCode);
  const result = flat(parsed?.isPossible() ? parsed.number : `#${digits.replace("+", "")}`);
  if (PHONE_CACHE.size >= PHONE_CACHE_LIMIT) PHONE_CACHE.clear();
  PHONE_CACHE.set(key, result);
  return result;
}

const ADDRESS_WORDS: Record<string, string> = {
  st: "street", str: "street", rd: "road", ave: "avenue", av: "avenue", avn: "avenue", blvd: "boulevard",
  bvd: "boulevard", dr: "drive", drv: "drive", ln: "lane", ct: "court", crt: "court", pl: "place",
  cres: "crescent", cr: "crescent", hwy: "highway", pkwy: "parkway", pky: "parkway", sq: "square",
  tce: "terrace", ter: "terrace", terr: "terrace", cct: "circuit", cir: "circle", cl: "close",
  gr: "grove", gdns: "gardens", pde: "parade", esp: "esplanade", mt: "mount", ft: "fort",
  wy: "way", hts: "heights", trl: "trail", plz: "plaza", n: "north", s: "south", e: "east", w: "west",
  ne: "northeast", nw: "northwest", se: "southeast", sw: "southwest", apt: "unit", ste: "unit",
  suite: "unit", flat: "unit", fl: "floor", bldg: "building", po: "po", nth: "north", sth: "south",
};

const ADDRESS_WORD_MAP: ReadonlyMap<string, string> = new Map(Object.entries(ADDRESS_WORDS));

function startsWithDigit(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/**
 * An address line: folded, street-type and direction abbreviations expanded ("12 Main St." →
 * "12 main street"). "St" opening the street before a name ("St Kilda Rd", "10 St Kilda Rd") is
 * "saint"; after a name ("Elizabeth St. Ci") it is "street".
 */
export function normaliseAddress(value: unknown): string | null {
  const tokens = addressTokens(value);
  return tokens == null ? null : tokens.join(" ");
}

/** The tokens of `normaliseAddress`'s answer (never empty strings), or null when it is null. */
export function addressTokens(value: unknown): string[] | null {
  const raw = text(value);
  if (raw == null) return null;
  const tokens = foldText(raw).split(" ");
  if (tokens.length === 1 && tokens[0] === "") return null;
  // (a Map, not an object lookup: a street word such as "constructor" must not find Object.prototype's)
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    // "st" opens a street when first or after a number; tokens[i - 1] is already expanded in place,
    // which cannot change whether it starts with a digit (no expansion or expanded word does)
    if (t === "st" && next !== undefined && (i === 0 || startsWithDigit(tokens[i - 1])) && !startsWithDigit(next) && !ADDRESS_WORD_MAP.has(next)) {
      tokens[i] = "saint";
    } else {
      const expanded = ADDRESS_WORD_MAP.get(t);
      if (expanded !== undefined) tokens[i] = expanded;
    }
  }
  return tokens;
}

/** A place name (city, state): folded. */
export function normalisePlace(value: unknown): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = foldText(raw);
  return s === "" ? null : s;
}

/** A postal code: upper case, no spaces or hyphens; US ZIP+4 reduced to the five-digit ZIP. */
export function normalisePostcode(value: unknown): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = raw.toUpperCase().replace(/[\s-]+/g, "");
  if (/^\d{9}$/.test(s) && /^\d{5}-\d{4}$/.test(raw.trim())) return s.slice(0, 5);
  return s === "" ? null : s;
}

/** An identifier (government id, national insurance number): upper-case letters and digits only. */
export function normaliseIdentifier(value: unknown): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = raw.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return s === "" ? null : s;
}

/** A website's registrable domain ("https://www.Contoso.co.uk/about" → "contoso.co.uk"). */
export function normaliseWebsite(value: unknown): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = raw.trim().toLowerCase();
  const domain = engineLibs().getDomain(s.includes("://") ? s : `http://${s}`);
  return domain ?? null;
}

/** The domain of an e-mail address that is not a public mailbox provider, for blocking/queries. */
export function emailDomain(email: string): string {
  return email.slice(email.indexOf("@") + 1);
}

export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com",
  "me.com", "mail.com", "gmx.com", "gmx.de", "web.de", "yahoo.co.uk", "hotmail.co.uk", "protonmail.com",
  "proton.me", "yandex.ru", "mail.ru", "qq.com", "163.com", "bigpond.com", "btinternet.com",
]);

export type DateOrder = "DMY" | "MDY";

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function expandYear(y: number): number {
  // two-digit years: 00–29 → 2000s, 30–99 → 1900s (birth dates and CRM dates)
  return y >= 100 ? y : y < 30 ? 2000 + y : 1900 + y;
}

/**
 * A date as "yyyymmdd". Reads ISO (yyyy-mm-dd, with or without time), Febrl's yyyymmdd,
 * dd/mm/yyyy or mm/dd/yyyy (by `order`, default day first), yyyy/mm/dd, and "12 Mar 1980" /
 * "Mar 12, 1980". An 8-digit value that is not a calendar date (a typo) is kept as typed: its
 * digits still carry evidence for an edit-distance comparison. Anything else → null.
 */
export function normaliseDate(value: unknown, order: DateOrder = "DMY"): string | null {
  const raw = text(value);
  if (raw == null) return null;
  const s = raw.trim();
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return s;
  m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/.exec(s);
  if (m) return `${m[1]}${pad(+m[2], 2)}${pad(+m[3], 2)}`;
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(s);
  if (m) {
    let day = +m[1];
    let month = +m[2];
    if (order === "MDY") [day, month] = [month, day];
    // an impossible month with a possible day means the other order was used
    if (month > 12 && day <= 12) [day, month] = [month, day];
    return `${pad(expandYear(+m[3]), 4)}${pad(month, 2)}${pad(day, 2)}`;
  }
  m = /^(\d{1,2})\s+([a-z]{3,})\.?,?\s+(\d{4})$/i.exec(s);
  if (m && MONTHS[m[2].slice(0, 4).toLowerCase()] !== undefined) {
    return `${m[3]}${pad(MONTHS[m[2].slice(0, 4).toLowerCase()], 2)}${pad(+m[1], 2)}`;
  }
  if (m && MONTHS[m[2].slice(0, 3).toLowerCase()] !== undefined) {
    return `${m[3]}${pad(MONTHS[m[2].slice(0, 3).toLowerCase()], 2)}${pad(+m[1], 2)}`;
  }
  m = /^([a-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})$/i.exec(s);
  if (m && MONTHS[m[1].slice(0, 3).toLowerCase()] !== undefined) {
    return `${m[3]}${pad(MONTHS[m[1].slice(0, 3).toLowerCase()], 2)}${pad(+m[2], 2)}`;
  }
  return null;
}
