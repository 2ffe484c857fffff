/**
 * Company names as evidence. Pure functions, no I/O.
 *
 * - `normaliseCompanyName` folds a name for comparison: accents, case and punctuation removed,
 *   "&"/"+" → "and", dotted or spaced initials joined ("N.V.", "N V" → "nv"), legal forms of the
 *   major jurisdictions removed at the end ("Pty Ltd", "GmbH & Co. KG", "S.A. de C.V."), common
 *   business abbreviations expanded ("Intl" → "international", "Mfg" → "manufacturing"), a
 *   leading "The" dropped. At least one token always remains ("Company" stays "company").
 * - `companyTokens` splits a normalised name into the tokens that carry evidence (stop words out).
 * - `tokenWeights` gives each token a rarity weight: with the records being matched at hand, the
 *   inverse document frequency log2(N / df) measured on them (a shared "Fabrikam" is strong, a
 *   shared "Services" is weak); without them (one record scored in the panel), a built-in list of
 *   generic business words stands in.
 * - `companyNameSimilarity` aligns the tokens of two names (equal, singular/plural, one or two
 *   typos, an abbreviation that is a prefix: "pharma" ~ "pharmaceuticals") and returns the
 *   rarity-weighted share of agreeing tokens, 0..1 (1 only for identical normalised names).
 */
import { distance as levenshtein } from "fastest-levenshtein";
import { foldText, text } from "./normalise";

/**
 * Legal forms, as folded tokens (dots are removed before folding, spaced initials joined, so
 * "N.V." and "N V" are "nv", "S.p.A." is "spa", "K.K." is "kk"). Removed only at the end of a name.
 */
export const LEGAL_FORMS: ReadonlySet<string> = new Set([
  // English-speaking countries
  "inc", "incorporated", "ltd", "limited", "llc", "pllc", "llp", "lp", "plc", "pc", "corp", "corporation", "co", "company", "cos",
  "pty", "pte", "pvt", "private", "bhd", "sdn", "ltee", "limitee",
  // German, Dutch, Nordic, Finnish
  "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "ev", "eg", "nv", "bv", "vof", "cv", "bvba", "sprl", "oy", "oyj", "ab", "hb", "as", "asa", "aps",
  "aktiengesellschaft", "aktiebolag", "aksjeselskap", "osakeyhtio", "vennootschap",
  // Romance languages
  "sa", "sas", "sasu", "sarl", "eurl", "snc", "sca", "spa", "srl", "sapa", "sl", "slu", "lda", "ltda", "sac", "saa", "sab", "sapi", "cie", "cia",
  // Central and Eastern Europe
  "sro", "zoo", "spzoo", "doo", "dd", "ad", "ood", "eood", "kft", "zrt", "nyrt", "bt", "ou", "sia", "uab", "ooo", "zao", "oao", "pao",
  // Asia
  "kk", "gk", "yk", "kaisha", "kabushiki",
  // groups
  "group", "holding", "holdings",
]);

/** Joining words that may sit between legal forms ("GmbH & Co. KG", "S.A. de C.V.", "y Cía"). */
const LEGAL_JOINERS: ReadonlySet<string> = new Set(["and", "und", "et", "y", "e", "de", "en"]);

/** Legal forms that open a name in some countries ("PT Astra", "OOO Gazprom"). */
const LEADING_LEGAL_FORMS: ReadonlySet<string> = new Set(["pt", "ooo", "zao", "oao", "pao", "cv"]);

/** Business abbreviations expanded token by token. */
export const COMPANY_ABBREVIATIONS: Readonly<Record<string, string>> = {
  intl: "international", mfg: "manufacturing", mfrs: "manufacturers", mfr: "manufacturer",
  svcs: "services", svc: "services", srvcs: "services", servs: "services", assoc: "associates", assocs: "associates",
  assn: "association", natl: "national", bros: "brothers", dept: "department", ctr: "center", cntr: "center",
  centre: "center", grp: "group", hldgs: "holdings", mgmt: "management", mktg: "marketing", univ: "university",
  inst: "institute", tech: "technology", techs: "technologies", sys: "systems", dist: "distribution",
  distr: "distribution", engg: "engineering", invt: "investment",
  invts: "investments", st: "saint", ste: "sainte", mt: "mount", ft: "fort", ny: "new york", nyc: "new york city",
};

