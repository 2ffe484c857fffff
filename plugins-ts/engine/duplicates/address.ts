/**
 * An address line parsed into street number, street and unit, so that two branches of a chain on
 * one street ("125 East 23rd St." and "301 East 23rd Street") or two businesses on two floors of
 * one building are told apart by the part that differs. Pure; never throws: a line it cannot
 * read is all street.
 */
import { addressTokens } from "./normalise";

export interface ParsedAddress {
  /** House or building number ("125", "12b", "12-14"); null when the line has none. */
  number: string | null;
  /** The street, normalised ("east 23 street"); ordinals as digits ("23rd" → "23"). */
  street: string | null;
  /** Unit, suite, apartment or floor ("unit 3", "floor 6"); null when none. */
  unit: string | null;
}

const NUMBER_RE = /^\d+[a-z]?$|^\d+-\d+[a-z]?$/;
const ORDINAL_RE = /^(\d+)(st|nd|rd|th)$/;
const UNIT_NUMBER_RE = /^\d+[a-z]?$|^[a-z]$/;
const DIGITS_RE = /^\d+$/;
const LONG_WORD_RE = /[a-z]{3,}/;
const UNIT_WORDS = new Set(["unit", "floor", "room", "building", "level", "lot", "box"]);

/** "23rd" → "23"; any other token as it is (one test of the first letter before the regex). */
function withoutOrdinal(t: string): string {
  const c = t.charCodeAt(0);
  return c >= 48 && c <= 57 && ORDINAL_RE.test(t) ? t.slice(0, -2) : t;
}

/** The parts of an address line as token lists (`parseAddress` joins them). */
export interface AddressTokens {
  number: string | null;
  street: string[];
  unit: string[];
}

/** Splits an address line's tokens into number, street and unit (one pass over the tokens). */
export function parseAddressTokens(value: unknown): AddressTokens | null {
  const tokens = addressTokens(value);
  return tokens == null ? null : partsOf(tokens, null);
}

/**
 * The street and unit of what follows an address line's leading number ("Main St., Apt 3" of
 * "12 Main St., Apt 3"), exactly as `parseAddressTokens` reads them in the whole line; null when
 * the rest alone cannot tell (nothing left, or it opens with "floor": "3 Floor" is a unit).
 * `parseAddressTokens("12 " + rest)` is then number "12" with these street and unit tokens (the
 * "st" → "saint" rule reads the first token alike, first or after a number).
 */
export function partsAfterNumber(rest: string): AddressTokens | null {
  const tokens = addressTokens(rest);
  if (tokens == null || tokens[0] === "floor") return null;
  const parts = partsOf(tokens, ""); // ("" stands for the number read before: none is read after it)
  parts.number = null;
  return parts;
}

/** The loop of `parseAddressTokens`, `number` already read (non-null) or not (null). */
function partsOf(tokens: readonly string[], numberBefore: string | null): AddressTokens {
  const street: string[] = [];
  const unit: string[] = [];
  let number = numberBefore;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (next !== undefined && UNIT_WORDS.has(t) && UNIT_NUMBER_RE.test(next)) {
      unit.push(t, next);
      i++;
      continue;
    }
    // "6th floor", "3 fl"
    if (next === "floor" && (ORDINAL_RE.test(t) || DIGITS_RE.test(t))) {
      unit.push("floor", withoutOrdinal(t));
      i++;
      continue;
    }
    if (number === null && street.length === 0 && NUMBER_RE.test(t)) {
      number = t;
      continue;
    }
    street.push(withoutOrdinal(t));
  }
  // "Hauptstrasse 12": the number after the street when none came first
  if (number === null && street.length > 1 && NUMBER_RE.test(street[street.length - 1]) && LONG_WORD_RE.test(street[street.length - 2])) {
    number = street.pop()!;
  }
  return { number, street, unit };
}

/** Parses an address line ("12 Main St., Apt 3" → number 12, street "main street", unit "unit 3"). */
export function parseAddress(value: unknown): ParsedAddress | null {
  const parts = parseAddressTokens(value);
  if (parts == null) return null;
  return {
    number: parts.number,
    street: parts.street.length ? parts.street.join(" ") : null,
    unit: parts.unit.length ? parts.unit.join(" ") : null,
  };
}
