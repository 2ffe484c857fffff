/**
 * The deterministic value transformations behind fixes. Pure: a value (and what the record says
 * about its country) in, the corrected value or the reason there is none out. Never a guess:
 * when the input does not decide the answer, the result says what is missing.
 *
 *  - `phoneToE164`: E.164 with the region from the record's country, then the organisation's
 *    default; an extension is kept (`+14155551234 ext. 12`); an unrecognised country or a number
 *    that is not valid for the region it would be read in is "needs a country".
 *  - `caseName`: whitespace collapsed, words capitalised, keeping Mc/O'/D' prefixes, lower-case
 *    particles (van der Berg), legal forms (GmbH, Inc) and acronyms (IBM, KPMG).
 *  - `lowercaseEmailDomain`: the part after the last "@" in lower case (the local part is kept:
 *    it may be case-sensitive).
 *  - `normaliseWebsite`: trimmed, scheme and host in lower case, https:// when no scheme was
 *    given, a bare trailing "/" dropped.
 */
import type { CountryCode } from "libphonenumber-js";
import { resolveCountry } from "../checks/formats";
import { engineLibs } from "../engineLibs";

export type TransformResult =
  | { ok: true; value: string; note?: string; confidence: number }
  | { ok: false; reason: string; needs?: "country" };

/** Where the region of a phone number comes from, in order. */
export interface PhoneRegionInput {
  /** The record's own country column value (name or ISO code), when the rule names one. */
  country?: string | null;
  /** The organisation's default region (ISO 3166-1 alpha-2). */
  defaultRegion?: string;
}

export function phoneToE164(value: string, where: PhoneRegionInput): TransformResult {
  const v = value.trim();
  if (!v) return { ok: false, reason: "the phone column is empty" };
  const countryText = typeof where.country === "string" ? where.country.trim() : "";
  const fromRecord = countryText ? resolveCountry(countryText) : undefined;
  if (countryText && !fromRecord && !v.startsWith("+")) {
    return { ok: false, needs: "country", reason: `needs a country: the record's country "${countryText}" is not recognised` };
  }
  const region = fromRecord ?? where.defaultRegion;
  if (!region && !v.startsWith("+")) return { ok: false, needs: "country", reason: "needs a country: the record has none and the organisation sets no default" };
  // Through engineLibs: the record panel reads the phone metadata from vitals.libs.js instead of bundling it.
  const parsed = engineLibs().parsePhoneNumberFromString(v, region as CountryCode | undefined);
  if (!parsed?.isValid()) {
    if (!fromRecord && !v.startsWith("+")) {
      return { ok: false, needs: "country", reason: `needs a country: "${v}" is not a valid number in the default region ${region ?? "(none)"}, and the record has no country` };
    }
    return { ok: false, reason: `"${v}" is not a valid phone number${region ? ` for ${region}` : ""}; a person must correct it` };
  }
  const ext = parsed.ext ? ` ext. ${parsed.ext}` : "";
  const out = `${parsed.number}${ext}`;
  const from = v.startsWith("+") ? "the number's own country code" : fromRecord ? `the record's country (${fromRecord})` : `the organisation's default region (${region})`;
  return { ok: true, value: out, note: `read with ${from}${ext ? "; extension kept" : ""}`, confidence: fromRecord || v.startsWith("+") ? 0.99 : 0.9 };
}