const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(Object.entries(COMPANY_ABBREVIATIONS));

/** Words that carry little evidence on their own; the panel's stand-in for measured rarity. */
const STOP_WORDS: ReadonlySet<string> = new Set(["the", "and", "of", "a", "an", "at", "in", "on", "for", "by", "to", "de", "la", "le", "les", "el", "los", "las", "der", "die", "das", "und", "et", "y", "van", "von", "du", "des", "di", "da"]);
export const GENERIC_BUSINESS_WORDS: ReadonlySet<string> = new Set([
  "services", "service", "solutions", "systems", "technology", "technologies", "consulting", "consultants", "international",
  "global", "national", "american", "enterprises", "industries", "partners", "associates", "management", "products",
  "trading", "bank", "insurance", "center", "restaurant", "cafe", "bar", "grill", "deli", "pizza", "coffee", "shop", "store",
  "new", "york", "city", "north", "south", "east", "west", "first", "general", "united", "media", "software", "health",
  "healthcare", "medical", "pharmaceuticals", "pharma", "financial", "capital", "investments", "properties", "realty",
  "construction", "engineering", "manufacturing", "marketing", "design", "studio", "studios", "network", "communications",
  "logistics", "transport", "energy", "foods", "food", "hotel", "club", "kitchen", "house", "market", "salon", "spa",
  "laboratories", "laboratory", "electronics", "development", "entertainment", "environmental", "distribution", "corporation",
  "incorporated", "enterprise", "industrial", "consultancy", "university", "institute", "association", "department",
]);

/** Weight of a generic word and of any other word when no records are at hand to measure rarity. */
const DEFAULT_GENERIC_WEIGHT = 2;
const DEFAULT_WORD_WEIGHT = 8;

/** Spellings of one legal form, to their family ("incorporated" → "inc"); joiners and groups drop out. */
const LEGAL_FAMILY: Readonly<Record<string, string>> = {
  incorporated: "inc", limited: "ltd", corporation: "corp", company: "co", cos: "co", limitee: "ltee", oyj: "oy",
  aktiengesellschaft: "ag", aktiebolag: "ab", aksjeselskap: "as", osakeyhtio: "oy", kabushiki: "kk", kaisha: "kk", private: "pvt",
};
const NOT_A_LEGAL_FORM: ReadonlySet<string> = new Set(["group", "holding", "holdings"]);

/** English-law forms that people use loosely for one company ("Contoso Inc", "Contoso Corp", "Contoso Co."). */
const COMMON_LAW_FORMS: ReadonlySet<string> = new Set(["inc", "corp", "co", "ltd", "llc", "pllc", "llp", "lp", "plc", "pc", "ltee"]);

/**
 * Whether two legal forms name different kinds of legal entity: two forms of different legal
 * systems ("AB" and "LLC", "GmbH" and "Ltd") do; two loose English-law spellings ("Co." and
 * "Ltd", "Inc" and "Corp") do not.
 */
export function legalFormsConflict(a: string | null, b: string | null): boolean {
  if (a == null || b == null || a === b) return false;
  const loose = (f: string): boolean => f.split(" ").every((t) => COMMON_LAW_FORMS.has(t));
  return !(loose(a) && loose(b));
}

/** A company name split into the name proper and its legal form. */
export interface ParsedCompanyName {
  /** The normalised name ("acme"). */
  name: string;
  /** The legal form's family, tokens in order ("pty ltd", "gmbh co kg"); null when the name has none. */
  legalForm: string | null;
}

/**
 * A company's name for comparison ("The Acme Co., Ltd." → "acme", "Philips N V" → "philips",
 * "Contoso Intl Mfg GmbH & Co. KG" → "contoso international manufacturing"); null when empty.
 */
export function normaliseCompanyName(value: unknown): string | null {
  return parseCompanyName(value)?.name ?? null;
}

