/**
 * The one error type of the gateway. Every failure that comes back from Dataverse (or from the
 * network on the way to it) becomes a `DataverseError` that says what was asked ("GET contacts,
 * page 3"), what the service answered (HTTP status, the documented `{"error":{"code","message"}}`
 * body) and whether retrying can help.
 */

/** Service-protection error codes (documented), as the hex strings the error body carries. */
export const SERVICE_PROTECTION_CODES: Readonly<Record<string, string>> = {
  "0x80072322": "number of requests exceeded the limit of 6000 over a 5-minute window",
  "0x80072321": "combined execution time exceeded 1200 seconds over a 5-minute window",
  "0x80072326": "number of concurrent requests exceeded the limit of 52",
};

/** FetchXML aggregate over more than 50,000 rows (AggregateQueryRecordLimit exceeded). */
export const AGGREGATE_LIMIT_CODE = "0x8004e023";
/** "A record with matching key values already exists" / "Cannot insert duplicate key". */
export const DUPLICATE_KEY_CODE = "0x80040237";

/** Network failures that mean "the connection dropped": the request may be sent again. */
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TRANSIENT_NETWORK_MESSAGES = [/socket hang up/i, /fetch failed/i, /network error/i, /ECONNRESET/, /terminated/i];

/** HTTP statuses worth another attempt: throttled (429) and temporarily unavailable (502/503/504). */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Normalises an error code to the lowercase `0x…` form: the body may carry `"0x80072322"` or the
 * signed decimal `"-2147015902"`.
 */
export function normaliseErrorCode(code: unknown): string | undefined {
  if (typeof code === "number" && Number.isInteger(code)) {
    return "0x" + (code >>> 0).toString(16).padStart(8, "0");
  }
  if (typeof code !== "string" || code.trim() === "") return undefined;
  const text = code.trim();
  if (/^-?\d+$/.test(text)) return normaliseErrorCode(Number(text));
  if (/^0x[0-9a-f]+$/i.test(text)) return text.toLowerCase();
  return text;
}

export interface DataverseErrorInit {
  /** HTTP status; undefined when no response arrived (dropped connection, DNS, timeout). */
  status?: number;
  /** Error code from the body (normalised `0x…`), or a network code such as ECONNRESET. */
  code?: string;
  /** The service's message (or the network error's). */
  message: string;
  /** Response headers, lowercase names. */
  headers?: Record<string, string>;
  /** What was asked, e.g. `GET contacts (page 3)` or `PATCH vit_recordhealths(…) in $batch item 7`. */
  request: string;
  cause?: unknown;
}

export class DataverseError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly request: string;
  /** The service's own message, without the request description. */
  readonly serviceMessage: string;

  constructor(init: DataverseErrorInit) {
    const statusText = init.status === undefined ? "no response" : `HTTP ${init.status}`;
    const codeText = init.code ? ` ${init.code}` : "";
    super(`Dataverse ${init.request} failed (${statusText}${codeText}): ${init.message}`, { cause: init.cause });
    this.name = "DataverseError";
    this.status = init.status;
    this.code = init.code;
    this.headers = init.headers ?? {};
    this.request = init.request;
    this.serviceMessage = init.message;
  }

  /** 429 or a service-protection code. */
  get isThrottle(): boolean {
    return this.status === 429 || (this.code !== undefined && this.code in SERVICE_PROTECTION_CODES);
  }

  /** A dropped connection or similar: nothing came back. */
  get isNetwork(): boolean {
    return this.status === undefined;
  }

  /** Whether sending the same request again may succeed. */
  get isTransient(): boolean {
    if (this.isThrottle) return true;
    if (this.status !== undefined) return TRANSIENT_STATUSES.has(this.status);
    if (this.code !== undefined && TRANSIENT_NETWORK_CODES.has(this.code)) return true;
    return TRANSIENT_NETWORK_MESSAGES.some((re) => re.test(this.serviceMessage));
  }

  /** The wait the service asked for, in milliseconds (`Retry-After` seconds or HTTP date). */
  retryAfterMs(now: number = Date.now()): number | undefined {
    return parseRetryAfter(this.headers["retry-after"], now);
  }

  /** Same error with a more specific request description (e.g. the row a batch item was for). */
  withRequest(request: string): DataverseError {
    return new DataverseError({
      status: this.status,
      code: this.code,
      message: this.serviceMessage,
      headers: { ...this.headers },
      request,
      cause: this.cause,
    });
  }
}