/** Words kept in capitals however they were typed. */
const ACRONYMS = new Set(["IBM", "SAP", "HP", "HSBC", "KPMG", "BMW", "UPS", "DHL", "NASA", "USA", "UK", "EU", "IT", "HR", "AI", "BBC", "CNN", "GE", "3M", "AT&T", "ABB", "BASF", "EY", "PWC", "UBS", "ING", "AXA", "NV", "BV", "AG", "SA", "SE", "PLC", "LLC", "LLP", "LP"]);
/** Legal forms with their own spelling. */
const LEGAL_FORMS: Record<string, string> = { gmbh: "GmbH", inc: "Inc", "inc.": "Inc.", ltd: "Ltd", "ltd.": "Ltd.", corp: "Corp", "corp.": "Corp.", co: "Co", "co.": "Co.", kg: "KG", ohg: "OHG", srl: "Srl", sarl: "SARL", spa: "SpA", oy: "Oy", ab: "AB", as: "AS", pty: "Pty" };
/** Name particles written in lower case inside a name (van der Berg, de la Cruz, von Trapp). */
const PARTICLES = new Set(["van", "der", "den", "de", "la", "le", "du", "von", "zu", "da", "das", "dos", "di", "del", "della", "ten", "ter", "bin", "al"]);

function capitalise(word: string): string {
  return word.charAt(0).toLocaleUpperCase("en") + word.slice(1).toLocaleLowerCase("en");
}

function caseWord(word: string, first: boolean, allCaps: boolean): { text: string; unsure: boolean } {
  const upper = word.toLocaleUpperCase("en");
  const lower = word.toLocaleLowerCase("en");
  if (ACRONYMS.has(upper.replace(/[.,]$/, ""))) return { text: upper in LEGAL_FORMS ? LEGAL_FORMS[lower] : upper, unsure: false };
  if (lower in LEGAL_FORMS) return { text: LEGAL_FORMS[lower], unsure: false };
  // In all-caps input a word without vowels is an acronym (KPMG, HSBC); in lower case it may be a typo.
  if (allCaps && word.length >= 2 && /^[A-Z&]+$/.test(word) && !/[AEIOUY]/.test(word)) return { text: upper, unsure: false };
  if (!first && PARTICLES.has(lower)) return { text: lower, unsure: false };
  if (first && PARTICLES.has(lower)) return { text: lower, unsure: true };
  // Hyphenated and apostrophe names: each part on its own (Smith-Jones, O'Neil, D'Angelo).
  const parts = lower.split(/([-'’])/);
  let unsure = false;
  const text = parts
    .map((p) => {
      if (p === "-" || p === "'" || p === "’" || p === "") return p;
      if (/^mc[a-z]{2,}$/.test(p)) return `Mc${capitalise(p.slice(2))}`;
      // "Mac" names are ambiguous (MacDonald, Machado, Mack): capitalised only, and marked unsure.
      if (/^mac[a-z]{3,}$/.test(p)) unsure = true;
      return capitalise(p);
    })
    .join("");
  return { text, unsure };
}

/**
 * A name in proper case. `unsure` marks results a person should look at (a leading particle,
 * a "Mac" name): they are proposed, but not applied unattended.
 */
export function caseName(value: string): { value: string; unsure: boolean } {
  const collapsed = value.trim().replace(/\s+/g, " ");
  const letters = collapsed.replace(/[^\p{L}]/gu, "");
  const allCaps = letters.length > 0 && letters === letters.toLocaleUpperCase("en");
  let unsure = false;
  const words = collapsed.split(" ").map((w, i) => {
    const r = caseWord(w, i === 0, allCaps);
    unsure ||= r.unsure;
    return r.text;
  });
  return { value: words.join(" "), unsure };
}

/** Trims and collapses inner whitespace. */
export function collapseWhitespace(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

export function lowercaseEmailDomain(value: string): string {
  const v = value.trim();
  const at = v.lastIndexOf("@");
  if (at < 0) return v;
  return `${v.slice(0, at)}@${v.slice(at + 1).toLowerCase()}`;
}

export function normaliseWebsite(value: string): string | null {
  const v = value.trim();
  if (!v || /\s/.test(v)) return null;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
  let url: URL;
  try {
    url = new URL(hasScheme ? v : `https://${v}`);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const path = url.pathname === "/" && !url.search && !url.hash ? "" : url.pathname + url.search + url.hash;
  return `${url.protocol}//${url.host}${path}`;
}