/** The normalised name and the legal form it carried ("Contoso Pty. Limited" → "contoso", "pty ltd"). */
export function parseCompanyName(value: unknown): ParsedCompanyName | null {
  const raw = text(value);
  if (raw == null) return null;
  // (each replacement only when its characters occur: most names have neither)
  let spelled = raw;
  if (spelled.includes("&") || spelled.includes("+")) spelled = spelled.replace(/[&+]/g, " and ");
  if (spelled.includes(".")) spelled = spelled.replace(/\./g, "");
  const folded = foldText(spelled);
  const tokens: string[] = [];
  // spaced single letters are one abbreviation: "n v" → "nv", "a b c plumbing" → "abc plumbing"
  let initials = false;
  for (const t of folded.split(" ")) {
    if (t === "") continue;
    const letter = t.length === 1 && t >= "a" && t <= "z";
    if (letter && initials) tokens[tokens.length - 1] += t;
    else tokens.push(t);
    initials = letter;
  }
  if (tokens.length > 1 && tokens[0] === "the") tokens.shift();
  const legal: string[] = [];
  if (tokens.length > 1 && LEADING_LEGAL_FORMS.has(tokens[0])) legal.push(tokens.shift()!);
  legal.push(...stripTrailingLegalForms(tokens));
  // (a loop and a Map: flatMap is slow, and an object lookup would find "constructor" on Object.prototype)
  for (let i = 0; i < tokens.length; i++) {
    const expanded = ABBREVIATIONS.get(tokens[i]);
    if (expanded !== undefined) tokens[i] = expanded;
  }
  // (joined, not concatenated token by token: one piece in memory, see memo.ts `flat`)
  const name = tokens.join(" ");
  if (name === "") return null;
  return { name, legalForm: legal.length ? legalFamily(legal) : null };
}

/** The family of the legal-form tokens taken off a name ("pty", "limited" → "pty ltd"); null when none is one. */
function legalFamily(legal: readonly string[]): string | null {
  const family = legal.filter((t) => LEGAL_FORMS.has(t) || LEADING_LEGAL_FORMS.has(t)).filter((t) => !NOT_A_LEGAL_FORM.has(t)).map((t) => LEGAL_FAMILY[t] ?? t);
  return family.length ? family.join(" ") : null;
}

/** Removes legal forms (and the joiners between them) from the end; returns them in order. */
function stripTrailingLegalForms(tokens: string[]): string[] {
  const removed: string[] = [];
  let stripped = false;
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1];
    if (LEGAL_FORMS.has(last)) {
      removed.unshift(tokens.pop()!);
      stripped = true;
    } else if (last === "and" || (stripped && LEGAL_JOINERS.has(last))) {
      tokens.pop();
    } else break;
  }
  return removed;
}

/** The tokens of a normalised name that carry evidence (stop words out, unless nothing else is left). */
export function companyTokens(normalised: string): string[] {
  const all = normalised.split(" ").filter((t) => t !== "");
  const kept = all.filter((t) => !STOP_WORDS.has(t));
  return kept.length > 0 ? kept : all;
}

/** Document frequencies of company tokens over a set of names, to weigh tokens by rarity. */
export interface TokenStats {
  /** Names counted. */
  documents: number;
  df: ReadonlyMap<string, number>;
}

export function countTokens(tokenLists: Iterable<readonly string[]>): TokenStats {
  const df = new Map<string, number>();
  let documents = 0;
  for (const tokens of tokenLists) {
    documents++;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (tokens.indexOf(t) !== i) continue; // once per name
      df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  return { documents, df };
}

/**
 * A weight per token: log2(N / df) from `stats` (at least 0.5), or the built-in stand-in (generic
 * business words 2, other words 8) without them.
 */
export function tokenWeights(tokens: readonly string[], stats?: TokenStats): Float32Array {
  return fillWeights(new Float32Array(tokens.length), tokens, stats);
}

/** `tokenWeights`, its array taken from `pool` (the same values; for the matcher's million names). */
export function pooledTokenWeights(pool: Float32Pool, tokens: readonly string[], stats?: TokenStats): Float32Array {
  return fillWeights(pool.take(tokens.length), tokens, stats);
}

function fillWeights(w: Float32Array, tokens: readonly string[], stats: TokenStats | undefined): Float32Array {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (stats && stats.documents > 1) {
      const df = Math.max(1, stats.df.get(t) ?? 1);
      w[i] = Math.max(0.5, Math.log2(stats.documents / df));
    } else {
      w[i] = GENERIC_BUSINESS_WORDS.has(t) || /^\d+$/.test(t) ? DEFAULT_GENERIC_WEIGHT : DEFAULT_WORD_WEIGHT;
    }
  }
  return w;
}

