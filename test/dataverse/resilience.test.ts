import { DataverseError, normaliseErrorCode, parseErrorBody, parseRetryAfter, toDataverseError } from "../../plugins-ts/dataverse/errors";
import { backoffDelay, RequestExecutor, retryDelay } from "../../plugins-ts/dataverse/resilience";

describe("DataverseError", () => {
  it("parses the documented error body", () => {
    expect(parseErrorBody('{"error":{"code":"0x80072322","message":"Number of requests exceeded"}}')).toEqual({ code: "0x80072322", message: "Number of requests exceeded" });
    expect(parseErrorBody({ error: { code: "-2147015902", message: "x" } })).toEqual({ code: "0x80072322", message: "x" });
    expect(parseErrorBody({ Message: "old shape" })).toEqual({ message: "old shape" });
    expect(parseErrorBody("<html>")).toBeUndefined();
  });

  it("normalises decimal and hex codes", () => {
    expect(normaliseErrorCode(-2147015903)).toBe("0x80072321");
    expect(normaliseErrorCode("0x8004E023")).toBe("0x8004e023");
    expect(normaliseErrorCode("ECONNRESET")).toBe("ECONNRESET");
    expect(normaliseErrorCode("")).toBeUndefined();
  });

  it("wraps a dynamics-web-api RequestError with status, code, headers and the request", () => {
    const raw = Object.assign(new Error("Number of requests exceeded the limit"), { status: 429, code: "0x80072322", headers: { "Retry-After": "7" } });
    const e = toDataverseError(raw, "GET contacts (page 3)");
    expect(e).toBeInstanceOf(DataverseError);
    expect(e.status).toBe(429);
    expect(e.isThrottle).toBe(true);
    expect(e.isTransient).toBe(true);
    expect(e.retryAfterMs()).toBe(7000);
    expect(e.message).toBe("Dataverse GET contacts (page 3) failed (HTTP 429 0x80072322): Number of requests exceeded the limit");
  });

  it("classifies dropped connections as transient and 400s as not", () => {
    expect(toDataverseError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "GET x").isTransient).toBe(true);
    expect(toDataverseError(new Error("socket hang up"), "GET x").isTransient).toBe(true);
    expect(toDataverseError(Object.assign(new TypeError("fetch failed"), { cause: { code: "UND_ERR_SOCKET" } }), "GET x").code).toBe("UND_ERR_SOCKET");
    expect(toDataverseError({ status: 503, message: "busy" }, "GET x").isTransient).toBe(true);
    const bad = toDataverseError({ status: 400, message: '{"error":{"code":"0x80060888","message":"Could not find a property named \'foo\'"}}' }, "GET x");
    expect(bad.isTransient).toBe(false);
    expect(bad.code).toBe("0x80060888");
    expect(bad.serviceMessage).toBe("Could not find a property named 'foo'");
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("retry delays", () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000 };

  it("honours Retry-After exactly, beyond the back-off cap", () => {
    const e = new DataverseError({ status: 429, message: "slow down", headers: { "retry-after": "5" }, request: "GET x" });
    expect(retryDelay(e, 1, opts, () => 0.5)).toBe(5000);
  });

  it("backs off exponentially with jitter and caps the delay", () => {
    const e = new DataverseError({ status: 503, message: "busy", request: "GET x" });
    expect(retryDelay(e, 1, opts, () => 0)).toBe(50);
    expect(retryDelay(e, 1, opts, () => 1)).toBe(100);
    expect(retryDelay(e, 3, opts, () => 1)).toBe(400);
    for (let attempt = 1; attempt < 40; attempt++) {
      const d = backoffDelay(attempt, opts, Math.random);
      expect(d).toBeLessThanOrEqual(1000);
      expect(d).toBeGreaterThanOrEqual(Math.min(1000, 100 * 2 ** (attempt - 1)) / 2);
    }
  });
});

describe("RequestExecutor", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("waits exactly the Retry-After of a 429, then succeeds, and counts it", async () => {
    const exec = new RequestExecutor({ retry: { baseDelayMs: 10, maxDelayMs: 50 }, random: () => 0.5 });
    const waits: number[] = [];
    const exec2 = new RequestExecutor({ retry: { baseDelayMs: 10, maxDelayMs: 50 }, random: () => 0.5, onThrottle: (e) => waits.push(e.waitMs) });
    for (const ex of [exec, exec2]) {
      let calls = 0;
      const p = ex.run("GET contacts", () => {
        calls += 1;
        if (calls === 1) return Promise.reject(Object.assign(new Error("throttled"), { status: 429, headers: { "retry-after": "3" } }));
        return Promise.resolve("ok");
      });
      await jest.advanceTimersByTimeAsync(2999);
      expect(calls).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      await expect(p).resolves.toBe("ok");
      expect(calls).toBe(2);
      expect(ex.stats()).toMatchObject({ requests: 2, retries: 1, throttled: 1, throttleWaitMs: 3000, failures: 0 });
    }
    expect(waits).toEqual([3000]);
  });

  it("retries 503s with capped back-off and gives up after maxAttempts", async () => {
    const delays: number[] = [];
    const exec = new RequestExecutor({ retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 }, random: () => 1, onRetry: (e) => delays.push(e.waitMs) });
    let calls = 0;
    const p = exec.run("GET accounts (page 2)", () => {
      calls += 1;
      return Promise.reject(Object.assign(new Error("Service Unavailable"), { status: 503 }));
    });
    const assertion = expect(p).rejects.toThrow("Dataverse GET accounts (page 2) failed (HTTP 503): Service Unavailable");
    await jest.advanceTimersByTimeAsync(10_000);
    await assertion;
    expect(calls).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
    expect(exec.stats()).toMatchObject({ requests: 4, retries: 3, failures: 1 });
  });

  it("does not retry a 400", async () => {
    const exec = new RequestExecutor();
    let calls = 0;
    await expect(
      exec.run("GET contacts", () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error("bad"), { status: 400 }));
      }),
    ).rejects.toBeInstanceOf(DataverseError);
    expect(calls).toBe(1);
  });

  it("pauses other requests while the service asked to wait", async () => {
    const exec = new RequestExecutor({ random: () => 0 });
    const started: string[] = [];
    let first = true;
    const a = exec.run("A", () => {
      started.push("A");
      if (first) {
        first = false;
        return Promise.reject(Object.assign(new Error("throttled"), { status: 429, headers: { "retry-after": "2" } }));
      }
      return Promise.resolve(1);
    });
    await jest.advanceTimersByTimeAsync(0);
    const b = exec.run("B", () => {
      started.push("B");
      return Promise.resolve(2);
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(started).toEqual(["A"]);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(Promise.all([a, b])).resolves.toEqual([1, 2]);
    expect(started.sort()).toEqual(["A", "A", "B"]);
  });

  it("caps concurrency and refuses a cap at or above the service limit", async () => {
    expect(() => new RequestExecutor({ maxConcurrency: 52 })).toThrow("maxConcurrency 52 must be an integer from 1 to 51");
    const exec = new RequestExecutor({ maxConcurrency: 3 });
    let active = 0;
    let peak = 0;
    const jobs = Array.from({ length: 10 }, () =>
      exec.run("GET", async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 10));
        active -= 1;
      }),
    );
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all(jobs);
    expect(peak).toBe(3);
  });

  it("gives up on a Retry-After longer than allowed", async () => {
    const exec = new RequestExecutor({ retry: { maxRetryAfterMs: 1000 } });
    await expect(exec.run("GET", () => Promise.reject(Object.assign(new Error("wait an hour"), { status: 429, headers: { "retry-after": "3600" } })))).rejects.toThrow("wait an hour");
    expect(exec.stats().requests).toBe(1);
  });
});
