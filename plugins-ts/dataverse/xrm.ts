/**
 * The PCF `context.webAPI` / `Xrm.WebApi` adapter of DataverseGateway, for reads inside a form
 * (the record panel, the form script). That API has no `$batch`, no metadata queries and no
 * response headers, so:
 *  - writes fall back to one call per row (same outcomes shape, no batching);
 *  - upsert by alternate key looks the row up by its key, then updates or creates it (not atomic:
 *    fine for the panel's single-record writes, use the Web API gateway for bulk work);
 *  - checkColumns needs `getEntityMetadata` (PCF `context.utils.getEntityMetadata` or
 *    `Xrm.Utility.getEntityMetadata`), whoAmI needs the user id from the host.
 */
import type { RelatedFacts } from "../engine/types";
import { fallbackTableInfo, type TableInfo } from "./entitysets";
import { DataverseError, MissingColumnsError, normaliseErrorCode, UnsupportedOperationError } from "./errors";
import {
  assertWritable,
  cleanRow,
  DEFAULT_WRITABLE,
  ETAG,
  parseCheckpoint,
  queryFingerprint,
  type CoverageReport,
  type DataverseGateway,
  type Row,
  type StreamCheckpoint,
  type TablePage,
  type WhoAmI,
  type WriteOutcome,
} from "./gateway";
import { fetchRelatedFactsWith, type QueryPort } from "./related";
import { alternateKeySegment, assertColumn, assertPageSize, countFetchXml, f, logicalColumn, MAX_PAGE_SIZE, normaliseGuid, toQueryString, type Filter } from "./requests";
import { RequestExecutor, type RetryOptions } from "./resilience";

/** The part of ComponentFramework.WebApi / Xrm.WebApi the adapter uses. */
export interface XrmWebApiLike {
  retrieveRecord(entityType: string, id: string, options?: string): PromiseLike<Record<string, unknown>>;
  retrieveMultipleRecords(entityType: string, options?: string, maxPageSize?: number): PromiseLike<{ entities: Array<Record<string, unknown>>; nextLink?: string }>;
  createRecord(entityType: string, data: Record<string, unknown>): PromiseLike<{ id: string }>;
  updateRecord(entityType: string, id: string, data: Record<string, unknown>): PromiseLike<unknown>;
  deleteRecord(entityType: string, id: string): PromiseLike<unknown>;
}

type XrmPage = { entities: Array<Record<string, unknown>>; nextLink?: string };

export interface XrmGatewayOptions {
  /** The signed-in user's id (PCF `context.userSettings.userId`), for whoAmI. */
  userId?: string | (() => string);
  /** `context.utils.getEntityMetadata` / `Xrm.Utility.getEntityMetadata`, for checkColumns and entity set names. */
  getEntityMetadata?: (entityName: string, attributes?: string[]) => PromiseLike<unknown>;
  writableTables?: ReadonlyArray<string | RegExp>;
  /** Concurrent calls; default 4 (a form shares the user's limits with everything else on the page). */
  maxConcurrency?: number;
  retry?: Partial<RetryOptions>;
}

/** Xrm.WebApi rejects with `{ errorCode, message }` (errorCode a signed number) and no status. */
export function xrmError(err: unknown, request: string): DataverseError {
  if (err instanceof DataverseError) return err;
  const e = (err ?? {}) as { errorCode?: unknown; code?: unknown; message?: unknown; status?: unknown };
  const code = normaliseErrorCode(e.errorCode ?? e.code);
  const status =
    typeof e.status === "number"
      ? e.status
      : code === "0x80072322" || code === "0x80072321" || code === "0x80072326"
        ? 429
        : code === "0x80040217"
          ? 404
          : undefined;
  return new DataverseError({ status, code, message: typeof e.message === "string" ? e.message : String(err), request, cause: err });
}

function metadataHasAttribute(metadata: unknown, column: string): boolean | undefined {
  const attrs = (metadata as { Attributes?: unknown } | null)?.Attributes;
  if (attrs == null) return undefined;
  const a = attrs as { get?: (n: string) => unknown; getByName?: (n: string) => unknown; getAll?: () => unknown[] };
  if (typeof a.get === "function") return a.get(column) != null;
  if (typeof a.getByName === "function") return a.getByName(column) != null;
  if (typeof a.getAll === "function") return a.getAll().some((x) => (x as { LogicalName?: string }).LogicalName === column);
  if (Array.isArray(attrs)) return attrs.some((x) => (typeof x === "string" ? x : (x as { LogicalName?: string }).LogicalName) === column);
  return typeof attrs === "object" && column in attrs;
}

