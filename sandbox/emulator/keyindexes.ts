/**
 * Alternate-key index status (EntityKeyIndexStatus), as Dataverse has it after a solution import:
 * the key's definition exists at once, but its unique index is built by a system job, so the key
 * is Pending, then InProgress, and only then Active. Until it is Active the key can't address a
 * record: a URL key (`vit_recordhealths(vit_table='account',vit_recordid='…')`), an upsert by key
 * or an `@odata.bind` by key answers 400 with code 0x80060888 naming the key and its status
 * (see sandbox/README.md, "Fidelity").
 *
 * One state per emulator store (a WeakMap, so the store itself doesn't change). By default every
 * key is Active (the demo organisation was imported long ago). `startPending` marks the keys of
 * the solution's own tables Pending, as right after an import; each request the emulator serves
 * then moves the job one step (`tick`): Pending → InProgress → Active. No clock is involved, so a
 * test sees the same sequence every time. Failed is not reached: the emulator's store refuses
 * duplicate key values even before the index exists, so the index build has nothing to fail on.
 */
import { CODES, ODataError } from "./errors";
import type { TableDef } from "./schema";
import type { EmulatorStore } from "./store";

export type KeyIndexStatus = "Pending" | "InProgress" | "Active" | "Failed";

const NEXT: Partial<Record<KeyIndexStatus, KeyIndexStatus>> = { Pending: "InProgress", InProgress: "Active" };

export class KeyIndexes {
  /** `<table>/<key name>` → status; a key not listed is Active. */
  private readonly status = new Map<string, KeyIndexStatus>();

  /** Marks every alternate key of `tables` Pending, as a solution import leaves them. */
  startPending(tables: readonly TableDef[]): void {
    for (const t of tables) for (const k of t.alternateKeys) this.status.set(`${t.logicalName}/${k.name}`, "Pending");
  }

  statusOf(table: string, keyName: string): KeyIndexStatus {
    return this.status.get(`${table}/${keyName}`) ?? "Active";
  }

  /** One step of the index job for every key not yet Active. */
  tick(): void {
    for (const [k, s] of this.status) {
      const next = NEXT[s];
      if (next === "Active") this.status.delete(k);
      else if (next) this.status.set(k, next);
    }
  }

  /** Throws the documented error when the alternate key on `columns` isn't Active yet. */
  requireActive(t: TableDef, columns: readonly string[]): void {
    const cols = [...columns].sort().join(",");
    const key = t.alternateKeys.find((k) => [...k.columns].sort().join(",") === cols);
    if (!key) return;
    const s = this.statusOf(t.logicalName, key.name);
    if (s === "Active") return;
    throw new ODataError(
      400,
      CODES.badQuery,
      `The alternate key '${key.name}' (${key.columns.join(", ")}) of '${t.logicalName}' can't be used yet: its index is ${s} (EntityKeyIndexStatus). Dataverse builds the index after the import; retry when the key is Active (EntityDefinitions(LogicalName='${t.logicalName}')/Keys).`,
    );
  }
}

const BY_STORE = new WeakMap<EmulatorStore, KeyIndexes>();

/** The key-index state of one emulator (created on first use, all keys Active). */
export function keyIndexesOf(store: EmulatorStore): KeyIndexes {
  let k = BY_STORE.get(store);
  if (!k) BY_STORE.set(store, (k = new KeyIndexes()));
  return k;
}
