/**
 * Blocking: only records that share at least one blocking key are compared, so the work grows
 * with the number of records rather than its square. Each rule yields zero, one or several keys
 * per record; candidate pairs are the union over the rules. A block larger than the cap is not
 * expanded (it would explode into n²/2 pairs): it is skipped and reported, and the other rules
 * still bring its true duplicates together.
 */
import { phonetic, type PreparedRecord } from "./fields";
import type { CompanyTokens } from "./company";
import { hash53Number, hash53Pair } from "../hash";
import { GrowableInt32, HashIdTable, HashNumberSet } from "./idTable";

export interface BlockingRule {
  name: string;
  description: string;
  keys(r: PreparedRecord): string | readonly string[] | null;
  /**
   * A two-part key ("surname sound" and "postcode"): the parts, so the matcher hashes them without
   * building the joined string per record (hash53Pair). `keys` must then give `${first}|${second}`
   * (or null when either part is null); it is only asked for when a block is reported.
   */
  parts?: readonly [(r: PreparedRecord) => string | null, (r: PreparedRecord) => string | null];
  /**
   * A lower cap on this rule's blocks than the matcher's (a word of a company name is shared by
   * many more records than an e-mail address; its large blocks would be n² pairs of chance).
   */
  maxBlockSize?: number;
}

/** Cap of the company-word rules: words more common than this are not distinctive enough to block on. */
export const COMPANY_WORD_BLOCK_CAP = 60;
/** Cap of the rules on one word (or its sound) alone. */
export const COMPANY_RARE_WORD_BLOCK_CAP = 20;
/**
 * Cap of the rules whose keys records share by chance more often as the file grows: a government
 * id's sorted digits (about 11,000 possible multisets) and a name's sound alone. Uncapped, their
 * blocks grow with the table and so do the pairs per record (1,000,000 contacts: 2.2 million of
 * the 3.1 million candidate pairs came from these two rules); with the cap the work per record
 * stays bounded. Up to 100,000 generated contacts no such block reaches 12 records, so nothing
 * changes there; larger blocks are skipped and reported, and the other rules (same e-mail, phone,
 * surname sound with postcode, city or birth date, …) still bring their duplicates together.
 */
export const CHANCE_KEY_BLOCK_CAP = 20;

function both(a: string | null, b: string | null): string | null {
  return a == null || b == null ? null : `${a}|${b}`;
}

/** A rule on a two-part key: `keys` joins the parts, `parts` lets the matcher hash them in place. */
function twoPart(
  name: string,
  description: string,
  first: (r: PreparedRecord) => string | null,
  second: (r: PreparedRecord) => string | null,
  maxBlockSize?: number,
): BlockingRule {
  return { name, description, keys: (r) => both(first(r), second(r)), parts: [first, second], ...(maxBlockSize === undefined ? {} : { maxBlockSize }) };
}

const lastPhonetic = (r: PreparedRecord): string | null => r.lastPhonetic;
const postcode = (r: PreparedRecord): string | null => r.postcode;
const birthDate = (r: PreparedRecord): string | null => r.birthDate;
const cityKey = (r: PreparedRecord): string | null => r.cityKey;
const addressKey = (r: PreparedRecord): string | null => r.addressKey;
const companyPhonetic = (r: PreparedRecord): string | null => r.companyPhonetic;

let charCodes = new Uint16Array(32);

/**
 * The characters of `s` in order of their codes: what `[...s].sort().join("")` gives, without an
 * array of one-letter strings for ids of ordinary length without surrogate pairs (the rest, e.g.
 * a pasted text thousands of characters long, take the plain way).
 */
function sortedChars(s: string): string {
  if (s.length > 256) return [...s].sort().join("");
  if (charCodes.length < s.length) charCodes = new Uint16Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return [...s].sort().join("");
    charCodes[i] = c;
  }
  return String.fromCharCode(...charCodes.subarray(0, s.length).sort());
}

