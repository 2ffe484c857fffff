/**
 * In-memory row store of the emulator. Rows are kept in Web API shape (see schema.ts). Every
 * write stamps `versionnumber` from one organisation-wide counter (like Dataverse's rowversion),
 * which drives ETags and change tracking; deletions are journaled for delta links.
 *
 * Direct use (tests) bypasses security and statistics. Writes made through the HTTP surface go
 * through the same methods after the server's checks.
 */
import { randomUUID } from "node:crypto";
import { BY_LOGICAL, BY_SET, LOOKUP_TYPE_KEY, PARTY_TARGETS, storageOf, tableDef, type ResolvedTable, type TableDef } from "./schema";
import { str } from "./values";

export type Row = Record<string, unknown>;

interface Physical {
  rows: Map<string, Row>;
  sorted: string[] | null;
  /** alternate-key index per key name: normalized key → id */
  keys: Map<string, Map<string, string>>;
}

export interface Deletion {
  table: string;
  id: string;
  version: number;
}

type UndoEntry = () => void;

export function nowIso(d: Date = new Date()): string {
  return d.toISOString().slice(0, 19) + "Z";
}

/** Normalizes the value of a key column for the alternate-key index (case-insensitive like SQL). */
function keyPart(v: unknown): string {
  return v == null ? "\u0001" : str(v).toLowerCase();
}

export class EmulatorStore {
  private readonly physical = new Map<string, Physical>();
  private version = 1000;
  private readonly deletions: Deletion[] = [];
  private journal: UndoEntry[] | null = null;
  /** Lazily built secondary indexes: physical table → property → value → ids. Dropped on any write. */
  private readonly indexes = new Map<string, Map<string, Map<string, string[]>>>();
  /** Lazily built sorted indexes (startswith seeks): physical table → property → values in order with their ids. Dropped on any write. */
  private readonly sortedIndexes = new Map<string, Map<string, { values: string[]; ids: string[] }>>();

  constructor() {
    for (const t of BY_LOGICAL.values()) {
      if (t.storage) continue;
      this.physical.set(t.logicalName, { rows: new Map(), sorted: null, keys: new Map() });
    }
  }

  /** Resolves a logical name or an entity set name. */
  table(nameOrSet: string): ResolvedTable {
    const t = BY_LOGICAL.get(nameOrSet) ?? BY_SET.get(nameOrSet);
    if (!t) throw new Error(`Unknown table '${nameOrSet}'`);
    return tableDef(t.logicalName);
  }

  private phys(t: TableDef): Physical {
    return this.physical.get(storageOf(t))!;
  }

  private touched(t: TableDef): void {
    this.indexes.delete(storageOf(t));
    this.sortedIndexes.delete(storageOf(t));
  }

  /**
   * Rows whose `prop` equals one of `values` (case-insensitive), through a secondary index built on
   * first use and dropped on the next write to the table. Used for `in`/`eq` conditions on lookups.
   */
  byValues(table: string, prop: string, values: readonly string[]): Row[] {
    const t = this.table(table);
    const idx = this.valueIndex(table, prop);
    const out: Row[] = [];
    const seen = new Set<string>();
    for (const v of values) {
      for (const id of idx.get(v.toLowerCase()) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const r = this.phys(t).rows.get(id);
        if (r && this.belongs(t, r)) out.push(r);
      }
    }
    return out;
  }

  /**
   * The secondary index of `prop` (lower-cased value → ids of the physical table), built on first
   * use and dropped on the next write to the table. Ids of rows of another activity type may be
   * in it: callers check each row (byValues, seek.ts).
   */
  valueIndex(table: string, prop: string): Map<string, string[]> {
    const t = this.table(table);
    const phys = storageOf(t);
    let perTable = this.indexes.get(phys);
    if (!perTable) this.indexes.set(phys, (perTable = new Map<string, Map<string, string[]>>()));
    let idx = perTable.get(prop);
    if (!idx) {
      idx = new Map();
      for (const [id, r] of this.phys(t).rows) {
        const v = r[prop];
        if (v == null) continue;
        const k = str(v).toLowerCase();
        const list = idx.get(k);
        if (list) list.push(id);
        else idx.set(k, [id]);
      }
      perTable.set(prop, idx);
    }
    return idx;
  }

