/**
 * What every part of the Web API adapter shares: the dynamics-web-api client, the request
 * executor (retries, concurrency cap, statistics), table metadata and the options the caller gave.
 * One connection per gateway; the parts (reads.ts, batches.ts, writes.ts, metadata.ts,
 * coverage.ts) are functions of it.
 *
 * Failure modes: options that cannot work (a server URL that is not one, a token that is neither a
 * function nor null, an API version that is not like 9.2) throw when the connection is made; a
 * token provider that returns nothing fails the request it was asked for.
 */
import { DynamicsWebApi } from "dynamics-web-api";
import { TableInfoCache, type EntityDefinitionRow, type TableInfo } from "../entitysets";
import { DataverseError } from "../errors";
import { DEFAULT_WRITABLE } from "../gateway";
import { DEFAULT_MAX_FILTER_CHARS } from "../requests";
import { RequestExecutor, type RetryEvent, type RetryOptions, type ThrottleEvent } from "../resilience";

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

export interface WebApiConnection {
  client: DynamicsWebApi;
  exec: RequestExecutor;
  /** `<org>/api/data/v9.2/`: nextLinks are followed relative to it. */
  dataApiUrl: string;
  writable: ReadonlyArray<string | RegExp>;
  maxFilterChars: number;
  batchConcurrency: number;
  onProgress?: (e: ProgressEvent) => void;
  /** dynamics-web-api returns (not throws) the error of a GET it turned into a `$batch` (URL > 2,000 chars). */
  unwrap: <T>(value: T) => T;
  tableInfo: (table: string) => Promise<TableInfo>;
  /** A table's attribute names (cached), or null when the table does not exist. */
  attributesOf: (table: string) => Promise<Set<string> | null>;
  /** Fill the caches above from definitions read together (./prefetch.ts); entries already there stay. */
  prime: { tableInfo: (table: string, row: EntityDefinitionRow | null) => void; attributes: (table: string, names: Set<string> | null) => void };
}

function checkOptions(opts: WebApiGatewayOptions): void {
  if (!opts || typeof opts.serverUrl !== "string" || !/^https?:\/\//i.test(opts.serverUrl)) {
    throw new Error(`serverUrl must be the organisation URL (https://<org>.crm.dynamics.com/), got '${String(opts?.serverUrl)}'`);
  }
  if (opts.token !== null && typeof opts.token !== "function") throw new Error("token must be a function returning a bearer token, or null for the browser's Dynamics session");
  if (!/^\d+\.\d+$/.test(opts.apiVersion ?? "9.2")) throw new Error(`apiVersion '${opts.apiVersion}' must look like 9.2`);
}

function createClient(opts: WebApiGatewayOptions, serverUrl: string, apiVersion: string): DynamicsWebApi {
  const tokenProvider = opts.token;
  return new DynamicsWebApi({
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
}

export function createConnection(opts: WebApiGatewayOptions): WebApiConnection {
  checkOptions(opts);
  const apiVersion = opts.apiVersion ?? "9.2";
  const serverUrl = opts.serverUrl.replace(/\/api\/data\/v[\d.]+\/?$/i, "").replace(/\/?$/, "/");
  const exec = new RequestExecutor({ maxConcurrency: opts.maxConcurrency, retry: opts.retry, onThrottle: opts.onThrottle, onRetry: opts.onRetry });
  const client = createClient(opts, serverUrl, apiVersion);
  const unwrap = <T>(value: T): T => {
    if (value instanceof Error) throw value;
    return value;
  };
  const tables = new TableInfoCache(async (logicalName) => {
    try {
      return await exec.run(`GET EntityDefinitions(LogicalName='${logicalName}')`, async () =>
        unwrap(await client.retrieveEntity<EntityDefinitionRow>({ key: `LogicalName='${logicalName}'`, select: ["LogicalName", "EntitySetName", "LogicalCollectionName", "PrimaryIdAttribute"] })),
      );
    } catch (err) {
      if (err instanceof DataverseError && err.status === 404) return null;
      throw err;
    }
  });
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
  return {
    client,
    exec,
    dataApiUrl: `${serverUrl}api/data/v${apiVersion}/`,
    writable: opts.writableTables ?? DEFAULT_WRITABLE,
    maxFilterChars: opts.maxFilterChars ?? DEFAULT_MAX_FILTER_CHARS,
    batchConcurrency: opts.batchConcurrency ?? 2,
    onProgress: opts.onProgress,
    unwrap,
    tableInfo: (t) => tables.get(t),
    attributesOf,
    prime: {
      tableInfo: (t, row) => tables.prime(t, row),
      attributes: (t, names) => {
        if (!attributeCache.has(t.toLowerCase())) attributeCache.set(t.toLowerCase(), Promise.resolve(names));
      },
    },
  };
}
