/**
 * Format validation through well-kept libraries: validator (email), libphonenumber-js (phone),
 * tldts (URL, web domain), postcode-validator (postal codes). Countries may be given as ISO
 * 3166-1 alpha-2 codes or English names ("United Kingdom", "Germany"), as Dynamics stores them
 * in free-text address columns.
 */
import isEmail from "validator/lib/isEmail";
import type { CountryCode } from "libphonenumber-js";
import { engineLibs } from "../engineLibs";
import { postcodeValidator, postcodeValidatorExistsForCountry } from "postcode-validator";

const COUNTRY_ALIASES: Record<string, string> = {
  usa: "US",
  "u.s.": "US",
  "u.s.a.": "US",
  "united states of america": "US",
  america: "US",
  uk: "GB",
  "u.k.": "GB",
  "great britain": "GB",
  britain: "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  "northern ireland": "GB",
  deutschland: "DE",
  holland: "NL",
  "the netherlands": "NL",
  españa: "ES",
  schweiz: "CH",
  suisse: "CH",
  österreich: "AT",
  "south korea": "KR",
  "russia": "RU",
  "czech republic": "CZ",
  uae: "AE",
};

let countryNames: Map<string, string> | undefined;
function countryIndex(): Map<string, string> {
  if (!countryNames) {
    countryNames = new Map();
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    for (const code of engineLibs().getCountries()) {
      const name = names.of(code);
      if (name) countryNames.set(name.toLowerCase(), code);
      countryNames.set(code.toLowerCase(), code);
    }
    for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) countryNames.set(alias, code);
  }
  return countryNames;
}

/** ISO 3166-1 alpha-2 code for a country column value, or undefined when unknown. */
export function resolveCountry(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return countryIndex().get(value.trim().toLowerCase());
}

export function isValidEmail(value: string): boolean {
  // Dynamics email columns hold one address; 100 characters is Dataverse's column length.
  return value.length <= 320 && isEmail(value, { allow_display_name: false, require_tld: true, allow_ip_domain: false });
}

const phoneCache = new Map<string, boolean>();
const PHONE_CACHE_LIMIT = 50_000;
export function isValidPhone(value: string, region: string): boolean {
  const key = `${region}|${value}`;
  const hit = phoneCache.get(key);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    ok = engineLibs().isValidPhoneNumber(value, region as CountryCode);
  } catch {
    ok = false;
  }
  if (phoneCache.size >= PHONE_CACHE_LIMIT) phoneCache.clear();
  phoneCache.set(key, ok);
  return ok;
}

/** A website as Dynamics users type it: with or without scheme, must end in a public suffix. */
export function isValidUrl(value: string): boolean {
  const v = value.trim();
  if (/\s/.test(v)) return false;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const p = engineLibs().parseDomain(url.hostname);
  return p.domain !== null && p.isIcann === true && p.isIp !== true;
}

/** A bare registrable web domain or subdomain ("contoso.com", "sales.contoso.co.uk"). */
export function isValidDomain(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(v) || v.startsWith(".") || v.endsWith(".") || v.includes("..")) return false;
  const p = engineLibs().parseDomain(v);
  return p.domain !== null && p.hostname === v && p.isIcann === true;
}

/** The registrable domain of a website or email domain, lowercased. */
export function registrableDomain(hostOrUrl: string): string | null {
  const v = hostOrUrl.trim().toLowerCase();
  const host = /^[a-z][a-z0-9+.-]*:\/\//.test(v) ? v : `https://${v}`;
  try {
    return engineLibs().parseDomain(new URL(host).hostname).domain;
  } catch {
    return null;
  }
}

export function hasPostcodeFormat(country: string): boolean {
  return postcodeValidatorExistsForCountry(country);
}

export function isValidPostcode(value: string, country: string): boolean {
  try {
    return postcodeValidator(value.trim(), country);
  } catch {
    return false;
  }
}

/** Mailbox providers whose domain says nothing about the company. */
export const PERSONAL_MAIL_DOMAINS = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "yahoo.co.uk",
  "ymail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "gmx.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "proton.me",
  "protonmail.com",
  "mail.com",
  "zoho.com",
  "yandex.com",
  "qq.com",
  "163.com",
]);
