/**
 * Score on screen after navigation, with latency: the sandbox host (production bundle, emulator
 * behind its proxy) with the emulator answering every request `latencyMs` late. For each table,
 * `runs` fresh page loads of a form; measured from just before navigation to the panel's score
 * in its status region. Also counts the panel's Web API requests of the last run (the host page's
 * own read of the record is told apart by its Prefer header). Also from the panel's first Web API
 * request to the score on screen: the part the panel's requests and scoring decide, apart from
 * page and script loading (which on a busy shared machine dominates). And the sequential round
 * trips on the critical path, which load does not change: the longest chain of Web API requests
 * in which each one starts after the one before it has answered (the host page's own read
 * included), from the browser's request and response events.
 */
import { chromium, type Request } from "playwright-core";
import { ensureControlBundle, startSandbox } from "../../sandbox/host";
import { CHROMIUM_ARGS } from "../../test/helpers/panelPage";

export interface LatencyRow {
  table: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median from the panel's first request to the score on screen. */
  panelMedianMs: number;
  panelRequests: number;
  /** Sequential round trips from navigation to the score (last run): the host's read and the panel's. */
  roundTrips: number;
}

/** Longest chain of requests each started after the previous one answered (requests in start order). */
export function sequentialRoundTrips(requests: readonly { start: number; end: number }[]): number {
  const depth: number[] = [];
  requests.forEach((r, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (requests[j].end <= r.start) before = Math.max(before, depth[j]);
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

export async function measureLatency(executablePath: string, opts: { latencyMs: number; runs: number }): Promise<LatencyRow[]> {
  await ensureControlBundle();
  const sb = await startSandbox({ size: 300, seed: 5, now: new Date("2026-06-15T00:00:00Z"), port: 0, throttle: false, activityCapture: false });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const rows: LatencyRow[] = [];
  try {
    sb.emulator.setFaults({ latencyMs: [opts.latencyMs, opts.latencyMs] });
    for (const table of ["account", "contact", "lead", "opportunity"]) {
      const ids = sb.emulator.store.rows(table).filter((r) => r.statecode === 0).slice(0, opts.runs).map((r) => r[`${table}id`] as string);
      const ms: number[] = [];
      const panelMs: number[] = [];
      let panelRequests = 0;
      let roundTrips = 0;
      for (const id of ids) {
        const page = await browser.newPage();
        const prefers: string[] = [];
        const spans = new Map<Request, { start: number; end: number }>();
        let firstPanelRequest = 0;
        page.on("request", (r) => {
          if (!r.url().includes("/api/data/")) return;
          const prefer = r.headers().prefer ?? "";
          prefers.push(prefer);
          spans.set(r, { start: performance.now(), end: Infinity });
          if (!firstPanelRequest && !prefer.includes("OData.Community.Display.V1.FormattedValue")) firstPanelRequest = Date.now();
        });
        const answered = (r: Request) => {
          const span = spans.get(r);
          if (span) span.end = performance.now();
        };
        page.on("requestfinished", answered);
        page.on("requestfailed", answered);
        const t0 = Date.now();
        await page.goto(new URL(`/form?table=${table}&id=${id}&user=admin`, sb.url).href);
        await page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ }).waitFor({ timeout: 60_000 });
        const t1 = Date.now();
        ms.push(t1 - t0);
        panelMs.push(t1 - firstPanelRequest);
        panelRequests = prefers.filter((p) => !p.includes("OData.Community.Display.V1.FormattedValue")).length;
        roundTrips = sequentialRoundTrips([...spans.values()]);
        await page.close();
      }
      const sorted = [...ms].sort((a, b) => a - b);
      const panelSorted = [...panelMs].sort((a, b) => a - b);
      rows.push({ table, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1], panelMedianMs: panelSorted[Math.floor(panelSorted.length / 2)], panelRequests, roundTrips });
    }
  } finally {
    sb.emulator.setFaults(null);
    await browser.close();
    await sb.close();
  }
  return rows;
}