/** `Retry-After` is delta-seconds (what Dataverse sends) or an HTTP date; returns ms, or undefined. */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers == null || typeof headers !== "object") return out;
  const entries: Iterable<[string, unknown]> =
    typeof (headers as { entries?: unknown }).entries === "function" && !(headers instanceof Array)
      ? (headers as { entries(): Iterable<[string, unknown]> }).entries()
      : Object.entries(headers);
  for (const [k, v] of entries) {
    if (v == null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map((x) => String(x)).join(", ") : typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  }
  return out;
}

/**
 * Parses the documented error body `{"error":{"code":"0x…","message":"…"}}` (also accepts the
 * older `{"Message":"…"}` shape). Returns undefined when the text is not such a body.
 */
export function parseErrorBody(body: unknown): { code?: string; message: string } | undefined {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (value == null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const error = record.error;
  if (error != null && typeof error === "object") {
    const e = error as Record<string, unknown>;
    const message = typeof e.message === "string" ? e.message : JSON.stringify(e);
    return { code: normaliseErrorCode(e.code), message };
  }
  if (typeof record.Message === "string") return { message: record.Message };
  return undefined;
}

/**
 * Turns whatever a transport threw into a `DataverseError`: a dynamics-web-api RequestError
 * (`status`, `code`, `message`, `headers`), a Node network error (`code: "ECONNRESET"`), a fetch
 * failure, or a plain Error.
 */
export function toDataverseError(err: unknown, request: string): DataverseError {
  if (err instanceof DataverseError) return err.request === request ? err : err.withRequest(request);
  if (Array.isArray(err)) {
    // dynamics-web-api rejects a $batch that failed as a whole with the parsed parts.
    const firstError: unknown = err.find((x) => x instanceof Error) ?? err[0];
    return toDataverseError(firstError ?? new Error("empty $batch response"), request);
  }
  if (err != null && typeof err === "object") {
    const e = err as Record<string, unknown>;
    const status = typeof e.status === "number" && e.status > 0 ? e.status : undefined;
    const headers = lowerCaseHeaders(e.headers);
    let message = typeof e.message === "string" && e.message !== "" ? e.message : undefined;
    let code = normaliseErrorCode(e.code);
    if (e.error != null && typeof e.error === "object") {
      // A $batch item's error: dynamics-web-api copies the parsed body onto the Error.
      const parsed = parseErrorBody({ error: e.error });
      if (parsed) {
        message = parsed.message;
        code = parsed.code ?? code;
      }
    } else if (message !== undefined && status !== undefined) {
      // Some transports put the raw body in message.
      const parsed = parseErrorBody(message);
      if (parsed) {
        message = parsed.message;
        code = parsed.code ?? code;
      }
    }
    if (status === undefined && code === undefined && e.cause != null && typeof e.cause === "object") {
      // undici's "fetch failed" keeps the socket error in `cause`.
      const causeCode = (e.cause as { code?: unknown }).code;
      if (typeof causeCode === "string") code = causeCode;
    }
    return new DataverseError({
      status,
      code,
      message: message ?? (typeof e.statusText === "string" && e.statusText ? e.statusText : "unknown error"),
      headers,
      request,
      cause: err,
    });
  }
  return new DataverseError({ message: String(err), request, cause: err });
}

/** Thrown before any request when CRM Vitals is asked to write a table it must never write. */
export class WriteGuardError extends Error {
  constructor(
    readonly table: string,
    readonly operation: string,
  ) {
    super(
      `Refused to ${operation} rows of table '${table}': CRM Vitals writes only its own tables (vit_*) and the ` +
        `activity tables on the write allow-list, never customers' own records.`,
    );
    this.name = "WriteGuardError";
  }
}

/** Thrown by checkColumns: one error naming every column the organisation lacks. */
export class MissingColumnsError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`Rule pack needs columns the organisation does not have: ${missing.join(", ")}`);
    this.name = "MissingColumnsError";
  }
}

/** An operation the adapter cannot perform (e.g. `$batch` through PCF `context.webAPI`). */
export class UnsupportedOperationError extends Error {
  constructor(adapter: string, operation: string, hint: string) {
    super(`${adapter} cannot ${operation}: ${hint}`);
    this.name = "UnsupportedOperationError";
  }
}