function nameSound(r: PreparedRecord): string | null {
  if (r.firstPhonetic == null || r.lastPhonetic == null) return null;
  // order-independent, so records with given name and surname swapped still meet
  return r.firstPhonetic < r.lastPhonetic ? `${r.firstPhonetic}|${r.lastPhonetic}` : `${r.lastPhonetic}|${r.firstPhonetic}`;
}

/** The two parts of `nameSound` (the sound that sorts first, then the other), to hash without joining them. */
const soundFirst = (r: PreparedRecord): string | null =>
  r.firstPhonetic == null || r.lastPhonetic == null ? null : r.firstPhonetic < r.lastPhonetic ? r.firstPhonetic : r.lastPhonetic;
const soundSecond = (r: PreparedRecord): string | null =>
  r.firstPhonetic == null || r.lastPhonetic == null ? null : r.firstPhonetic < r.lastPhonetic ? r.lastPhonetic : r.firstPhonetic;

/** A company name's rarest words and the blocking keys made of them. */
interface RareWords {
  words: string[];
  /** The two rarest words, sorted and joined ("company-rarest-words"). */
  pair: string | null;
  /** "~" + Double Metaphone of the rarest word of four letters or more ("company-rarest-word-sound"). */
  sound: string | null;
}

/** Per token list: three rules ask for each record's, and records with one name share one list (memo.ts). */
const RAREST = new WeakMap<CompanyTokens, RareWords>();
const NO_WORDS: RareWords = { words: [], pair: null, sound: null };

/** The company name's two rarest words (highest rarity weight first; ties: the longer, then the first). */
function rarest(r: PreparedRecord): RareWords {
  const c = r.company;
  if (c == null || c.tokens.length === 0) return NO_WORDS;
  let found = RAREST.get(c);
  if (found === undefined) {
    const order = c.tokens.map((_, i) => i);
    order.sort((x, y) => c.weights[y] - c.weights[x] || c.tokens[y].length - c.tokens[x].length || x - y);
    const words = [...new Set(order.slice(0, 2).map((i) => c.tokens[i]))];
    const first = words[0];
    found = { words, pair: [...words].sort().join(" "), sound: first.length < 4 ? null : `~${phonetic(first)}` };
    RAREST.set(c, found);
  }
  return found;
}

function compact(s: string | null): string | null {
  return s == null ? null : s.replace(/ /g, "");
}

/** The default rules, most selective first. */
export const DEFAULT_BLOCKING_RULES: readonly BlockingRule[] = [
  { name: "email", description: "same e-mail address", keys: (r) => r.emails },
  { name: "phone", description: "same E.164 phone number", keys: (r) => r.phones },
  { name: "governmentid", description: "same government id", keys: (r) => r.governmentId },
  {
    name: "governmentid-digits",
    description: "government id with the same characters in any order (catches transposed digits)",
    keys: (r) => (r.governmentId == null ? null : sortedChars(r.governmentId)),
    maxBlockSize: CHANCE_KEY_BLOCK_CAP,
  },
  { name: "website", description: "same website domain", keys: (r) => r.website },
  twoPart("surname-sound+postcode", "surname sounds the same (Double Metaphone) and same postal code", lastPhonetic, postcode),
  twoPart("surname-sound+birthdate", "surname sounds the same and same birth date", lastPhonetic, birthDate),
  twoPart("initial+birthdate", "same first initial of the given name (after nicknames) and same birth date", (r) => (r.firstCanonical == null ? null : r.firstCanonical[0]), birthDate),
  twoPart("surname-sound+city", "surname sounds the same and same city (spaces ignored)", lastPhonetic, cityKey),
  twoPart("address+postcode", "same address line (spaces ignored) and same postal code", addressKey, postcode),
  twoPart("address+city", "same address line (spaces ignored) and same city", addressKey, cityKey),
  twoPart("birthdate+postcode", "same birth date and same postal code", birthDate, postcode),
  twoPart("name-sound+city", "given name and surname sound the same (in either order), same city", nameSound, cityKey),
  twoPart("name-sound", "given name and surname sound the same (in either order)", soundFirst, soundSecond, CHANCE_KEY_BLOCK_CAP),
  {
    name: "company",
    description: "same company name (after removing legal forms)",
    keys: (r) => r.companyName,
  },
  {
    name: "company-compact",
    description: "same company name with spaces ignored (\"Little Town\" ~ \"Littletown\")",
    keys: (r) => compact(r.companyName),
  },
  {
    name: "company-rarest-words",
    description: "the company name's two rarest words (by how many names in the data use them) are the same",
    keys: (r) => rarest(r).pair,
    maxBlockSize: COMPANY_WORD_BLOCK_CAP,
  },
  {
    name: "company-rarest-word",
    description: "the company name's rarest word is the same (blocks of rare words only)",
    keys: (r) => rarest(r).words[0] ?? null,
    maxBlockSize: COMPANY_RARE_WORD_BLOCK_CAP,
  },
  {
    name: "company-rarest-word-sound",
    description: "the company name's rarest word sounds the same (Double Metaphone: typos in the distinctive word)",
    keys: (r) => rarest(r).sound,
    maxBlockSize: COMPANY_RARE_WORD_BLOCK_CAP,
  },
  twoPart("company-sound+city", "company name's first word sounds the same, same city", companyPhonetic, cityKey, COMPANY_RARE_WORD_BLOCK_CAP),
  twoPart("company-sound+postcode", "company name's first word sounds the same, same postal code", companyPhonetic, postcode, COMPANY_RARE_WORD_BLOCK_CAP),
];

