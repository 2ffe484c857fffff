/**
 * Score on screen after navigation, with latency: the sandbox host (production bundle, emulator
 * behind its proxy) with the emulator answering every request `latencyMs` late. For each table,
 * `runs` fresh page loads of a form; measured in the page's own clock, from navigation start to the
 * moment a MutationObserver sees the panel's score in its status region (not by Playwright's
 * polling, whose interval would add up to half a second), the requests from Resource Timing. Also counts the panel's Web API requests of the last run (the host page's
 * own read of the record is told apart by its Prefer header). Also from the panel's first Web API
 * request to the score on screen: the part the panel's requests and scoring decide, apart from
 * page and script loading (which on a busy shared machine dominates). And the sequential round
 * trips on the critical path, which load does not change: the longest chain of Web API requests
 * in which each one starts after the one before it has answered (the host page's own read
 * included), from the browser's request and response events.
 */
import { chromium } from "playwright-core";
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

const SCORE_TEXT = /of 100, grade [A-F]$/;

/** In the page, before anything runs: the page-clock time (ms since navigation) the score first shows in a status region. */
function recordScoreTime(): void {
  const w = window as unknown as { __scoredAt?: number };
  new MutationObserver(() => {
    if (w.__scoredAt !== undefined) return;
    for (const el of document.querySelectorAll('[role="status"]')) {
      if (/of 100, grade [A-F]$/.test((el.textContent ?? "").replace(/\s+/g, " ").trim())) w.__scoredAt = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** In the page: the score's time and every Web API request's start and answer (Resource Timing, same clock), in start order. */
function readTimeline(): { scoredAt: number | null; requests: { url: string; start: number; end: number }[] } {
  const requests = performance
    .getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/data/"))
    .map((e) => ({ url: e.name, start: e.startTime, end: (e as PerformanceResourceTiming).responseEnd }))
    .sort((a, b) => a.start - b.start);
  return { scoredAt: (window as unknown as { __scoredAt?: number }).__scoredAt ?? null, requests };
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
        const hostReads = new Set<string>();
        page.on("request", (r) => {
          if (!r.url().includes("/api/data/")) return;
          const prefer = r.headers().prefer ?? "";
          prefers.push(prefer);
          if (prefer.includes("OData.Community.Display.V1.FormattedValue")) hostReads.add(r.url());
        });
        // tsx compiles with keepNames: serialised functions may call esbuild's __name helper.
        await page.addInitScript({ content: "window.__name = (f) => f;" });
        await page.addInitScript(recordScoreTime);
        await page.goto(new URL(`/form?table=${table}&id=${id}&user=admin`, sb.url).href);
        await page.getByRole("status").filter({ hasText: SCORE_TEXT }).waitFor({ timeout: 60_000 });
        const seen = await page.evaluate(readTimeline);
        if (seen.scoredAt === null) throw new Error(`${table} ${id}: the score was shown but the page did not record when`);
        const panel = seen.requests.filter((r) => !hostReads.has(r.url));
        ms.push(Math.round(seen.scoredAt));
        panelMs.push(Math.round(seen.scoredAt - Math.min(...panel.map((r) => r.start))));
        panelRequests = prefers.filter((p) => !p.includes("OData.Community.Display.V1.FormattedValue")).length;
        roundTrips = sequentialRoundTrips(seen.requests);
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