/**
 * Small Float32Arrays handed out as views of shared chunks. A typed array of its own costs about
 * 260 bytes beyond its numbers (the array, its ArrayBuffer and the buffer's store, which the
 * collector tracks as external memory); a view of a shared chunk costs only the array object. A
 * chunk lives as long as any view of it; views never overlap. Arrays longer than a chunk get
 * their own buffer.
 */
export class Float32Pool {
  private chunk: Float32Array;
  private used = 0;

  constructor(private readonly chunkLength = 16_384) {
    this.chunk = new Float32Array(chunkLength);
  }

  /** A zero-filled array of `length` numbers. */
  take(length: number): Float32Array {
    if (length > this.chunkLength) return new Float32Array(length);
    if (this.used + length > this.chunkLength) {
      this.chunk = new Float32Array(this.chunkLength);
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + length);
    this.used += length;
    return view;
  }
}

/** `long` is `short` + "s", + "es", or with a final "y" as "ies" (checked without building strings: called per token pair). */
function isPlural(short: string, long: string): boolean {
  const d = long.length - short.length;
  if (d === 1) return long.endsWith("s") && long.startsWith(short);
  if (d !== 2 || !long.endsWith("es")) return false;
  if (long.startsWith(short)) return true;
  return long.endsWith("ies") && short.endsWith("y") && long.startsWith(short.slice(0, -1));
}

/**
 * How well two tokens agree: 1 equal, 0.95 singular/plural ("technology"/"technologies"), 0.9 one
 * typo (five letters or more), 0.85 two typos (eight or more) or a shortened business word, else 0.
 */
export function tokenAgreement(x: string, y: string): number {
  if (x === y) return 1;
  const short = x.length <= y.length ? x : y;
  const long = short === x ? y : x;
  if (isPlural(short, long)) return 0.95;
  // one typo in words of five letters or more ("Rowe" and "Lowe" are two names), two from eight
  if (short.length >= 5) {
    const d = Math.abs(x.length - y.length) <= 2 ? levenshtein(x, y) : 3;
    if (d === 1) return 0.9;
    if (d === 2 && short.length >= 8) return 0.85;
  }
  // a shortened business word ("pharma", "tech"); a name's prefix is another name ("Bauer", "Bauermeister")
  if (short.length >= 3 && long.length >= short.length + 2 && long.startsWith(short) && GENERIC_BUSINESS_WORDS.has(long)) return 0.85;
  return 0;
}

/** A company name prepared for comparison: its tokens and their rarity weights. */
export interface CompanyTokens {
  tokens: readonly string[];
  weights: Float32Array;
}

/**
 * Rarity-weighted agreement of two names' tokens: each token of the rarer-weighted side is paired
 * with its best unused counterpart; the score is 2 Σ agreement × mean weight / (Σ weights of
 * both). Identical token multisets in another order give 0.95 at most (1 is reserved for
 * identical normalised names, decided by the caller).
 */
export function companyNameSimilarity(a: CompanyTokens, b: CompanyTokens): number {
  let total = 0;
  for (const w of a.weights) total += w;
  for (const w of b.weights) total += w;
  if (total === 0) return 0;
  const used = new Uint8Array(b.tokens.length);
  let agreed = 0;
  for (let i = 0; i < a.tokens.length; i++) {
    let best = 0;
    let bestJ = -1;
    for (let j = 0; j < b.tokens.length; j++) {
      if (used[j]) continue;
      const s = tokenAgreement(a.tokens[i], b.tokens[j]);
      if (s > best) {
        best = s;
        bestJ = j;
        if (s === 1) break;
      }
    }
    if (bestJ >= 0) {
      used[bestJ] = 1;
      agreed += best * (a.weights[i] + b.weights[bestJ]);
    }
  }
  return Math.min(0.95, agreed / total);
}
