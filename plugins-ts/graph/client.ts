/**
 * The Microsoft Graph client CRM Vitals uses: `@microsoft/microsoft-graph-client` with its own
 * middleware chain — authentication (a token provider for `https://graph.microsoft.com/.default`),
 * the library's RetryHandler (429/503/504, honouring `Retry-After`, up to 10 retries) and the fetch
 * handler. Paging follows `@odata.nextLink` to the end. Errors become one GraphAccessError that
 * names the permission an admin must grant when consent is missing.
 *
 * The sandbox points the same client at the local stand-in: requests are built for
 * https://graph.microsoft.com exactly as in production, and only the last hop is sent to the
 * loopback address (`route`).
 */
import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";

export const GRAPH_ORIGIN = "https://graph.microsoft.com";
export const GRAPH_SCOPE = `${GRAPH_ORIGIN}/.default`;

/** What each Graph operation needs, as application (headless) and delegated permissions. */
export const PERMISSIONS = {
  mail: { application: "Mail.ReadBasic.All", delegated: "Mail.ReadBasic" },
  calendar: { application: "Calendars.ReadBasic.All", delegated: "Calendars.ReadBasic" },
  send: { application: "Mail.Send", delegated: "Mail.Send" },
} as const;
export type GraphOperation = keyof typeof PERMISSIONS;

export interface GraphClientOptions {
  /** Bearer token for Microsoft Graph (scope https://graph.microsoft.com/.default). */
  token: () => Promise<string>;
  /** Send requests to this origin instead of graph.microsoft.com (the sandbox stand-in, e.g. http://127.0.0.1:5100). */
  route?: string;
  /** Retries per request on 429/503/504 (1..10, default 10); Retry-After is always honoured. */
  maxRetries?: number;
  /** Told each time Graph throttles and the client waits. */
  onThrottle?: (info: { status: number; attempt: number; url: string; retryAfter: string | null }) => void;
}

export interface GraphStats {
  requests: number;
  throttled: number;
  pages: number;
}

/** A Graph failure in words an admin can act on, keeping Graph's status, code and request id. */
export class GraphAccessError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly requestId: string | null,
    /** The permission to grant, when the failure is a missing one. */
    readonly permission?: string,
  ) {
    super(message);
    this.name = "GraphAccessError";
  }
}

/** The last hop: fetch, optionally to another origin (the sandbox), counting requests and throttles. */
class RoutingFetchHandler implements Middleware {
  private readonly plain = new HTTPMessageHandler();
  constructor(
    private readonly route: string | undefined,
    private readonly stats: GraphStats,
  ) {}
  async execute(context: Context): Promise<void> {
    this.stats.requests++;
    if (this.route && typeof context.request === "string" && context.request.startsWith(GRAPH_ORIGIN)) {
      context.request = this.route.replace(/\/$/, "") + context.request.slice(GRAPH_ORIGIN.length);
    }
    await this.plain.execute(context);
    if (context.response?.status === 429) this.stats.throttled++;
  }
}

export interface VitalsGraphClient {
  readonly client: Client;
  /** Every item of a collection, following `@odata.nextLink`. */
  list<T>(path: string, query: Record<string, string>, operation: GraphOperation): Promise<T[]>;
  /** POST with a JSON body (e.g. sendMail). */
  post(path: string, body: unknown, operation: GraphOperation): Promise<void>;
  stats(): GraphStats;
}

