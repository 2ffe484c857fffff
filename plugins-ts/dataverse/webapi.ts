/**
 * The dynamics-web-api adapter of DataverseGateway (Node and browser). dynamics-web-api builds the
 * requests, parses responses and `$batch`es; this module adds what it leaves to the caller:
 * retries with `Retry-After`, a concurrency cap, resumable paging, per-item batch outcomes, the
 * write guard, metadata checks and request statistics.
 */
import { DynamicsWebApi } from "dynamics-web-api";
import type { RelatedFacts } from "../engine/types";
import { fallbackTableInfo, TableInfoCache, type EntityDefinitionRow, type TableInfo } from "./entitysets";
import { AGGREGATE_LIMIT_CODE, DataverseError, DUPLICATE_KEY_CODE, MissingColumnsError, toDataverseError } from "./errors";
import {
  assertWritable,
  cleanRow,
  DEFAULT_WRITABLE,
  ETAG,
  parseCheckpoint,
  queryFingerprint,
  type CoverageOptions,
  type CoverageReport,
  type DataverseGateway,
  type FixWrite,
  type FixWriteOutcome,
  type VersionedRow,
  type FetchRelatedFactsOptions,
  type Row,
  type StreamCheckpoint,
  type StreamTableOptions,
  type TablePage,
  type UpsertOptions,
  type WhoAmI,
  type WriteOptions,
} from "./gateway";
import { fetchRelatedFactsWith, type QueryPort } from "./related";
import {
  alternateKeySegment,
  assertColumn,
  chunkIdsForIn,
  f,
  guid,
  assertPageSize,
  assertTable,
  countFetchXml,
  DEFAULT_MAX_FILTER_CHARS,
  logicalColumn,
  MAX_PAGE_SIZE,
  normaliseGuid,
  toWebApiRequest,
  type Filter,
} from "./requests";
import { mapLimit, RequestExecutor, type GatewayStats, type RetryEvent, type RetryOptions, type ThrottleEvent } from "./resilience";

export interface ProgressEvent {
  kind: "page" | "batch";
  table: string;
  /** Page index (reads) or batch index (writes). */
  index: number;
  /** Rows in this page / items in this batch. */
  rows: number;
  /** Rows read so far in this stream / items done so far in this write. */
  done: number;
}

export interface WebApiGatewayOptions {
  /** Organisation URL, e.g. `https://contoso.crm.dynamics.com/` (the Web API is under `api/data/v<apiVersion>/`). */
  serverUrl: string;
  /** Default "9.2". */
  apiVersion?: string;
  /**
   * Bearer token provider (see ./auth for @azure/identity). Called before each request; cache inside.
   * `null` inside Dynamics 365 (web resources): the browser's session authenticates same-origin
   * calls, and no Authorization header is sent.
   */
  token: (() => Promise<string> | string) | null;
  /** Concurrent requests, 1..51; default 8. */
  maxConcurrency?: number;
  retry?: Partial<RetryOptions>;
  /** Per-request timeout in ms; default 120,000. A timeout counts as a dropped connection. */
  timeoutMs?: number;
  onProgress?: (e: ProgressEvent) => void;
  onThrottle?: (e: ThrottleEvent) => void;
  onRetry?: (e: RetryEvent) => void;
  /** Tables that may be written; default `vit_*`, email, appointment. account/contact/lead/opportunity never. */
  writableTables?: ReadonlyArray<string | RegExp>;
  /** Longest `$filter` (URI-encoded) before ids are split into several queries; default 30,000. */
  maxFilterChars?: number;
  /** Concurrent `$batch` requests of one write call; default 2. */
  batchConcurrency?: number;
}

const DEFAULT_BATCH_SIZE = 1000;

