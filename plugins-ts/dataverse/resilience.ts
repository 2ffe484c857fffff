/**
 * How every request reaches Dataverse: through a concurrency cap (cockatiel bulkhead, always below
 * the service's 52 concurrent requests per user) and a retry policy (cockatiel retry) that retries
 * 429, 502/503/504 and dropped connections. A 429 with `Retry-After` waits exactly that long and
 * pauses every other request of this gateway too (the limit is per user, so they would be throttled
 * as well); without `Retry-After` the wait is capped exponential back-off with jitter.
 */
import { bulkhead, DelegateBackoff, handleWhen, retry, type BulkheadPolicy, type IRetryBackoffContext } from "cockatiel";
import { DataverseError, toDataverseError } from "./errors";

export interface RetryOptions {
  /** Attempts in all (first try included) for 503s and dropped connections. Default 6. */
  maxAttempts: number;
  /** First back-off delay; doubles per attempt. Default 500 ms. */
  baseDelayMs: number;
  /** Cap of the exponential back-off (not of a `Retry-After` the service asks for). Default 30 s. */
  maxDelayMs: number;
  /**
   * Throttled attempts (429) allowed in all. Service protection asks clients to keep waiting as told,
   * so this is larger than `maxAttempts`. Default 30.
   */
  maxThrottleAttempts: number;
  /** A `Retry-After` longer than this is treated as fatal rather than waited out. Default 5 min. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxThrottleAttempts: 30,
  maxRetryAfterMs: 5 * 60_000,
};

/** The service allows 52 concurrent requests per user; stay well below. */
export const SERVICE_CONCURRENCY_LIMIT = 52;
export const DEFAULT_MAX_CONCURRENCY = 8;

export interface GatewayStats {
  /** HTTP requests sent (each retry counts; a `$batch` is one request). */
  requests: number;
  /** Requests sent again after a failure. */
  retries: number;
  /** 429 responses received. */
  throttled: number;
  /** Sum over requests of the time spent waiting because of throttling (ms). */
  throttleWaitMs: number;
  /** Requests that failed for good (after retries, or not retryable). */
  failures: number;
  rowsRead: number;
  rowsWritten: number;
  /** `$batch` requests sent. */
  batches: number;
}

export function emptyStats(): GatewayStats {
  return { requests: 0, retries: 0, throttled: 0, throttleWaitMs: 0, failures: 0, rowsRead: 0, rowsWritten: 0, batches: 0 };
}

/** Capped exponential back-off with "equal jitter": half fixed, half random. Attempt counts from 1. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs">, random: () => number): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/**
 * The wait before the next attempt after `error`: the service's `Retry-After` when present
 * (honoured as given, not capped by `maxDelayMs`), else capped exponential back-off with jitter.
 */
export function retryDelay(
  error: DataverseError,
  attempt: number,
  opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs">,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const asked = error.retryAfterMs(now);
  if (asked !== undefined) return asked;
  return backoffDelay(attempt, opts, random);
}

export interface ThrottleEvent {
  request: string;
  waitMs: number;
  code?: string;
  attempt: number;
}

export interface RetryEvent {
  request: string;
  error: DataverseError;
  waitMs: number;
  attempt: number;
}

export interface ExecutorOptions {
  maxConcurrency?: number;
  retry?: Partial<RetryOptions>;
  onThrottle?: (e: ThrottleEvent) => void;
  onRetry?: (e: RetryEvent) => void;
  /** Injectable for tests. */
  random?: () => number;
  now?: () => number;
}

/** Runs requests with the bulkhead, the retry policy, the shared throttle pause and the stats. */
export class RequestExecutor {
  readonly retryOptions: RetryOptions;
  readonly maxConcurrency: number;
  private readonly bulkhead: BulkheadPolicy;
  private readonly counters = emptyStats();
  private pausedUntil = 0;

  constructor(private readonly opts: ExecutorOptions = {}) {
    const max = opts.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    if (!Number.isInteger(max) || max < 1 || max >= SERVICE_CONCURRENCY_LIMIT) {
      throw new Error(`maxConcurrency ${max} must be an integer from 1 to ${SERVICE_CONCURRENCY_LIMIT - 1} (the service allows ${SERVICE_CONCURRENCY_LIMIT})`);
    }
    this.maxConcurrency = max;
    this.retryOptions = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    const r = this.retryOptions;
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`retry.${k} must be a non-negative number, got ${String(v)}`);
    }
    if (r.maxAttempts < 1 || r.maxThrottleAttempts < 1) throw new Error("retry.maxAttempts and retry.maxThrottleAttempts must be at least 1");
    this.bulkhead = bulkhead(max, Number.MAX_SAFE_INTEGER);
  }

  stats(): GatewayStats {
    return { ...this.counters };
  }

  /** Count rows read or written (the transports call this). */
  count(kind: "rowsRead" | "rowsWritten" | "batches", n: number): void {
    this.counters[kind] += n;
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /**
   * Runs `fn` (one HTTP request) under the policies. `describe` names the request in errors and
   * events ("GET contacts (page 3)"). Resolves with fn's value or rejects with a DataverseError.
   */
  async run<T>(describe: string, fn: () => Promise<T>): Promise<T> {
    const r = this.retryOptions;
    let failures = 0;
    let throttles = 0;
    const giveUp = new WeakSet<Error>();
    const random = this.opts.random ?? Math.random;
    const policy = retry(
      handleWhen((e) => e instanceof DataverseError && e.isTransient && !giveUp.has(e)),
      {
        maxAttempts: r.maxAttempts + r.maxThrottleAttempts,
        backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
          const error = "error" in ctx.result ? (ctx.result.error as DataverseError) : undefined;
          if (!error) return 0;
          const attempt = error.isThrottle ? throttles : failures;
          const wait = retryDelay(error, attempt, r, random, this.now());
          if (error.isThrottle) {
            this.counters.throttleWaitMs += wait;
            this.pausedUntil = Math.max(this.pausedUntil, this.now() + wait);
            this.opts.onThrottle?.({ request: describe, waitMs: wait, code: error.code, attempt });
          }
          this.counters.retries += 1;
          this.opts.onRetry?.({ request: describe, error, waitMs: wait, attempt });
          return wait;
        }),
      },
    );
    try {
      return await policy.execute(async () => {
        const pause = this.pausedUntil - this.now();
        if (pause > 0) {
          // Another request was told to wait: the limit is per user, so this one waits too.
          this.counters.throttleWaitMs += pause;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
        return this.bulkhead.execute(async () => {
          this.counters.requests += 1;
          try {
            return await fn();
          } catch (err) {
            const error = toDataverseError(err, describe);
            if (error.isThrottle) {
              this.counters.throttled += 1;
              throttles += 1;
              const asked = error.retryAfterMs(this.now());
              if (throttles >= r.maxThrottleAttempts || (asked !== undefined && asked > r.maxRetryAfterMs)) giveUp.add(error);
            } else if (error.isTransient) {
              failures += 1;
              if (failures >= r.maxAttempts) giveUp.add(error);
            }
            throw error;
          }
        });
      });
    } catch (err) {
      this.counters.failures += 1;
      throw toDataverseError(err, describe);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
