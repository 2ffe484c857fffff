/**
 * A `WebApiPort` that sends the reads started together as one OData `$batch` (GET requests inside
 * a batch, answered in order; Dataverse takes up to 1,000 — "Execute batch operations using the
 * Web API"). The record panel's loads start the record, its activities, its stage and the Outlook
 * comparison in the same turn of the event loop (./vitalsSource): with this port they cost one
 * HTTP request instead of four. PCF's `context.webAPI` has no batch, so the batch goes over
 * `fetch` to the organisation's Web API root, same-origin, authenticated by the session like every
 * request of a model-driven form.
 *
 * Contract: every call resolves or rejects exactly as the plain port's would — a row, `{ entities,
 * nextLink }`, or an error shaped like PCF's (`errorCode`, `code`, `message`, `status`) so that
 * ./errors and the unknown-column retry read it the same way. A call alone in its turn, a call with
 * a page size, or a table `batchEntitySet` does not know goes through the plain port unchanged.
 *
 * Failure modes: the batch itself fails (network, 4xx/5xx on the `$batch`, an answer that cannot
 * be read) → each of its calls is sent again through the plain port, so the panel degrades to
 * more requests, never to no score. One failed item (403, 400 unknown column) rejects only its
 * own call: the batch asks for `Prefer: odata.continue-on-error`.
 */
import { GAP_TABLE } from "../graph/model";
import { BPF_TABLES, PRIMARY_NAME, pluralise } from "./facts";
import type { WebApiPort, WebApiRow } from "./webApiPort";

/** Tables the panel reads whose entity set is the default plural (test: the gateway's table agrees); others go unbatched. */
const BATCHED_TABLES: ReadonlySet<string> = new Set([...Object.keys(PRIMARY_NAME), ...Object.values(BPF_TABLES).map((b) => b.table), "activitypointer", "environmentvariabledefinition", GAP_TABLE]);

/** The entity set a batch item names for a table, or null: the call is not batched. */
export function batchEntitySet(table: string): string | null {
  return BATCHED_TABLES.has(table) ? pluralise(table) : null;
}

/** The HTTP answer to one `$batch` POST, whatever its status. */
export interface BatchHttpResponse {
  status: number;
  contentType: string;
  body: string;
}

/** POSTs one `$batch` body; rejects only when no answer came (network). */
export type BatchSender = (body: string, contentType: string) => Promise<BatchHttpResponse>;

/** One item's answer out of a batch response. */
export interface BatchItemAnswer {
  status: number;
  body: string;
}

/** A failed batch item: an Error shaped like PCF's WebApi error, so ./errors classifies it. */
export type BatchItemError = Error & { status: number; code: string; errorCode: number };

const batchItemError = (message: string, status: number, code = "", errorCode = status): BatchItemError => Object.assign(new Error(message), { status, code, errorCode });

/** The `$batch` request body: one `application/http` part per GET, absolute URLs (spaces, which
 * would end the request line, as %20 — what fetch does to a single request's URL). */
export function writeBatchBody(urls: readonly string[], boundary: string): string {
  const parts = urls.map(
    (url) =>
      `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n` +
      `GET ${url.replace(/\s/g, (c) => encodeURIComponent(c))} HTTP/1.1\r\nAccept: application/json\r\nPrefer: odata.include-annotations="*"\r\n\r\n`,
  );
  return `${parts.join("")}--${boundary}--\r\n`;
}

/** The items' answers out of a `multipart/mixed` batch response, in order. Throws when it is not one. */
export function readBatchResponse(contentType: string, body: string): BatchItemAnswer[] {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) throw new Error(`the $batch answer is not multipart/mixed (Content-Type: ${contentType || "none"})`);
  const text = body.replace(/\r\n/g, "\n");
  const answers: BatchItemAnswer[] = [];
  for (const part of text.split(`--${boundary}`).slice(1)) {
    if (part.startsWith("--")) break;
    const http = part.indexOf("\nHTTP/1.");
    const status = http >= 0 ? Number(/^HTTP\/1\.[01] (\d{3})/.exec(part.slice(http + 1))?.[1]) : NaN;
    if (!Number.isInteger(status)) throw new Error("a $batch answer part has no HTTP status line");
    const blank = part.indexOf("\n\n", http + 1);
    answers.push({ status, body: blank >= 0 ? part.slice(blank + 2).trim() : "" });
  }
  return answers;
}

function itemError(answer: BatchItemAnswer): BatchItemError {
  let code = "";
  let message = `HTTP ${answer.status}`;
  try {
    const e = (JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code === "string") code = e.code;
    if (typeof e?.message === "string") message = e.message;
  } catch {
    // not a Web API error body: the status says it
  }
  return batchItemError(message, answer.status, code, /^0x[0-9a-f]{8}$/i.test(code) ? parseInt(code, 16) | 0 : answer.status);
}

