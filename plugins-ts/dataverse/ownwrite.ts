/**
 * Conditional updates: one way to write a row only if it is still at the version the caller read.
 *
 * `updateIfUnchanged` sends the patch with `If-Match` on that version (never `*`) and answers
 * `{ written: true, etag }` with the row's new version, or `{ written: false }` when someone else
 * changed the row since (412). The caller decides what "changed meanwhile" means for it: an audit
 * run taken over, a schedule another runner claimed, a page that must reload.
 *
 * A 412 may also be our own write seen twice: the first attempt went through, its answer was lost
 * with a dropped connection, and the retry found the row at the version the first attempt made.
 * `versionIfOurs` tells the two apart by reading the row back: when every column holds what we
 * wrote, the write is ours and its version is returned; otherwise someone else changed the row.
 *
 * Failure modes: a row that is gone is "not ours" (written: false); any failure other than 412,
 * and read errors, propagate as the gateway's DataverseError. Columns bound by `@odata.bind` are
 * not compared (their lookups read back under another name).
 */
import { DataverseError } from "./errors";
import { ETAG, etagOf, type DataverseGateway, type Row, type Upserts, type WriteOutcome } from "./gateway";

export type ConditionalUpdate = { written: true; etag: string } | { written: false };

function same(wrote: unknown, found: unknown): boolean {
  if (wrote === undefined || wrote === null || wrote === "") return found === undefined || found === null || found === "";
  if (typeof wrote === "number" && typeof found === "number") return Math.abs(wrote - found) < 0.005;
  if (typeof wrote === "string" && typeof found === "string" && wrote !== found) {
    // Dates come back in the platform's format (no milliseconds).
    const a = Date.parse(wrote);
    return /^\d{4}-\d\d-\d\dT/.test(wrote) && !Number.isNaN(a) && a === Date.parse(found);
  }
  return wrote === found;
}

export async function versionIfOurs(gateway: DataverseGateway, table: string, id: string, patch: Row): Promise<string | null> {
  const columns = Object.keys(patch).filter((c) => !c.includes("@"));
  const row = await gateway.retrieveRecord(table, id, [...columns, "versionnumber"]);
  if (!row) return null;
  return columns.every((c) => same(patch[c], row[c])) ? etagOf(row) : null;
}

async function currentVersion(gateway: DataverseGateway, table: string, id: string): Promise<string> {
  const row = await gateway.retrieveRecord(table, id, ["versionnumber"]);
  if (!row) throw new Error(`${table} ${id} was not found after it was updated (deleted meanwhile?)`);
  return etagOf(row);
}

/**
 * Updates `table(id)` with `patch` only if the row is still at `etag`. `primaryId` is the table's
 * primary key column (the gateway's update addresses the row by it).
 */
export async function updateIfUnchanged(gateway: DataverseGateway, table: string, primaryId: string, id: string, patch: Row, etag: string): Promise<ConditionalUpdate> {
  checkVersion(table, id, etag);
  const [res] = await gateway.updateMany(table, [{ ...patch, [primaryId]: id, [ETAG]: etag }], { batchSize: 1 });
  if (!res) throw new Error(`${table} ${id}: the update returned no outcome`);
  return settle(gateway, table, id, patch, res);
}

/**
 * As updateIfUnchanged, with upserts after the update in its `$batch` (gateway.writeFirst): they
 * run only once the update is written. `upserted`: their outcomes, or null when they were not sent
 * with it — the update was refused (written: false), or the 412 was our own write seen twice, and
 * then the caller sends them.
 */
export async function updateIfUnchangedThen(gateway: DataverseGateway, table: string, primaryId: string, id: string, patch: Row, etag: string, then: Upserts): Promise<{ update: ConditionalUpdate; upserted: WriteOutcome[] | null }> {
  checkVersion(table, id, etag);
  const out = await gateway.writeFirst({ op: "update", table, row: { ...patch, [primaryId]: id, [ETAG]: etag } }, { upsert: then });
  const update = await settle(gateway, table, id, patch, out.first);
  return { update, upserted: out.first.ok ? out.upserted : null };
}

function checkVersion(table: string, id: string, etag: string): void {
  if (!etag || etag === "*") throw new Error(`${table} ${id}: a conditional update needs the version that was read, not ${JSON.stringify(etag)}`);
}

/** An update's outcome as a conditional update: written (with the new version), or changed by someone else. */
async function settle(gateway: DataverseGateway, table: string, id: string, patch: Row, res: WriteOutcome): Promise<ConditionalUpdate> {
  if (res.ok) return { written: true, etag: res.etag ?? (await currentVersion(gateway, table, id)) };
  if (!(res.error instanceof DataverseError) || res.error.status !== 412) throw res.error;
  const ours = await versionIfOurs(gateway, table, id, patch);
  return ours === null ? { written: false } : { written: true, etag: ours };
}