function queryOf(link: string): string {
  const q = link.indexOf("?");
  if (q < 0) throw new Error(`unexpected nextLink '${link}' (no query)`);
  return link.slice(q);
}

export function createXrmGateway(webApi: XrmWebApiLike, opts: XrmGatewayOptions = {}): DataverseGateway {
  if (!webApi || typeof webApi.retrieveMultipleRecords !== "function") {
    throw new Error("createXrmGateway needs context.webAPI or Xrm.WebApi (an object with retrieveMultipleRecords, retrieveRecord, createRecord, updateRecord, deleteRecord)");
  }
  const writable = opts.writableTables ?? DEFAULT_WRITABLE;
  const exec = new RequestExecutor({ maxConcurrency: opts.maxConcurrency ?? 4, retry: opts.retry });
  const run = <T>(describe: string, fn: () => PromiseLike<T>): Promise<T> =>
    exec.run(describe, async () => {
      try {
        return await fn();
      } catch (err) {
        throw xrmError(err, describe);
      }
    });

  const infoCache = new Map<string, Promise<TableInfo>>();
  const tableInfo = (table: string): Promise<TableInfo> => {
    const name = table.toLowerCase();
    let hit = infoCache.get(name);
    if (!hit) {
      const fallback = fallbackTableInfo(name);
      hit = opts.getEntityMetadata
        ? Promise.resolve(opts.getEntityMetadata(name, [])).then(
            (m) => {
              const md = m as { EntitySetName?: string; PrimaryIdAttribute?: string } | null;
              return { logicalName: name, entitySetName: md?.EntitySetName || fallback.entitySetName, primaryIdAttribute: md?.PrimaryIdAttribute || fallback.primaryIdAttribute };
            },
            () => fallback,
          )
        : Promise.resolve(fallback);
      infoCache.set(name, hit);
    }
    return hit;
  };

  async function pages(table: string, options: string, pageSize: number, describe: string, onPage: (rows: Array<Record<string, unknown>>, next: string | undefined) => boolean | void): Promise<void> {
    let opt: string | undefined = options;
    let page = 0;
    while (opt !== undefined) {
      page += 1;
      const current: string = opt;
      const res: XrmPage = await run(`retrieveMultipleRecords ${table} (${describe}, page ${page})`, () => webApi.retrieveMultipleRecords(table, current, pageSize));
      exec.count("rowsRead", res.entities.length);
      const stop = onPage(res.entities, res.nextLink);
      opt = res.nextLink && stop !== true ? queryOf(res.nextLink) : undefined;
    }
  }

  const port: QueryPort = {
    tableInfo,
    // Browsers and the form host keep URLs shorter than the service does.
    maxFilterChars: 6000,
    async queryAll(table, columns, filter, describe) {
      const info = await tableInfo(table);
      const rows: Array<Record<string, unknown>> = [];
      await pages(table, toQueryString({ entitySet: info.entitySetName, columns, filter }), MAX_PAGE_SIZE, describe, (p) => {
        rows.push(...p);
      });
      return rows;
    },
    async fetchXml(table, xml, describe) {
      const res = await run(`retrieveMultipleRecords ${table} fetchXml (${describe})`, () => webApi.retrieveMultipleRecords(table, `?fetchXml=${encodeURIComponent(xml)}`));
      exec.count("rowsRead", res.entities.length);
      return res.entities;
    },
  };
  const stageNames = new Map<string, string>();

  async function perItem(operation: string, table: string, count: number, key: (i: number) => string, fn: (i: number) => Promise<{ id?: string }>): Promise<WriteOutcome[]> {
    assertWritable(table, operation, writable);
    return Promise.all(
      Array.from({ length: count }, async (_, i): Promise<WriteOutcome> => {
        try {
          const r = await fn(i);
          exec.count("rowsWritten", 1);
          return { index: i, key: key(i), ok: true, ...(r.id ? { id: r.id } : {}) };
        } catch (err) {
          if (!(err instanceof DataverseError)) throw err;
          return { index: i, key: key(i), ok: false, error: err };
        }
      }),
    );
  }

  const gateway: DataverseGateway = {
    adapter: "xrm",

    async whoAmI(): Promise<WhoAmI> {
      const raw = typeof opts.userId === "function" ? opts.userId() : opts.userId;
      if (!raw) throw new UnsupportedOperationError("The PCF/Xrm gateway", "tell who is signed in", "pass { userId: context.userSettings.userId } to createXrmGateway");
      const userId = normaliseGuid(raw, "userId");
      const user = await run(`retrieveRecord systemuser(${userId})`, () => webApi.retrieveRecord("systemuser", userId, "?$select=_businessunitid_value,_organizationid_value"));
      const text = (v: unknown): string => (typeof v === "string" ? v : "");
      return { userId, businessUnitId: text(user._businessunitid_value), organizationId: text(user._organizationid_value) };
    },

    async entitySetName(table) {
      return (await tableInfo(table)).entitySetName;
    },

    async checkColumns(required) {
      const getMetadata = opts.getEntityMetadata;
      if (!getMetadata) {
        throw new UnsupportedOperationError("The PCF/Xrm gateway", "read table metadata", "pass { getEntityMetadata: context.utils.getEntityMetadata } to createXrmGateway");
      }
      const missing: string[] = [];
      for (const [table, columns] of Object.entries(required)) {
        const names = columns.filter((c) => !c.startsWith("@")).map((c) => ({ asked: c, logical: logicalColumn(c) }));
        let metadata: unknown;
        try {
          metadata = await getMetadata(table, names.map((n) => n.logical));
        } catch {
          missing.push(`${table} (the table itself)`);
          continue;
        }
        for (const n of names) if (metadataHasAttribute(metadata, n.logical) === false) missing.push(`${table}.${n.asked}`);
      }
      if (missing.length) throw new MissingColumnsError(missing);
    },

    async retrieveRecord(table, id, columns) {
      const info = await tableInfo(table);
      const key = normaliseGuid(id, `${table} id`);
      const select = [...new Set([...columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
      try {
        const row = await run(`retrieveRecord ${table}(${key})`, () => webApi.retrieveRecord(table, key, `?$select=${select.join(",")}`));
        exec.count("rowsRead", 1);
        return cleanRow(row);
      } catch (err) {
        if (err instanceof DataverseError && err.status === 404) return null;
        throw err;
      }
    },

    async *streamTable(o): AsyncGenerator<TablePage> {
      const table = o.table.toLowerCase();
      const info = await tableInfo(table);
      const pageSize = assertPageSize(o.pageSize ?? MAX_PAGE_SIZE);
      const columns = [...new Set([...o.columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
      const orderBy = [...(o.orderBy ?? [])];
      if (!orderBy.some((c) => c.trim().split(/\s+/)[0] === info.primaryIdAttribute)) orderBy.push(info.primaryIdAttribute);
      const options = toQueryString({ entitySet: info.entitySetName, columns, filter: o.filter, orderBy });
      const fingerprint = queryFingerprint(JSON.stringify([info.entitySetName, options, pageSize]));
      let pageIndex = 0;
      let rowsRead = 0;
      let next: string | undefined = options;
      if (o.resumeFrom !== undefined) {
        const cp = parseCheckpoint(o.resumeFrom, table, fingerprint);
        if (cp.nextLink === null) return;
        next = queryOf(cp.nextLink);
        pageIndex = cp.pageIndex + 1;
        rowsRead = cp.rowsRead;
      }
      while (next !== undefined) {
        const current: string = next;
        const res: XrmPage = await run(`retrieveMultipleRecords ${table} (page ${pageIndex + 1})`, () => webApi.retrieveMultipleRecords(table, current, pageSize));
        const rows = res.entities.map(cleanRow);
        exec.count("rowsRead", rows.length);
        rowsRead += rows.length;
        const nextLink = res.nextLink ? `${info.entitySetName}${queryOf(res.nextLink)}` : null;
        const checkpoint: StreamCheckpoint = { v: 1, table, query: fingerprint, pageIndex, nextLink, rowsRead };
        yield { rows, pageIndex, nextLink, checkpoint };
        next = res.nextLink ? queryOf(res.nextLink) : undefined;
        pageIndex += 1;
      }
    },

    fetchRelatedFacts(o): Promise<Map<string, RelatedFacts>> {
      return fetchRelatedFactsWith(port, o, stageNames);
    },

    async createMany(table, rows) {
      assertWritable(table, "create", writable);
      const info = await tableInfo(table);
      // The id is chosen here so a call repeated after a dropped response fails on the duplicate
      // key instead of creating the row twice.
      const ids = rows.map((r) => (typeof r[info.primaryIdAttribute] === "string" ? normaliseGuid(r[info.primaryIdAttribute] as string) : globalThis.crypto.randomUUID()));
      return perItem("create", table, rows.length, (i) => ids[i], async (i) => {
        let attempts = 0;
        try {
          await run(`createRecord ${table} ${ids[i]}`, () => {
            attempts += 1;
            return webApi.createRecord(table, { ...rows[i], [info.primaryIdAttribute]: ids[i] });
          });
        } catch (err) {
          // 0x80040237: duplicate key — our own earlier attempt got through.
          if (!(attempts > 1 && err instanceof DataverseError && err.code === "0x80040237")) throw err;
        }
        return { id: ids[i] };
      });
    },

    async updateMany(table, rows) {
      assertWritable(table, "update", writable);
      const info = await tableInfo(table);
      const ids = rows.map((r, i) => normaliseGuid(String(r[info.primaryIdAttribute]), `${table}.${info.primaryIdAttribute} of row ${i}`));
      if (rows.some((r) => r[ETAG] !== undefined)) throw new Error(`update ${table}: Xrm.WebApi.updateRecord cannot send If-Match; use the Web API gateway for updates that expect a version`);
      return perItem("update", table, rows.length, (i) => ids[i], async (i) => {
        const data: Row = { ...rows[i] };
        delete data[info.primaryIdAttribute];
        await run(`updateRecord ${table}(${ids[i]})`, () => webApi.updateRecord(table, ids[i], data));
        return { id: ids[i] };
      });
    },

    async upsertMany(table, rows, o = {}) {
      assertWritable(table, "upsert", writable);
      const info = await tableInfo(table);
      const keyColumns = o.alternateKey ?? [info.primaryIdAttribute];
      const byPrimary = keyColumns.length === 1 && keyColumns[0] === info.primaryIdAttribute;
      const keys = rows.map((r, i) => {
        try {
          return byPrimary ? normaliseGuid(String(r[info.primaryIdAttribute]), `${table}.${info.primaryIdAttribute}`) : alternateKeySegment(r, keyColumns);
        } catch (err) {
          throw new Error(`upsert ${table}: row ${i}: ${(err as Error).message}`);
        }
      });
      return perItem("upsert", table, rows.length, (i) => keys[i], async (i) => {
        const row = rows[i];
        if (byPrimary) {
          // PATCH without If-Match is an upsert by primary key.
          await run(`updateRecord ${table}(${keys[i]})`, () => webApi.updateRecord(table, keys[i], { ...row }));
          return { id: keys[i] };
        }
        const filter = f.and(...keyColumns.map((c) => f.eq(c, row[c] as string | number)));
        const found = await run(`find ${table} by ${keys[i]}`, () => webApi.retrieveMultipleRecords(table, toQueryString({ entitySet: info.entitySetName, columns: [info.primaryIdAttribute], filter, top: 2 })));
        if (found.entities.length > 1) throw new DataverseError({ message: `alternate key ${keys[i]} matches more than one row`, request: `upsert ${table}` });
        const existing = found.entities[0]?.[info.primaryIdAttribute];
        if (typeof existing === "string") {
          await run(`updateRecord ${table}(${existing})`, () => webApi.updateRecord(table, existing, { ...row }));
          return { id: existing };
        }
        const created = await run(`createRecord ${table} ${keys[i]}`, () => webApi.createRecord(table, { ...row }));
        return { id: created.id };
      });
    },

    async deleteMany(table, ids) {
      assertWritable(table, "delete", writable);
      const keys = ids.map((id, i) => normaliseGuid(id, `${table} id ${i}`));
      return perItem("delete", table, keys.length, (i) => keys[i], async (i) => {
        try {
          await run(`deleteRecord ${table}(${keys[i]})`, () => webApi.deleteRecord(table, keys[i]));
        } catch (err) {
          if (!(err instanceof DataverseError && err.status === 404)) throw err;
        }
        return { id: keys[i] };
      });
    },

    async coverage(table, filter?: Filter, o = {}): Promise<CoverageReport> {
      const info = await tableInfo(table);
      let readable: number | undefined;
      let how = "paging the primary key";
      if (!filter) {
        try {
          const rows = await port.fetchXml(table, countFetchXml(info.logicalName, info.primaryIdAttribute), `count of ${table}`);
          const n = Number(rows[0]?.count);
          if (Number.isFinite(n)) {
            readable = n;
            how = "FetchXML aggregate count";
          }
        } catch {
          // aggregate limit or unsupported: count by paging below
        }
      }
      if (readable === undefined) {
        let n = 0;
        await pages(table, toQueryString({ entitySet: info.entitySetName, columns: [info.primaryIdAttribute], filter }), MAX_PAGE_SIZE, `count of ${table}`, (p) => {
          n += p.length;
        });
        readable = n;
      }
      if (o.privileged) {
        const total = (await o.privileged.coverage(table, filter)).readable;
        return { table, readable, total, complete: readable >= total, basis: `caller's rows by ${how}; total from a privileged principal's count` };
      }
      return { table, readable, total: null, complete: null, basis: `caller's rows by ${how}; total unknown without a privileged principal` };
    },

    stats() {
      return exec.stats();
    },
  };
  return gateway;
}