/** Graph paths and query values go into the URL; user ids and UPNs must not smuggle path segments. */
export function userSegment(user: string): string {
  if (!user || /[\s/?#\\]/.test(user)) throw new Error(`mailbox '${user}' is not a user id or user principal name`);
  return encodeURIComponent(user);
}

export function createGraphClient(o: GraphClientOptions): VitalsGraphClient {
  const maxRetries = o.maxRetries ?? 10;
  if (!Number.isInteger(maxRetries) || maxRetries < 1 || maxRetries > 10) throw new Error(`maxRetries must be a whole number from 1 to 10, got ${String(o.maxRetries)}`);
  const stats: GraphStats = { requests: 0, throttled: 0, pages: 0 };
  const auth = new AuthenticationHandler({ getAccessToken: () => o.token() });
  const retryOptions = new RetryHandlerOptions(1, maxRetries, (_delay, attempt, request, _options, response) => {
    const url = typeof request === "string" ? request : request.url;
    o.onThrottle?.({ status: response.status, attempt, url, retryAfter: response.headers.get("Retry-After") });
    return true;
  });
  const retry = new RetryHandler(retryOptions);
  const last = new RoutingFetchHandler(o.route, stats);
  auth.setNext(retry);
  retry.setNext(last);
  const client = Client.initWithMiddleware({ middleware: auth, defaultVersion: "v1.0" });

  const relative = (link: string): string => {
    const u = new URL(link);
    return u.pathname.replace(/^\/(v1\.0|beta)(?=\/)/, "") + u.search;
  };

  return {
    client,
    async list<T>(path: string, query: Record<string, string>, operation: GraphOperation): Promise<T[]> {
      const out: T[] = [];
      let request = client.api(path).query(query);
      for (;;) {
        let page: { value?: T[]; "@odata.nextLink"?: string };
        try {
          page = (await request.get()) as typeof page;
        } catch (err) {
          throw explainGraphError(err, operation, path);
        }
        stats.pages++;
        out.push(...(page.value ?? []));
        const next = page["@odata.nextLink"];
        if (!next) return out;
        request = client.api(relative(next));
      }
    },
    async post(path, body, operation) {
      try {
        await client.api(path).post(body);
      } catch (err) {
        throw explainGraphError(err, operation, path);
      }
    },
    stats: () => ({ ...stats }),
  };
}

/** Turns a Graph failure into a GraphAccessError whose message tells the admin what to do. */
export function explainGraphError(err: unknown, operation: GraphOperation, path: string): GraphAccessError {
  if (err instanceof GraphAccessError) return err;
  const ge = err instanceof GraphError ? err : null;
  const status = ge?.statusCode ?? -1;
  const code = ge?.code ?? null;
  const requestId = ge?.requestId ?? null;
  const detail = ge?.message || (err instanceof Error ? err.message : String(err));
  const perm = PERMISSIONS[operation];
  const where = `Microsoft Graph ${path}`;
  if (status === 401) {
    return new GraphAccessError(`${where}: the sign-in was refused (${code ?? "401"}: ${detail}). Check that the token is for ${GRAPH_SCOPE} and has not expired.`, status, code, requestId);
  }
  if (status === 403) {
    return new GraphAccessError(
      `${where}: access denied (${code ?? "403"}). An administrator must grant the Microsoft Graph application permission ${perm.application} ` +
        `(or the delegated permission ${perm.delegated} for a signed-in user) to the app registration and grant admin consent ` +
        `(Microsoft Entra admin center > App registrations > API permissions > Grant admin consent). ` +
        `If an Exchange application access policy limits the app, add this mailbox to its group.`,
      status,
      code,
      requestId,
      perm.application,
    );
  }
  if (status === 404 && code === "MailboxNotEnabledForRESTAPI") {
    return new GraphAccessError(`${where}: this user has no Exchange Online mailbox (${code}); their mail and meetings cannot be compared.`, status, code, requestId);
  }
  if (status === 404) return new GraphAccessError(`${where}: not found (${code ?? "404"}: ${detail}).`, status, code, requestId);
  if (status === 429) {
    return new GraphAccessError(`${where}: Microsoft Graph kept throttling (429) after every retry the client allows; run again later or with fewer mailboxes at once.`, status, code, requestId);
  }
  if (status === -1 && !ge) return new GraphAccessError(`${where}: ${detail}`, status, code, requestId);
  return new GraphAccessError(`${where}: ${status} ${code ?? ""} ${detail}`.replace(/\s+/g, " ").trim(), status, code, requestId);
}