/** The key a block's members share (for reporting a skipped block): the first member's key that the second also has. */
function keyOfBlock(rule: BlockingRule, first: PreparedRecord, second: PreparedRecord): string {
  const mine = keyList(rule.keys(first));
  const other = keyList(rule.keys(second));
  return mine.find((k) => other.includes(k)) ?? mine[0] ?? "";
}

/**
 * The records of every block, block after block (a counting sort of the entries by block, stable,
 * so each block's records stay in ascending order): block `id` is `members[start[id] …
 * start[id] + blockSize[id])`. The arrays are reused from rule to rule (grown when too small):
 * fresh arrays of a few megabytes per rule would each count towards the collector's next full
 * pass over the heap.
 */
class BlockMembers {
  start = new Int32Array(1024);
  members = new Int32Array(1024);
  private next = new Int32Array(1024);

  sort(entryBlock: GrowableInt32, entryRecord: GrowableInt32, blockSize: GrowableInt32): void {
    const blocks = blockSize.length;
    if (this.start.length < blocks + 1) {
      this.start = new Int32Array((blocks + 1) * 2);
      this.next = new Int32Array((blocks + 1) * 2);
    }
    if (this.members.length < entryRecord.length) this.members = new Int32Array(entryRecord.length * 2);
    const { start, next, members } = this;
    start[0] = 0;
    for (let id = 0; id < blocks; id++) {
      start[id + 1] = start[id] + blockSize.data[id];
      next[id] = start[id];
    }
    for (let e = 0; e < entryRecord.length; e++) members[next[entryBlock.data[e]]++] = entryRecord.data[e];
  }
}

/** A block that was too large to expand. */
export interface SkippedBlock {
  rule: string;
  key: string;
  size: number;
}

export interface BlockingStats {
  rule: string;
  blocks: number;
  /** Pairs this rule produced that no earlier rule had produced. */
  newPairs: number;
  skippedBlocks: number;
  skippedRecords: number;
}

/** The keys of one record under one rule, as a list. */
export function keyList(keys: string | readonly string[] | null): readonly string[] {
  if (keys == null) return [];
  return typeof keys === "string" ? [keys] : keys;
}

/**
 * Generates the candidate pairs: for every rule, every block within the cap, every pair in it
 * (every left × right pair when `leftCount` is given: records [0, leftCount) are the left file),
 * skipping pairs an earlier rule already produced. `emit(a, b)` gets a < b (left before right).
 */