/** The part of a nextLink after the Web API root (`contacts?$select=…&$skiptoken=…`). */
export function relativeNextLink(link: string): string {
  const m = /\/api\/data\/v\d+(?:\.\d+)?\/(.*)$/i.exec(link);
  if (m) return m[1];
  if (/^https?:/i.test(link)) throw new Error(`unexpected @odata.nextLink '${link}' (not under /api/data/v…/)`);
  return link.replace(/^\//, "");
}

interface BatchItem {
  index: number;
  key: string;
  /** Queues the request on a client in batch mode. */
  queue: (client: DynamicsWebApi, collection: string) => Promise<unknown>;
  /** 412 on a repeated create means our earlier attempt created it; 404 on delete means already gone. */
  benign?: (error: DataverseError, repeated: boolean) => boolean;
  id?: string;
  /** Reads the row's new ETag from the item's response (fix writes ask for a representation). */
  etagOf?: (result: unknown) => string | undefined;
}

/** The new ETag in a write's returned representation (writes that need it ask for one). */
function etagOfResult(result: unknown): string | undefined {
  const e = result && typeof result === "object" ? ((result as Record<string, unknown>)["@odata.etag"] ?? (result as Record<string, unknown>).oDataEtag) : undefined;
  return typeof e === "string" ? e : undefined;
}

export function createWebApiGateway(opts: WebApiGatewayOptions): DataverseGateway {
  if (!opts || typeof opts.serverUrl !== "string" || !/^https?:\/\//i.test(opts.serverUrl)) {
    throw new Error(`serverUrl must be the organisation URL (https://<org>.crm.dynamics.com/), got '${String(opts?.serverUrl)}'`);
  }
  if (opts.token !== null && typeof opts.token !== "function") throw new Error("token must be a function returning a bearer token, or null for the browser's Dynamics session");
  const tokenProvider = opts.token;
  const apiVersion = opts.apiVersion ?? "9.2";
  if (!/^\d+\.\d+$/.test(apiVersion)) throw new Error(`apiVersion '${apiVersion}' must look like 9.2`);
  const serverUrl = opts.serverUrl.replace(/\/api\/data\/v[\d.]+\/?$/i, "").replace(/\/?$/, "/");
  const dataApiUrl = `${serverUrl}api/data/v${apiVersion}/`;
  const writable = opts.writableTables ?? DEFAULT_WRITABLE;
  const maxFilterChars = opts.maxFilterChars ?? DEFAULT_MAX_FILTER_CHARS;
  const batchConcurrency = opts.batchConcurrency ?? 2;

  const exec = new RequestExecutor({ maxConcurrency: opts.maxConcurrency, retry: opts.retry, onThrottle: opts.onThrottle, onRetry: opts.onRetry });
  const client = new DynamicsWebApi({
    serverUrl,
    dataApi: { version: apiVersion },
    timeout: opts.timeoutMs ?? 120_000,
    propagateErrors: true,
    // dynamics-web-api sets Authorization only from onTokenRefresh, and only when it is given.
    onTokenRefresh: tokenProvider
      ? async () => {
          const token = await tokenProvider();
          if (typeof token !== "string" || token === "") throw new Error("the token provider returned no bearer token");
          return token;
        }
      : undefined,
  });

  /** dynamics-web-api returns (not throws) the error of a GET it turned into a `$batch` (URL > 2,000 chars). */
  const unwrap = <T>(value: T): T => {
    if (value instanceof Error) throw value;
    return value;
  };

  const tables = new TableInfoCache(async (logicalName) => {
    try {
      return await exec.run(`GET EntityDefinitions(LogicalName='${logicalName}')`, async () =>
        unwrap(
          await client.retrieveEntity<EntityDefinitionRow>({
            key: `LogicalName='${logicalName}'`,
            select: ["LogicalName", "EntitySetName", "LogicalCollectionName", "PrimaryIdAttribute"],
          }),
        ),
      );
    } catch (err) {
      if (err instanceof DataverseError && err.status === 404) return null;
      throw err;
    }
  });
  const tableInfo = (t: string): Promise<TableInfo> => tables.get(t);

  const attributeCache = new Map<string, Promise<Set<string> | null>>();
  const attributesOf = (table: string): Promise<Set<string> | null> => {
    const name = table.toLowerCase();
    let hit = attributeCache.get(name);
    if (!hit) {
      hit = exec
        .run(`GET EntityDefinitions(LogicalName='${name}')/Attributes`, async () =>
          unwrap(await client.retrieveAttributes<{ LogicalName: string }>({ entityKey: `LogicalName='${name}'`, select: ["LogicalName"] })),
        )
        .then(
          (res) => new Set(res.value.map((a) => a.LogicalName.toLowerCase())),
          (err: unknown) => {
            if (err instanceof DataverseError && err.status === 404) return null;
            attributeCache.delete(name);
            throw err;
          },
        );
      attributeCache.set(name, hit);
    }
    return hit;
  };

  const stageNames = new Map<string, string>();

  async function queryPages(
    table: string,
    columns: readonly string[],
    filter: Filter | undefined,
    describe: string,
    onPage: (rows: Array<Record<string, unknown>>) => void,
    annotations?: string,
  ): Promise<void> {
    const info = await tableInfo(table);
    const req = toWebApiRequest({ entitySet: info.entitySetName, columns, filter, pageSize: MAX_PAGE_SIZE });
    let nextLink: string | undefined;
    let page = 0;
    do {
      page += 1;
      const link = nextLink;
      const res = await exec.run(`GET ${info.entitySetName} for ${describe}${page > 1 ? ` (page ${page})` : ""}`, async () =>
        unwrap(await client.retrieveMultiple<Record<string, unknown>>({ ...req, select: [...req.select], ...(annotations ? { includeAnnotations: annotations } : {}) }, link ? dataApiUrl + link : undefined)),
      );
      exec.count("rowsRead", res.value.length);
      onPage(res.value);
      nextLink = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : undefined;
    } while (nextLink);
  }

  /**
   * Several GET requests in one `$batch` (outside change sets). An item that failed transiently makes
   * the whole batch fail, so the executor sends it again (GETs are safe to repeat); other item
   * failures come back as DataverseErrors in their place.
   */
  async function getMany(describe: string, queue: Array<(c: DynamicsWebApi) => Promise<unknown>>): Promise<unknown[]> {
    const results = await exec.run(`POST $batch of ${queue.length} GETs (${describe})`, async () => {
      const c = client.initializeInstance();
      c.startBatch();
      await Promise.all(queue.map((q) => q(c)));
      let res: unknown[];
      try {
        res = (await c.executeBatch({ continueOnError: true, inChangeSet: false })) as unknown[];
      } catch (err) {
        if (Array.isArray(err) && err.length === queue.length) res = err as unknown[];
        else throw err;
      }
      const out = res.map((r, i) => (r instanceof Error ? toDataverseError(r, `${describe}, item ${i + 1} of the $batch`) : r));
      const transient = out.find((r): r is DataverseError => r instanceof DataverseError && r.isTransient);
      if (transient) throw transient;
      return out;
    });
    exec.count("batches", 1);
    return results;
  }

  const port: QueryPort = {
    tableInfo,
    maxFilterChars,
    async queryAllMany(table, columns, filters, describe) {
      const info = await tableInfo(table);
      const reqs = filters.map((filter) => toWebApiRequest({ entitySet: info.entitySetName, columns, filter, pageSize: MAX_PAGE_SIZE }));
      const results = await getMany(`GET ${info.entitySetName} for ${describe}`, reqs.map((req) => (c) => c.retrieveMultiple({ ...req, select: [...req.select] })));
      return Promise.all(
        results.map(async (r, i) => {
          if (r instanceof DataverseError) throw r;
          const res = r as { value: Array<Record<string, unknown>>; oDataNextLink?: string };
          exec.count("rowsRead", res.value.length);
          const rows = [...res.value];
          let nextLink = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : undefined;
          for (let page = 2; nextLink; page++) {
            const link = nextLink;
            const more = await exec.run(`GET ${info.entitySetName} for ${describe}, chunk ${i + 1} (page ${page})`, async () =>
              unwrap(await client.retrieveMultiple<Record<string, unknown>>({ ...reqs[i], select: [...reqs[i].select] }, dataApiUrl + link)),
            );
            exec.count("rowsRead", more.value.length);
            rows.push(...more.value);
            nextLink = more.oDataNextLink ? relativeNextLink(more.oDataNextLink) : undefined;
          }
          return rows;
        }),
      );
    },
    async fetchXmlMany(table, fetchXmls, describe) {
      const info = await tableInfo(table);
      const results = await getMany(`GET ${info.entitySetName}?fetchXml for ${describe}`, fetchXmls.map((fetchXml) => (c) => c.fetch({ collection: info.entitySetName, fetchXml })));
      return results.map((r) => {
        if (r instanceof DataverseError) return r;
        const rows = (r as { value: Array<Record<string, unknown>> }).value;
        exec.count("rowsRead", rows.length);
        return rows;
      });
    },
    async queryAll(table, columns, filter, describe, annotations) {
      const rows: Array<Record<string, unknown>> = [];
      await queryPages(table, columns, filter, describe, (page) => rows.push(...page), annotations);
      return rows;
    },
    async fetchXml(table, fetchXml, describe) {
      const info = await tableInfo(table);
      const res = await exec.run(`GET ${info.entitySetName}?fetchXml (${describe})`, async () =>
        unwrap(await client.fetch<Record<string, unknown>>({ collection: info.entitySetName, fetchXml })),
      );
      exec.count("rowsRead", res.value.length);
      return res.value;
    },
  };

  async function* streamTable(o: StreamTableOptions): AsyncGenerator<TablePage> {
    const table = assertTable(o.table).toLowerCase();
    const asked: readonly string[] | undefined = o.columns;
    if (asked == null || typeof asked.map !== "function") throw new Error(`streamTable ${table}: columns must be an array of column names`);
    const info = await tableInfo(table);
    const pageSize = assertPageSize(o.pageSize ?? MAX_PAGE_SIZE);
    const columns = [...new Set([...asked.map((c) => assertColumn(c)), info.primaryIdAttribute])];
    const orderBy = [...(o.orderBy ?? [])];
    if (!orderBy.some((c) => c.trim().split(/\s+/)[0] === info.primaryIdAttribute)) orderBy.push(info.primaryIdAttribute);
    const req = toWebApiRequest({ entitySet: info.entitySetName, columns, filter: o.filter, orderBy, pageSize });
    const fingerprint = queryFingerprint(JSON.stringify([req.collection, req.select, req.filter ?? "", req.orderBy ?? [], pageSize]));
    let pageIndex = 0;
    let rowsRead = 0;
    let nextLink: string | undefined;
    if (o.resumeFrom !== undefined) {
      const cp = parseCheckpoint(o.resumeFrom, table, fingerprint);
      if (cp.nextLink === null) return;
      nextLink = cp.nextLink;
      pageIndex = cp.pageIndex + 1;
      rowsRead = cp.rowsRead;
    }
    for (;;) {
      if (o.signal?.aborted) throw new Error(`read of ${table} was cancelled after ${rowsRead} rows`);
      const link = nextLink;
      const res = await exec.run(`GET ${info.entitySetName} (page ${pageIndex + 1})`, async () =>
        unwrap(await client.retrieveMultiple<Record<string, unknown>>({ ...req, select: [...req.select], signal: o.signal }, link ? dataApiUrl + link : undefined)),
      );
      const rows = res.value.map(cleanRow);
      exec.count("rowsRead", rows.length);
      rowsRead += rows.length;
      const next = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : null;
      const checkpoint: StreamCheckpoint = { v: 1, table, query: fingerprint, pageIndex, nextLink: next, rowsRead };
      opts.onProgress?.({ kind: "page", table, index: pageIndex, rows: rows.length, done: rowsRead });
      yield { rows, pageIndex, nextLink: next, checkpoint };
      if (next === null) return;
      nextLink = next;
      pageIndex += 1;
    }
  }

  async function runBatches(operation: string, table: string, items: BatchItem[], o: WriteOptions = {}, approvedFix = false): Promise<FixWriteOutcome[]> {
    if (!approvedFix) assertWritable(table, operation, writable);
    const batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error(`batchSize ${batchSize} must be an integer from 1 to 1000 (the $batch limit)`);
    const continueOnError = o.continueOnError ?? true;
    const info = await tableInfo(table);
    const outcomes = new Array<FixWriteOutcome>(items.length);
    const batches: BatchItem[][] = [];
    for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
    let stopped = false;
    let done = 0;
    const maxRounds = exec.retryOptions.maxAttempts;

    await mapLimit(batches, continueOnError ? batchConcurrency : 1, async (batch, b) => {
      let pending = batch;
      let repeated = false;
      for (let round = 1; pending.length && !stopped; round++) {
        if (o.signal?.aborted) break;
        let attempts = 0;
        const describe = `POST $batch (${operation} ${pending.length} ${info.entitySetName} rows, batch ${b + 1}/${batches.length}${round > 1 ? `, round ${round}` : ""})`;
        let results: unknown[];
        try {
          results = await exec.run(describe, async () => {
            attempts += 1;
            const c = client.initializeInstance();
            c.startBatch();
            await Promise.all(pending.map((item) => item.queue(c, info.entitySetName)));
            try {
              return (await c.executeBatch({ continueOnError, inChangeSet: false })) as unknown[];
            } catch (err) {
              // A $batch rejected as a whole with its parts (documented: without continue-on-error the batch
              // answers the status of the first failing item, with the parts up to it): per-item results.
              if (Array.isArray(err) && err.length > 0 && err.length <= pending.length) return err as unknown[];
              throw err;
            }
          });
        } catch (err) {
          const error = toDataverseError(err, describe);
          for (const item of pending) outcomes[item.index] = { index: item.index, key: item.key, ok: false, error: error.withRequest(`${operation} ${table} ${item.key} (${describe})`) };
          if (!continueOnError) stopped = true;
          return;
        }
        exec.count("batches", 1);
        repeated = repeated || attempts > 1;
        const retryNext: BatchItem[] = [];
        pending.forEach((item, i) => {
          const result = results[i];
          if (i >= results.length) {
            const error = new DataverseError({ message: "not processed: an earlier item of the batch failed and continueOnError is off", request: `${operation} ${table} ${item.key}` });
            outcomes[item.index] = { index: item.index, key: item.key, ok: false, error };
            stopped = true;
            return;
          }
          if (result instanceof Error || (Array.isArray(result) && result[0] instanceof Error)) {
            const error = toDataverseError(result, `${operation} ${table} ${item.key} ($batch item ${i + 1} of ${describe})`);
            if (item.benign?.(error, repeated || round > 1)) {
              outcomes[item.index] = { index: item.index, key: item.key, ok: true, ...(item.id ? { id: item.id } : {}) };
            } else if (error.isTransient && round < maxRounds && continueOnError) {
              retryNext.push(item);
            } else {
              outcomes[item.index] = { index: item.index, key: item.key, ok: false, error };
              if (!continueOnError) stopped = true;
            }
            return;
          }
          const id = item.id ?? (typeof result === "string" ? result : undefined);
          const etag = item.etagOf?.(result);
          outcomes[item.index] = { index: item.index, key: item.key, ok: true, ...(id ? { id } : {}), ...(etag ? { etag } : {}) };
          exec.count("rowsWritten", 1);
        });
        done += pending.length - retryNext.length;
        opts.onProgress?.({ kind: "batch", table, index: b, rows: pending.length, done });
        pending = retryNext;
      }
      for (const item of pending) {
        outcomes[item.index] ??= {
          index: item.index,
          key: item.key,
          ok: false,
          error: new DataverseError({ message: o.signal?.aborted ? "cancelled before it was sent" : "not sent: the write stopped at an earlier failure", request: `${operation} ${table} ${item.key}` }),
        };
      }
    });
    for (let i = 0; i < items.length; i++) {
      outcomes[i] ??= {
        index: i,
        key: items[i].key,
        ok: false,
        error: new DataverseError({ message: "not sent: the write stopped at an earlier failure (continueOnError is off)", request: `${operation} ${table} ${items[i].key}` }),
      };
    }
    return outcomes;
  }

  function rowsArg(table: string, rows: readonly Row[], operation: string): void {
    if (!Array.isArray(rows)) throw new Error(`${operation} ${table}: rows must be an array`);
    rows.forEach((r, i) => {
      if (r == null || typeof r !== "object" || Array.isArray(r)) throw new Error(`${operation} ${table}: row ${i} is not an object`);
    });
  }

  async function countReadable(table: string, filter: Filter | undefined): Promise<{ count: number; how: string }> {
    const info = await tableInfo(table);
    if (!filter) {
      try {
        const rows = await port.fetchXml(table, countFetchXml(info.logicalName, info.primaryIdAttribute), `count of ${table}`);
        const n = Number(rows[0]?.count);
        if (Number.isFinite(n)) return { count: n, how: "FetchXML aggregate count" };
      } catch (err) {
        if (!(err instanceof DataverseError) || err.code !== AGGREGATE_LIMIT_CODE) throw err;
      }
    }
    let count = 0;
    await queryPages(table, [info.primaryIdAttribute], filter, `count of ${table}`, (page) => (count += page.length));
    return { count, how: "paging the primary key (5,000 a page)" };
  }

  const gateway: DataverseGateway = {
    adapter: "webapi",

    async whoAmI(): Promise<WhoAmI> {
      const res = await exec.run("GET WhoAmI", async () => unwrap(await client.callFunction<{ UserId: string; BusinessUnitId: string; OrganizationId: string }>({ name: "WhoAmI" })));
      return { userId: res.UserId, businessUnitId: res.BusinessUnitId, organizationId: res.OrganizationId };
    },

    async entitySetName(table) {
      return (await tableInfo(table)).entitySetName;
    },

    async checkColumns(required) {
      const missing: string[] = [];
      const entries = Object.entries(required);
      for (const [table, columns] of entries) {
        assertTable(table);
        if (!Array.isArray(columns)) throw new Error(`checkColumns: the columns of ${table} must be an array of column names`);
      }
      const found = await Promise.all(entries.map(([table]) => attributesOf(table)));
      entries.forEach(([table, columns], i) => {
        const attrs = found[i];
        if (attrs === null) {
          missing.push(`${table} (the table itself)`);
          return;
        }
        for (const c of columns) {
          if (c.startsWith("@")) continue; // related facts, not columns
          if (!attrs.has(logicalColumn(c))) missing.push(`${table}.${c}`);
        }
      });
      if (missing.length) throw new MissingColumnsError([...new Set(missing)]);
    },

    async retrieveRecord(table, id, columns) {
      const info = await tableInfo(table);
      const key = normaliseGuid(id, `${table} id`);
      const select = [...new Set([...columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
      try {
        const row = await exec.run(`GET ${info.entitySetName}(${key})`, async () => unwrap(await client.retrieve<Record<string, unknown>>({ collection: info.entitySetName, key, select })));
        exec.count("rowsRead", 1);
        return cleanRow(row);
      } catch (err) {
        if (err instanceof DataverseError && err.status === 404) return null;
        throw err;
      }
    },

    streamTable,

    fetchRelatedFacts(o: FetchRelatedFactsOptions): Promise<Map<string, RelatedFacts>> {
      return fetchRelatedFactsWith(port, o, stageNames);
    },

    async createMany(table, rows, o) {
      rowsArg(table, rows, "create");
      assertWritable(table, "create", writable);
      const info = await tableInfo(table);
      // Ids are chosen here and sent with If-None-Match: * so a batch repeated after a dropped
      // connection cannot create a row twice (a repeat answers 412 for rows that already exist).
      const items: BatchItem[] = rows.map((row, index) => {
        const given = row[info.primaryIdAttribute];
        const id = typeof given === "string" && given ? normaliseGuid(given, `${table}.${info.primaryIdAttribute}`) : globalThis.crypto.randomUUID();
        return {
          index,
          key: id,
          id,
          queue: (c, collection) => {
            const data: Row = { ...row };
            // Related rows created in the same operation (an email's activity parties) need a POST
            // (deep insert); the id goes in the body and a repeat answers "duplicate key".
            if (Object.values(row).some((v) => Array.isArray(v))) return c.create({ collection, data: { ...data, [info.primaryIdAttribute]: id } });
            delete data[info.primaryIdAttribute];
            // The new row's ETag comes back, so the caller's next update can send If-Match with it.
            return c.upsert({ collection, key: id, data, ifnonematch: "*", returnRepresentation: true, select: [info.primaryIdAttribute] });
          },
          etagOf: etagOfResult,
          benign: (e, repeated) => repeated && (e.status === 412 || e.code === DUPLICATE_KEY_CODE),
        };
      });
      return runBatches("create", table, items, o);
    },

    async updateMany(table, rows, o) {
      rowsArg(table, rows, "update");
      assertWritable(table, "update", writable);
      const info = await tableInfo(table);
      const items: BatchItem[] = rows.map((row, index) => {
        const raw = row[info.primaryIdAttribute];
        if (typeof raw !== "string") throw new Error(`update ${table}: row ${index} has no ${info.primaryIdAttribute}`);
        const id = normaliseGuid(raw, `${table}.${info.primaryIdAttribute} of row ${index}`);
        const data: Row = { ...row };
        delete data[info.primaryIdAttribute];
        // A row read with its version (`@odata.etag`) is updated only if nobody changed it since
        // (412 otherwise); its new version comes back for the next update.
        const etag = row[ETAG];
        delete data[ETAG];
        if (typeof etag === "string") {
          const select = [info.primaryIdAttribute];
          return { index, key: id, id, etagOf: etagOfResult, queue: (c, collection) => c.update({ collection, key: id, data, ifmatch: etag, returnRepresentation: true, select }) };
        }
        return { index, key: id, id, queue: (c, collection) => c.update({ collection, key: id, data, ifmatch: "*" }) };
      });
      return runBatches("update", table, items, o);
    },

    async upsertMany(table, rows, o: UpsertOptions = {}) {
      rowsArg(table, rows, "upsert");
      assertWritable(table, "upsert", writable);
      const info = await tableInfo(table);
      const keyColumns = o.alternateKey ?? [info.primaryIdAttribute];
      const items: BatchItem[] = rows.map((row, index) => {
        let key: string;
        try {
          key = keyColumns.length === 1 && keyColumns[0] === info.primaryIdAttribute ? normaliseGuid(String(row[keyColumns[0]]), `${table}.${keyColumns[0]}`) : alternateKeySegment(row, keyColumns);
        } catch (err) {
          throw new Error(`upsert ${table}: row ${index}: ${(err as Error).message}`);
        }
        return { index, key, queue: (c, collection) => c.upsert({ collection, key, data: { ...row } }) };
      });
      return runBatches("upsert", table, items, o);
    },

    async deleteMany(table, ids, o) {
      assertWritable(table, "delete", writable);
      const items: BatchItem[] = ids.map((raw, index) => {
        const id = normaliseGuid(raw, `${table} id ${index}`);
        return {
          index,
          key: id,
          id,
          queue: (c, collection) => c.deleteRecord({ collection, key: id }),
          // Deleting is idempotent: a row that is already gone is the outcome asked for.
          benign: (e) => e.status === 404,
        };
      });
      return runBatches("delete", table, items, o);
    },

    async readVersioned(table, ids, columns) {
      const info = await tableInfo(table);
      const select = [...new Set([...columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
      const out = new Map<string, VersionedRow>();
      const chunks = chunkIdsForIn(info.primaryIdAttribute, ids, maxFilterChars);
      const pages = port.queryAllMany
        ? await port.queryAllMany(table, select, chunks.map((c) => f.in(info.primaryIdAttribute, c.map(guid))), `${table} rows with their ETags`)
        : await Promise.all(chunks.map((c) => port.queryAll(table, select, f.in(info.primaryIdAttribute, c.map(guid)), `${table} rows with their ETags`)));
      for (const raw of pages.flat()) {
        const etag = raw["@odata.etag"];
        const row = cleanRow(raw);
        const id = row[info.primaryIdAttribute];
        if (typeof id === "string" && typeof etag === "string") out.set(id.toLowerCase(), { row, etag });
      }
      return out;
    },

    async writeFixes(table, writes: readonly FixWrite[], o) {
      const info = await tableInfo(table);
      const etagOf = etagOfResult;
      const items: BatchItem[] = writes.map((w, index) => {
        const id = normaliseGuid(w.id, `${table} id of fix ${index}`);
        if (w.op !== "create" && (typeof w.etag !== "string" || w.etag === "" || w.etag.trim() === "*")) {
          throw new Error(`fix ${index} of ${table} ${id}: an ETag from the preview is required (If-Match: * is never sent)`);
        }
        const select = [info.primaryIdAttribute];
        if (w.op === "update") return { index, key: id, id, etagOf, queue: (c, collection) => c.update({ collection, key: id, data: { ...w.data }, ifmatch: w.etag, returnRepresentation: true, select }) };
        if (w.op === "delete") return { index, key: id, id, queue: (c, collection) => c.deleteRecord({ collection, key: id, ifmatch: w.etag }), benign: (e, repeated) => repeated && e.status === 404 };
        return {
          index,
          key: id,
          id,
          etagOf,
          queue: (c, collection) => c.upsert({ collection, key: id, data: { ...w.data }, ifnonematch: "*", returnRepresentation: true, select }),
          benign: (e, repeated) => repeated && e.status === 412,
        };
      });
      return runBatches("fix", table, items, o, true);
    },

    async coverage(table, filter, o: CoverageOptions = {}): Promise<CoverageReport> {
      const readable = await countReadable(table, filter);
      if (o.privileged) {
        const total = (await o.privileged.coverage(table, filter)).readable;
        return {
          table,
          readable: readable.count,
          total,
          complete: readable.count >= total,
          basis: `caller's rows by ${readable.how}; total from a privileged principal's count`,
        };
      }
      return {
        table,
        readable: readable.count,
        total: null,
        complete: null,
        basis: `caller's rows by ${readable.how}; total unknown: Dataverse counts only rows the caller may read, so rows outside the caller's access cannot be counted without a privileged principal`,
      };
    },

    stats(): GatewayStats {
      return exec.stats();
    },
  };
  return gateway;
}

/** Exposed for tests and docs: the table info used without metadata access. */
export { fallbackTableInfo };