/** `fetch` to `<apiRoot>$batch`, same-origin credentials (the Dynamics session). */
export function fetchBatchSender(apiRoot: string, fetchImpl?: typeof fetch): BatchSender {
  return async (body, contentType) => {
    // The page's fetch, looked up when a batch is sent (not when the control is made).
    const send = fetchImpl ?? globalThis.fetch;
    const res = await send(`${apiRoot}$batch`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": contentType, Accept: "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0", Prefer: "odata.continue-on-error" },
      body,
    });
    return { status: res.status, contentType: res.headers.get("Content-Type") ?? "", body: await res.text() };
  };
}

interface Queued {
  path: string;
  many: boolean;
  direct: () => PromiseLike<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface BatchingPort extends WebApiPort {
  /** HTTP requests sent so far (a `$batch` counts once). */
  httpRequests(): number;
}

/**
 * The batching port over `api` (single calls, fallback) and `send` (the `$batch`). `apiRoot` is the
 * absolute Web API root the item URLs start with (`https://org.crm.dynamics.com/api/data/v9.2/`).
 */
export function createBatchingPort(api: WebApiPort, send: BatchSender, apiRoot: string): BatchingPort {
  let queue: Queued[] = [];
  let sent = 0;
  const direct = (q: Queued): void => {
    sent++;
    Promise.resolve(q.direct()).then(q.resolve).catch(q.reject);
  };
  const flush = async (): Promise<void> => {
    const items = queue;
    queue = [];
    if (items.length === 1) return direct(items[0]);
    const boundary = `batch_vitals_${Math.random().toString(36).slice(2)}`;
    let answers: BatchItemAnswer[] = [];
    try {
      sent++;
      const res = await send(writeBatchBody(items.map((q) => apiRoot + q.path), boundary), `multipart/mixed; boundary=${boundary}`);
      if (res.status === 200) answers = readBatchResponse(res.contentType, res.body);
    } catch {
      // no answer, or one that is not a batch answer: the same as a refused batch
    }
    // A refused batch, or one that did not answer every request: each call on its own.
    if (answers.length !== items.length) return items.forEach(direct);
    items.forEach((q, i) => {
      const a = answers[i];
      if (a.status >= 400) return q.reject(itemError(a));
      try {
        const row = JSON.parse(a.body) as WebApiRow & { value?: WebApiRow[]; "@odata.nextLink"?: string };
        q.resolve(q.many ? { entities: row.value ?? [], ...(row["@odata.nextLink"] ? { nextLink: row["@odata.nextLink"] } : {}) } : row);
      } catch (err) {
        q.reject(batchItemError(`${q.path}: ${(err as Error).message}`, a.status));
      }
    });
  };
  const enqueue = <T>(path: string | null, many: boolean, plain: () => PromiseLike<T>): Promise<T> => {
    if (path === null) {
      sent++;
      return Promise.resolve(plain());
    }
    return new Promise<T>((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(() => void flush());
      queue.push({ path, many, direct: plain, resolve: resolve as (v: unknown) => void, reject });
    });
  };
  const query = (options: string | undefined): string => (!options ? "" : options.startsWith("?") ? options : `?${options}`);
  return {
    httpRequests: () => sent,
    retrieveRecord(table, id, options) {
      const set = batchEntitySet(table);
      return enqueue(set && `${set}(${id})${query(options)}`, false, () => api.retrieveRecord(table, id, options));
    },
    retrieveMultipleRecords(table, options, maxPageSize) {
      const set = batchEntitySet(table);
      // Paging (a page size, a nextLink passed back as options) stays with the plain port.
      const batchable = set !== null && maxPageSize === undefined && !/^\??https?:/.test(options ?? "");
      return enqueue(batchable ? `${set}${query(options)}` : null, true, () => api.retrieveMultipleRecords(table, options, maxPageSize));
    },
  };
}

/**
 * The Web API root of the organisation a form runs in: `context.page.getClientUrl()` where the
 * platform offers it, else the page's own origin (a model-driven app is served from the org URL).
 */
export function webApiRoot(context: object, origin: string): string {
  let url = origin;
  try {
    url = (context as { page?: { getClientUrl?: () => string } }).page?.getClientUrl?.() || origin;
  } catch {
    // pcf-start's harness has the member but no Xrm behind it: the page's origin
  }
  return `${url.replace(/\/+$/, "")}/api/data/v9.2/`;
}