export function generatePairs(
  records: readonly PreparedRecord[],
  rules: readonly BlockingRule[],
  maxBlockSize: number,
  emit: (a: number, b: number) => void,
  leftCount?: number,
  onRule?: (ruleIndex: number) => void,
): { stats: BlockingStats[]; skipped: SkippedBlock[] } {
  const n = records.length;
  const linking = leftCount !== undefined;
  const stats: BlockingStats[] = [];
  const skipped: SkippedBlock[] = [];
  // every pair produced so far, as a·n + b: a pair is emitted the first time it is met — in the
  // first rule that has it, in that rule's first (lowest-numbered) block within the cap — and one
  // probe per pair replaces asking every earlier rule whether it shared a block
  const produced = new HashNumberSet(n);
  // keys are looked up by a 53-bit hash in a typed-array table (idTable.ts): a million keys
  // cost no per-key objects; two keys sharing a hash only merge two blocks (extra pairs compared).
  // Blocks are numbered in order of their first record; every (block, record) entry goes into two
  // typed lists and is sorted by block afterwards, so no rule makes an object per block — the
  // arrays of a million blocks would outlive the young generation and make the collector trace
  // the whole heap of prepared records, again and again. The same lists serve every rule.
  const blockOfKey = new HashIdTable(n);
  const entryBlock = new GrowableInt32(n);
  const entryRecord = new GrowableInt32(n);
  const lastMember = new GrowableInt32(n);
  const blockSize = new GrowableInt32(n);
  const byBlock = new BlockMembers();

  rules.forEach((rule, r) => {
    onRule?.(r);
    const stat: BlockingStats = { rule: rule.name, blocks: 0, newPairs: 0, skippedBlocks: 0, skippedRecords: 0 };
    stats.push(stat);
    blockOfKey.clear();
    entryBlock.length = entryRecord.length = lastMember.length = blockSize.length = 0;
    const add = (h: number, i: number): void => {
      const id = blockOfKey.idOf(h, lastMember.length);
      if (id === lastMember.length) {
        lastMember.push(i);
        blockSize.push(1);
      } else {
        if (lastMember.data[id] === i) return; // the same key twice on one record
        lastMember.data[id] = i;
        blockSize.data[id]++;
      }
      entryBlock.push(id);
      entryRecord.push(i);
    };
    if (rule.parts) {
      const [first, second] = rule.parts;
      for (let i = 0; i < n; i++) {
        const x = first(records[i]);
        if (x == null) continue;
        const y = second(records[i]);
        if (y != null) add(hash53Pair(x, y), i);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const k = rule.keys(records[i]);
        if (k == null) continue;
        if (typeof k === "string") {
          if (k !== "") add(hash53Number(k), i);
        } else for (const x of k) if (x !== "") add(hash53Number(x), i);
      }
    }
    byBlock.sort(entryBlock, entryRecord, blockSize);
    const { start, members } = byBlock;
    // blocks in order of their numbers, so a pair sharing several keys is produced in its first block
    const cap = Math.min(maxBlockSize, rule.maxBlockSize ?? Infinity);
    for (let id = 0; id < blockSize.length; id++) {
      const size = blockSize.data[id];
      if (size < 2) continue;
      const lo = start[id];
      const hi = lo + size;
      if (linking) {
        // members are in ascending order, so left records come first
        if (members[lo] >= leftCount || members[hi - 1] < leftCount) continue;
      }
      if (size > cap) {
        stat.skippedBlocks++;
        stat.skippedRecords += size;
        skipped.push({ rule: rule.name, key: keyOfBlock(rule, records[members[lo]], records[members[lo + 1]]), size });
        continue;
      }
      stat.blocks++;
      for (let x = lo; x < hi; x++) {
        const a = members[x];
        if (linking && a >= leftCount) break;
        for (let y = x + 1; y < hi; y++) {
          const b = members[y];
          if (linking && b < leftCount) continue;
          if (!produced.add(a * n + b)) continue;
          stat.newPairs++;
          emit(a, b);
        }
      }
    }
  });
  skipped.sort((p, q) => q.size - p.size);
  return { stats, skipped };
}