  /**
   * The text values of `prop` in order (lower-cased), with their rows' ids: for `startswith` seeks
   * (prefixRange). Built on first use and dropped with the value indexes on the next write.
   */
  sortedIndex(table: string, prop: string): { values: string[]; ids: string[] } {
    const t = this.table(table);
    const phys = storageOf(t);
    let perTable = this.sortedIndexes.get(phys);
    if (!perTable) this.sortedIndexes.set(phys, (perTable = new Map<string, { values: string[]; ids: string[] }>()));
    let idx = perTable.get(prop);
    if (!idx) {
      const entries = [...this.valueIndex(table, prop)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      idx = { values: [], ids: [] };
      for (const [v, ids] of entries) for (const id of ids) {
        idx.values.push(v);
        idx.ids.push(id);
      }
      perTable.set(prop, idx);
    }
    return idx;
  }

  /** Positions [from, to) in sortedIndex(table, prop) of the values starting with `prefix` (lower case). */
  prefixRange(table: string, prop: string, prefix: string): [number, number] {
    const { values } = this.sortedIndex(table, prop);
    const first = (atLeast: (v: string) => boolean): number => {
      let lo = 0;
      let hi = values.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (atLeast(values[mid])) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const from = first((v) => v >= prefix);
    const to = first((v) => v >= prefix && !v.startsWith(prefix));
    return [from, Math.max(from, to)];
  }

  /** The latest version number handed out (used for delta tokens). */
  currentVersion(): number {
    return this.version;
  }

  nextVersion(): number {
    return ++this.version;
  }

  private belongs(t: TableDef, row: Row): boolean {
    return !t.storage || row.activitytypecode === t.logicalName;
  }

  /** All rows of a table, in primary-key order. */
  rows(table: string): Row[] {
    const t = this.table(table);
    const p = this.phys(t);
    const out: Row[] = [];
    for (const id of this.sortedIds(t)) {
      const r = p.rows.get(id)!;
      if (this.belongs(t, r)) out.push(r);
    }
    return out;
  }

  count(table: string): number {
    const t = this.table(table);
    if (!t.storage) return this.phys(t).rows.size;
    let n = 0;
    for (const r of this.phys(t).rows.values()) if (this.belongs(t, r)) n++;
    return n;
  }

  /** Primary keys of the physical table in ascending order (cached until an insert/delete). */
  sortedIds(t: TableDef): string[] {
    const p = this.phys(t);
    if (!p.sorted) p.sorted = [...p.rows.keys()].sort();
    return p.sorted;
  }

  /**
   * Up to `limit` rows matching `pred` with a primary key greater than `afterId`, in key order:
   * the paging order (stable when rows are inserted or deleted between pages). `among` (sorted
   * ids) narrows the rows looked at; the result is the same as without it when it holds every
   * row `pred` accepts.
   */
  pageByKey(table: string, afterId: string | null, pred: (r: Row) => boolean, limit: number, among?: readonly string[]): Row[] {
    const t = this.table(table);
    const p = this.phys(t);
    // `among`: the ids an index seek left (seek.ts), in key order; otherwise every row.
    const ids = among ?? this.sortedIds(t);
    let lo = 0;
    if (afterId !== null) {
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ids[mid] <= afterId) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: Row[] = [];
    for (let i = lo; i < ids.length && out.length < limit; i++) {
      const r = p.rows.get(ids[i]);
      if (r && this.belongs(t, r) && pred(r)) out.push(r);
    }
    return out;
  }

  /** Iterates the rows of a table (unordered, fast). */
  *scan(table: string): IterableIterator<Row> {
    const t = this.table(table);
    for (const r of this.phys(t).rows.values()) if (this.belongs(t, r)) yield r;
  }

  get(table: string, id: string): Row | undefined {
    const t = this.table(table);
    const r = this.phys(t).rows.get(id.toLowerCase());
    return r && this.belongs(t, r) ? r : undefined;
  }

  /** Finds a row by an alternate key given as column → value. */
  findByKey(table: string, values: Record<string, unknown>): Row | undefined {
    const t = this.table(table);
    const cols = Object.keys(values).sort();
    const key = t.alternateKeys.find((k) => [...k.columns].sort().join(",") === cols.join(","));
    if (!key) throw new Error(`Table '${t.logicalName}' has no alternate key on (${cols.join(", ")})`);
    const id = this.phys(t).keys.get(key.name)?.get(key.columns.map((c) => keyPart(values[c])).join("\u0000"));
    return id ? this.get(table, id) : undefined;
  }

  private indexKeys(t: TableDef, row: Row, id: string, add: boolean): void {
    const p = this.phys(t);
    for (const k of t.alternateKeys) {
      if (k.columns.some((c) => row[c] == null)) continue;
      let idx = p.keys.get(k.name);
      if (!idx) p.keys.set(k.name, (idx = new Map<string, string>()));
      const kv = k.columns.map((c) => keyPart(row[c])).join("\u0000");
      if (add) {
        const existing = idx.get(kv);
        if (existing && existing !== id) {
          throw new DuplicateKeyError(t.logicalName, k.columns);
        }
        idx.set(kv, id);
      } else if (idx.get(kv) === id) {
        idx.delete(kv);
      }
    }
  }

  /** Starts a transaction (change set): later `rollback()` undoes every write since. */
  begin(): void {
    this.journal = [];
  }
  commit(): void {
    this.journal = null;
  }
  rollback(): void {
    const j = this.journal;
    this.journal = null;
    if (j) for (let i = j.length - 1; i >= 0; i--) j[i]();
  }

  /**
   * Inserts a row (id taken from the primary-id column, generated if absent); stamps
   * versionnumber, createdon and modifiedon when missing. Returns the stored row.
   */
  insert(table: string, row: Row, opts: { keepVersion?: boolean } = {}): Row {
    const t = this.table(table);
    const p = this.phys(t);
    const id = str(row[t.primaryId] ?? randomGuid()).toLowerCase();
    if (p.rows.has(id)) throw new DuplicateKeyError(t.logicalName, [t.primaryId]);
    const stored: Row = { ...row, [t.primaryId]: id };
    if (t.storage) stored.activitytypecode = t.logicalName;
    deriveOwning(t, stored);
    if (!opts.keepVersion || stored.versionnumber == null) stored.versionnumber = this.nextVersion();
    const now = nowIso();
    if (t.byColumn.has("createdon") && stored.createdon == null) stored.createdon = now;
    if (t.byColumn.has("modifiedon") && stored.modifiedon == null) stored.modifiedon = stored.createdon ?? now;
    this.indexKeys(t, stored, id, true);
    p.rows.set(id, stored);
    if (p.sorted) p.sorted = null;
    this.touched(t);
    this.journal?.push(() => {
      this.touched(t);
      this.indexKeys(t, stored, id, false);
      p.rows.delete(id);
      p.sorted = null;
    });
    return stored;
  }

  /** Bulk load without journaling or per-row key checks of other rows (used by the generator). */
  load(table: string, rows: Row[]): void {
    const t = this.table(table);
    const p = this.phys(t);
    for (const r of rows) {
      const id = r[t.primaryId] as string;
      if (t.storage) r.activitytypecode = t.logicalName;
      deriveOwning(t, r);
      if (r.versionnumber == null) r.versionnumber = this.nextVersion();
      if (t.alternateKeys.length) this.indexKeys(t, r, id, true);
      p.rows.set(id, r);
    }
    p.sorted = null;
    this.touched(t);
  }

  /** Applies a patch to a row; stamps modifiedon and a new versionnumber. */
  update(table: string, id: string, patch: Row, opts: { touch?: boolean } = {}): Row {
    const t = this.table(table);
    const p = this.phys(t);
    const key = id.toLowerCase();
    const old = p.rows.get(key);
    if (!old || !this.belongs(t, old)) throw new Error(`${t.logicalName} ${id} does not exist`);
    const next: Row = { ...old, ...patch, [t.primaryId]: key, versionnumber: this.nextVersion() };
    if ("_ownerid_value" in patch) deriveOwning(t, next);
    if (opts.touch !== false && t.byColumn.has("modifiedon") && !("modifiedon" in patch)) next.modifiedon = nowIso();
    this.indexKeys(t, old, key, false);
    try {
      this.indexKeys(t, next, key, true);
    } catch (e) {
      this.indexKeys(t, old, key, true);
      throw e;
    }
    p.rows.set(key, next);
    this.touched(t);
    this.journal?.push(() => {
      this.touched(t);
      this.indexKeys(t, next, key, false);
      this.indexKeys(t, old, key, true);
      p.rows.set(key, old);
    });
    return next;
  }

  delete(table: string, id: string): boolean {
    const t = this.table(table);
    const p = this.phys(t);
    const key = id.toLowerCase();
    const old = p.rows.get(key);
    if (!old || !this.belongs(t, old)) return false;
    this.indexKeys(t, old, key, false);
    p.rows.delete(key);
    p.sorted = null;
    this.touched(t);
    const del: Deletion = { table: (old.activitytypecode as string | undefined) ?? t.logicalName, id: key, version: this.nextVersion() };
    this.deletions.push(del);
    this.removeLinksTo(t.logicalName, key);
    this.cascadeParties(t, key);
    this.journal?.push(() => {
      this.touched(t);
      this.indexKeys(t, old, key, true);
      p.rows.set(key, old);
      p.sorted = null;
      const i = this.deletions.lastIndexOf(del);
      if (i >= 0) this.deletions.splice(i, 1);
    });
    return true;
  }

  /**
   * Cascade "Remove Link" (the behaviour the CRM Vitals solution sets on its lookups): lookups of
   * custom tables that point at a deleted row are cleared, as Dataverse clears them. Lookups of
   * system tables keep the emulator's simpler behaviour (see README, "Simplifications").
   */
  private removeLinksTo(target: string, id: string): void {
    for (const other of BY_LOGICAL.values()) {
      if (!other.isCustom) continue;
      for (const c of other.columns) {
        if (c.type !== "lookup" || !(c.targets ?? []).includes(target)) continue;
        const prop = `_${c.name}_value`;
        for (const row of this.byValues(other.logicalName, prop, [id])) {
          this.update(other.logicalName, row[other.primaryId] as string, { [prop]: null });
        }
      }
    }
  }

  /**
   * Activity parties follow their activity: deleting an activity deletes its parties; deleting a
   * party's record (a contact, …) keeps the party and sets `ispartydeleted`, as Dataverse does.
   */
  private cascadeParties(t: TableDef, id: string): void {
    if (t.isActivity) {
      for (const party of this.byValues("activityparty", "_activityid_value", [id])) this.delete("activityparty", party.activitypartyid as string);
      return;
    }
    if (!(PARTY_TARGETS as readonly string[]).includes(t.logicalName)) return;
    for (const party of this.byValues("activityparty", "_partyid_value", [id])) {
      if (party[`_partyid_value${LOOKUP_TYPE_KEY}`] === t.logicalName && party.ispartydeleted !== true) {
        this.update("activityparty", party.activitypartyid as string, { ispartydeleted: true });
      }
    }
  }

  /** Deletions of a table's rows with a version above `since`. */
  deletedSince(table: string, since: number): Deletion[] {
    const t = this.table(table);
    return this.deletions.filter(
      (d) => d.version > since && (d.table === t.logicalName || (t.logicalName === "activitypointer" && BY_LOGICAL.get(d.table)?.storage === "activitypointer")),
    );
  }

  /** Target table of a lookup value in a row (polymorphic lookups keep it next to the value). */
  lookupTarget(t: ResolvedTable, row: Row, column: string): string | null {
    const c = t.byColumn.get(column);
    if (!c?.targets) return null;
    const explicit = row[`_${column}_value${LOOKUP_TYPE_KEY}`];
    if (typeof explicit === "string") return explicit;
    return c.targets.length === 1 ? c.targets[0] : null;
  }
}

/**
 * Dataverse keeps `owninguser` / `owningteam` next to `ownerid`: exactly one of them holds the
 * owner, by the owner's type.
 */
export function deriveOwning(t: TableDef, row: Row): void {
  if (!t.columns.some((c) => c.type === "owner")) return;
  const owner = row._ownerid_value;
  const type = row[`_ownerid_value${LOOKUP_TYPE_KEY}`];
  row._owninguser_value = owner != null && type !== "team" ? owner : null;
  row._owningteam_value = owner != null && type === "team" ? owner : null;
}

export class DuplicateKeyError extends Error {
  constructor(
    readonly table: string,
    readonly columns: string[],
  ) {
    super(`A record that has the attribute values ${columns.join(", ")} already exists on table '${table}'.`);
  }
}

/** Formats four 32-bit integers as a GUID (version-4 layout). */
const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => (i + 0x10000).toString(16).slice(1));

/** Formats four 32-bit integers as a GUID (version-4 layout). */
export function guidFromInts(a: number, b: number, c: number, d: number): string {
  // Array.join yields a flat string (string "+" would build a tree of cons strings that costs
  // hundreds of bytes per GUID in a large demo organisation).
  return [
    HEX4[a >>> 16], HEX4[a & 0xffff], "-", HEX4[b >>> 16], "-", HEX4[0x4000 | (b & 0x0fff)], "-",
    HEX4[0x8000 | ((c >>> 16) & 0x3fff)], "-", HEX4[c & 0xffff], HEX4[d >>> 16], HEX4[d & 0xffff],
  ].join("");
}

function randomGuid(): string {
  return randomUUID();
}
export { randomGuid };
