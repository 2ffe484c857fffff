/**
 * Service protection API limits (per user, sliding window) and deterministic fault injection.
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { CODES, ODataError } from "./errors";

export interface ThrottleSettings {
  windowMs: number;
  maxRequests: number;
  maxExecutionMs: number;
  maxConcurrent: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { windowMs: 300_000, maxRequests: 6000, maxExecutionMs: 1_200_000, maxConcurrent: 52 };

export interface FaultSettings {
  seed?: number;
  /** Extra latency per request, uniform in [min, max] milliseconds. */
  latencyMs?: [number, number];
  /** Share of requests answered 503 (0..1). */
  error503Rate?: number;
  /** Share of requests whose connection is destroyed without an answer (0..1). */
  dropRate?: number;
  /** Every `every`-th request is answered 429 with Retry-After `retryAfterSeconds`. */
  throttleStorm?: { every: number; retryAfterSeconds: number };
}

interface UserWindow {
  times: number[];
  head: number;
  exec: { t: number; ms: number }[];
  execHead: number;
  execSum: number;
  inflight: number;
}

export class ServiceProtection {
  private settings: ThrottleSettings | null;
  private readonly users = new Map<string, UserWindow>();

  constructor(settings: Partial<ThrottleSettings> | false | undefined) {
    this.settings = null;
    this.set(settings ?? {});
  }

  set(settings: Partial<ThrottleSettings> | false): void {
    if (settings !== false) {
      for (const [k, v] of Object.entries(settings)) {
        if (!(k in DEFAULT_THROTTLE)) throw new Error(`throttle.${k} is not a service protection setting (${Object.keys(DEFAULT_THROTTLE).join(", ")})`);
        if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0)) throw new Error(`throttle.${k} must be a positive number, got ${String(v)}`);
      }
    }
    this.settings = settings === false ? null : { ...DEFAULT_THROTTLE, ...settings };
    this.users.clear();
  }

  private window(userId: string, now: number): UserWindow {
    let w = this.users.get(userId);
    if (!w) this.users.set(userId, (w = { times: [], head: 0, exec: [], execHead: 0, execSum: 0, inflight: 0 }));
    const s = this.settings!;
    while (w.head < w.times.length && w.times[w.head] <= now - s.windowMs) w.head++;
    while (w.execHead < w.exec.length && w.exec[w.execHead].t <= now - s.windowMs) w.execSum -= w.exec[w.execHead++].ms;
    if (w.head > 4096 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head);
      w.head = 0;
    }
    if (w.execHead > 4096 && w.execHead * 2 > w.exec.length) {
      w.exec = w.exec.slice(w.execHead);
      w.execHead = 0;
    }
    return w;
  }

  /**
   * Admits a request or throws the documented 429. The returned function must be called when the
   * request finishes, with its execution time.
   */
  admit(userId: string, now = Date.now()): { done: (execMs: number) => void; headers: Record<string, string> } {
    if (!this.settings) return { done: () => undefined, headers: {} };
    const s = this.settings;
    const w = this.window(userId, now);
    const count = w.times.length - w.head;
    if (count >= s.maxRequests) {
      const retry = Math.max(1, Math.ceil((w.times[w.head] + s.windowMs - now) / 1000));
      throw new ODataError(429, CODES.throttleRequests, `Number of requests exceeded the limit of ${s.maxRequests} over time window of ${s.windowMs / 1000} seconds.`, { "Retry-After": String(retry) });
    }
    if (w.execSum >= s.maxExecutionMs) {
      let sum = w.execSum;
      let i = w.execHead;
      while (i < w.exec.length && sum >= s.maxExecutionMs) sum -= w.exec[i++].ms;
      const until = w.exec[Math.max(w.execHead, i - 1)].t + s.windowMs;
      const retry = Math.max(1, Math.ceil((until - now) / 1000));
      throw new ODataError(
        429, CODES.throttleTime,
        `Combined execution time of incoming requests exceeded limit of ${s.maxExecutionMs} milliseconds over time window of ${s.windowMs / 1000} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        { "Retry-After": String(retry) },
      );
    }
    if (w.inflight >= s.maxConcurrent) {
      throw new ODataError(429, CODES.throttleConcurrency, `Number of concurrent requests exceeded the limit of ${s.maxConcurrent}.`, { "Retry-After": "1" });
    }
    w.times.push(now);
    w.inflight++;
    const headers = {
      "x-ms-ratelimit-burst-remaining-xrm-requests": String(s.maxRequests - count - 1),
      "x-ms-ratelimit-time-remaining-xrm-requests": String(Math.max(0, s.maxExecutionMs - w.execSum)),
    };
    let finished = false;
    return {
      headers,
      done: (execMs: number) => {
        if (finished) return;
        finished = true;
        w.inflight--;
        w.exec.push({ t: Date.now(), ms: execMs });
        w.execSum += execMs;
      },
    };
  }
}

export type FaultDecision = { kind: "ok" | "503" | "drop" | "storm"; latencyMs: number; retryAfterSeconds?: number };

/**
 * Decides, per request in arrival order, whether to delay, fail with 503, drop the connection or
 * throttle. The n-th request after `set` always gets the same decision for the same settings.
 */
export class FaultInjector {
  private settings: FaultSettings | null = null;
  private rng: RandomGenerator | null = null;
  private n = 0;

  constructor(settings: FaultSettings | null | undefined) {
    this.set(settings ?? null);
  }

  set(settings: FaultSettings | null): void {
    for (const [k, v] of Object.entries({ error503Rate: settings?.error503Rate, dropRate: settings?.dropRate })) {
      if (v !== undefined && (typeof v !== "number" || v < 0 || v > 1)) throw new Error(`faults.${k} must be a number between 0 and 1, got ${String(v)}`);
    }
    if (settings?.throttleStorm && (!Number.isInteger(settings.throttleStorm.every) || settings.throttleStorm.every < 1)) {
      throw new Error(`faults.throttleStorm.every must be a whole number ≥ 1, got ${String(settings.throttleStorm.every)}`);
    }
    this.settings = settings;
    this.rng = settings ? xoroshiro128plus((settings.seed ?? 1) >>> 0) : null;
    this.n = 0;
  }

  private float(): number {
    return (this.rng!.next() >>> 0) / 4294967296;
  }

  decide(): FaultDecision {
    const s = this.settings;
    if (!s || !this.rng) return { kind: "ok", latencyMs: 0 };
    this.n++;
    // always draw the same number of values so decisions stay aligned with the request index
    const a = this.float();
    const b = this.float();
    const c = this.float();
    const latencyMs = s.latencyMs ? Math.round(s.latencyMs[0] + c * (s.latencyMs[1] - s.latencyMs[0])) : 0;
    if (s.throttleStorm && this.n % s.throttleStorm.every === 0) return { kind: "storm", latencyMs, retryAfterSeconds: s.throttleStorm.retryAfterSeconds };
    if (s.dropRate && a < s.dropRate) return { kind: "drop", latencyMs };
    if (s.error503Rate && b < s.error503Rate) return { kind: "503", latencyMs };
    return { kind: "ok", latencyMs };
  }
}
