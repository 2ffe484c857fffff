/**
 * A form open in as few sequential round trips as the facts allow: the rule pack's lookup travels
 * in the same `$batch` as the record's facts (over ./batchPort: calls started in one turn go as one
 * request). The facts a pack needs depend on the pack, so on the first open of a page session,
 * before the organisation's pack is known, they are planned from the built-in default pack — what
 * applies when `vit_RulePack` is unset — and kept only when the pack in force plans exactly the same
 * query (same columns, expansions and facts, same default region for the duplicate matcher).
 * Otherwise they are dropped and the record is loaded again for the pack in force: one more round
 * trip, never a score made with another pack's facts. Later opens in the same page use the
 * session's pack at once.
 *
 * Failure modes: the engine's libraries cannot be loaded → rejects (nothing can be scored); the
 * pack cannot be read → the default applies with its reason (./rulePackSource); a failed guessed
 * load whose plan the pack in force does not share is ignored, one it shares is reported as the
 * load's own failure.
 */
import type { CompiledPack } from "../engine";
import { loadEngineLibs } from "../engine/engineLibs";
import { defaultPack, knownSessionRulePack, sessionRulePack, type PackChoice } from "./rulePackSource";
import type { WebApiPort } from "./webApiPort";

/** The pack in force and the loaded snapshot; no snapshot when the pack has no rules for the table. */
export interface Opened<S> {
  pack: PackChoice;
  snapshot: S | null;
}

/** Loads a record's facts for a compiled pack (the data source's `load`). */
export type LoadFacts<S> = (table: string, id: string, compiled: CompiledPack) => Promise<S>;

/** Whether facts loaded for pack `a` are exactly the facts pack `b` would load (`plan`: the query a pack makes for the table). */
function sameFacts(table: string, a: CompiledPack, b: CompiledPack, plan: (table: string, compiled: CompiledPack) => unknown): boolean {
  if (a === b) return true;
  return (a.pack.defaultRegion ?? "US") === (b.pack.defaultRegion ?? "US") && JSON.stringify(plan(table, a)) === JSON.stringify(plan(table, b));
}

/** The pack in force and the record's facts for it, the pack's lookup in the facts' own `$batch`. */
export async function openRecord<S>(api: WebApiPort, table: string, id: string, load: LoadFacts<S>, plan: (table: string, compiled: CompiledPack) => unknown): Promise<Opened<S>> {
  await loadEngineLibs();
  const known = knownSessionRulePack();
  if (known) return { pack: known, snapshot: known.compiled.rules(table).length === 0 ? null : await load(table, id, known.compiled) };
  const guess = defaultPack();
  // Same turn: the pack's lookup and the guessed facts leave together.
  const packP = sessionRulePack(api);
  const guessedP = guess.rules(table).length > 0 ? load(table, id, guess) : null;
  // Settled here so that a guessed load nobody awaits never reports an unhandled rejection.
  const guessed = guessedP?.then(
    (snapshot) => ({ snapshot }),
    (err: unknown) => ({ err }),
  );
  const pack = await packP;
  if (pack.compiled.rules(table).length === 0) return { pack, snapshot: null };
  if (guessed && sameFacts(table, guess, pack.compiled, plan)) {
    const r = await guessed;
    if ("err" in r) throw r.err;
    return { pack, snapshot: r.snapshot };
  }
  return { pack, snapshot: await load(table, id, pack.compiled) };
}
