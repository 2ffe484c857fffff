/**
 * From matcher output to what the rest of the product consumes: `DuplicateCandidate[]` for the
 * engine's "duplicate" rule (uniqueness dimension), per record.
 */
import type { DuplicateCandidate } from "../types";
import type { MatchResult, ScoredPair } from "./matcher";
import { shortReason } from "./scorer";

export interface CandidateOptions {
  /** Also list near-misses (default false: only pairs decided "match"). */
  includeNearMisses?: boolean;
}

function recordKey(table: string, id: string): string {
  return `${table}:${id}`;
}

function candidate(other: ScoredPair["left"], pair: ScoredPair): DuplicateCandidate {
  const reason = shortReason(pair.explanation);
  return {
    table: other.table,
    id: other.id,
    ...(other.name ? { name: other.name } : {}),
    score: Math.round(pair.probability * 10_000) / 10_000,
    reason: pair.decision === "near-miss" ? `near-miss: ${reason}` : reason,
  };
}

/** The likely duplicates of one record among `pairs`, most probable first. */
export function toDuplicateCandidates(pairs: readonly ScoredPair[], record: { table: string; id: string }, options: CandidateOptions = {}): DuplicateCandidate[] {
  const out: DuplicateCandidate[] = [];
  for (const p of pairs) {
    if (p.decision !== "match" && !options.includeNearMisses) continue;
    if (p.left.table === record.table && p.left.id === record.id) out.push(candidate(p.right, p));
    else if (p.right.table === record.table && p.right.id === record.id) out.push(candidate(p.left, p));
  }
  return out.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/**
 * Every record's likely duplicates, keyed "table:id" (what an audit hands the engine as
 * `related.duplicates`). Records with none are absent: the caller sets `[]` (known: none) for
 * records the matcher saw.
 */
export function duplicateCandidatesByRecord(result: Pick<MatchResult, "pairs">, options: CandidateOptions = {}): Map<string, DuplicateCandidate[]> {
  const map = new Map<string, DuplicateCandidate[]>();
  const add = (key: string, c: DuplicateCandidate): void => {
    const list = map.get(key);
    if (list) list.push(c);
    else map.set(key, [c]);
  };
  for (const p of result.pairs) {
    if (p.decision !== "match" && !options.includeNearMisses) continue;
    add(recordKey(p.left.table, p.left.id), candidate(p.right, p));
    add(recordKey(p.right.table, p.right.id), candidate(p.left, p));
  }
  for (const list of map.values()) list.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  return map;
}
