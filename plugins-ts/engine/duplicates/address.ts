/**
 * An address line parsed into street number, street and unit, so that two branches of a chain on
 * one street ("125 East 23rd St." and "301 East 23rd Street") or two businesses on two floors of
 * one building are told apart by the part that differs. Pure; never throws: a line it cannot
 * read is all street.
 */
import { normaliseAddress } from "./normalise";

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
const UNIT_WORDS = new Set(["unit", "floor", "room", "building", "level", "lot", "box"]);

/** Parses an address line ("12 Main St., Apt 3" → number 12, street "main street", unit "unit 3"). */
export function parseAddress(value: unknown): ParsedAddress | null {
  const normalised = normaliseAddress(value);
  if (normalised == null) return null;
  const tokens = normalised.split(" ");
  const street: string[] = [];
  const unit: string[] = [];
  let number: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (UNIT_WORDS.has(t) && next !== undefined && /^\d+[a-z]?$|^[a-z]$/.test(next)) {
      unit.push(t, next);
      i++;
      continue;
    }
    // "6th floor", "3 fl"
    if (next === "floor" && (ORDINAL_RE.test(t) || /^\d+$/.test(t))) {
      unit.push("floor", t.replace(ORDINAL_RE, "$1"));
      i++;
      continue;
    }
    if (number === null && street.length === 0 && NUMBER_RE.test(t)) {
      number = t;
      continue;
    }
    street.push(t.replace(ORDINAL_RE, "$1"));
  }
  // "Hauptstrasse 12": the number after the street when none came first
  if (number === null && street.length > 1 && NUMBER_RE.test(street[street.length - 1]) && /[a-z]{3,}/.test(street[street.length - 2])) {
    number = street.pop()!;
  }
  return {
    number,
    street: street.length ? street.join(" ") : null,
    unit: unit.length ? unit.join(" ") : null,
  };
}
