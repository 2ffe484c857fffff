/**
 * Score on screen after navigation, with latency: the sandbox host (production bundle, emulator
 * behind its proxy) with the emulator answering every request `latencyMs` late. Two measures per
 * table:
 *   - first open: `runs` fresh page loads of a form (cold page: platform libraries, the bundle, the
 *     engine libraries, the rule pack's lookup), from navigation start;
 *   - navigation: in one page session (after one full load), `navRuns` in-page moves to other
 *     records of the table by `Xrm.Navigation.openForm`, as a rep moves between records all day in
 *     Unified Interface — from the call (`performance.now()` in the page, just before it).
 * Both end when a MutationObserver sees the awaited record's score in its panel's status region
 * (not Playwright's polling, whose interval would add up to half a second); the requests come from
 * Resource Timing, in the same clock. Also: the panel's Web API requests of the last open (the host
 * page's own read of the record is told apart by its Prefer header); the time from the panel's
 * first request to the score (the part the panel's requests and scoring decide, apart from page and
 * script loading, which on a busy shared machine dominates); and the sequential round trips on the
 * critical path, which load does not change: the longest chain of Web API requests in which each
 * one starts after the one before it has answered (the host page's own read included).
 */
import { chromium, type Page } from "playwright-core";
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


interface NavMark {
  /** The record whose score is awaited. */
  id: string;
  /** performance.now() when the navigation started (0: the page's own navigation). */
  start: number;
  scoredAt?: number;
}

/**
 * In the page, before anything runs: the page-clock time (ms since navigation) the awaited record's
 * score first shows in its panel's status region. The record is `window.__nav.id` (set by an
 * in-page navigation), else the URL's id (a full page load).
 */
function recordScoreTime(): void {
  const w = window as unknown as { __nav?: NavMark };
  performance.setResourceTimingBufferSize(10_000);
  new MutationObserver(() => {
    const nav = (w.__nav ??= { id: new URLSearchParams(location.search).get("id") ?? "", start: 0 });
    if (nav.scoredAt !== undefined) return;
    for (const el of document.querySelectorAll(`[data-vitals-record="${nav.id}"] [role="status"]`)) {
      if (/of 100, grade [A-F]$/.test((el.textContent ?? "").replace(/\s+/g, " ").trim())) nav.scoredAt = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** In the page: an in-page move to another record as a form script makes it, its start noted first. */
function navigateInPage(to: { table: string; id: string }): void {
  const w = window as unknown as { __nav?: NavMark; Xrm: { Navigation: { openForm(o: { entityName: string; entityId: string }): Promise<unknown> } } };
  w.__nav = { id: to.id, start: performance.now() };
  void w.Xrm.Navigation.openForm({ entityName: to.table, entityId: to.id });
}

/** In the page: the awaited score's time and every Web API request started since the navigation (Resource Timing, same clock), in start order. */
function readTimeline(): { start: number; scoredAt: number | null; requests: { url: string; start: number; end: number }[] } {
  const nav = (window as unknown as { __nav?: NavMark }).__nav;
  const since = nav?.start ?? 0;
  const requests = performance
    .getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/data/") && e.startTime >= since)
    .map((e) => ({ url: e.name, start: e.startTime, end: (e as PerformanceResourceTiming).responseEnd }))
    .sort((a, b) => a.start - b.start);
  return { start: since, scoredAt: nav?.scoredAt ?? null, requests };
}

/** One measured open: navigation → score, panel's first request → score, the panel's requests and the round trips. */
interface Open {
  ms: number;
  panelMs: number;
  panelRequests: number;
  roundTrips: number;
}

function measured(what: string, seen: ReturnType<typeof readTimeline>, hostReads: ReadonlySet<string>): Open {
  if (seen.scoredAt === null) throw new Error(`${what}: the score was shown but the page did not record when`);
  const panel = seen.requests.filter((r) => !hostReads.has(r.url));
  return { ms: Math.round(seen.scoredAt - seen.start), panelMs: Math.round(seen.scoredAt - Math.min(...panel.map((r) => r.start))), panelRequests: panel.length, roundTrips: sequentialRoundTrips(seen.requests) };
}

function row(table: string, opens: readonly Open[]): LatencyRow {
  const sorted = opens.map((o) => o.ms).sort((a, b) => a - b);
  const panelSorted = opens.map((o) => o.panelMs).sort((a, b) => a - b);
  const last = opens[opens.length - 1];
  return { table, medianMs: median(sorted), minMs: sorted[0], maxMs: sorted[sorted.length - 1], panelMedianMs: median(panelSorted), panelRequests: last.panelRequests, roundTrips: last.roundTrips };
}

function median(sorted: readonly number[]): number {
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[m] : Math.round((sorted[m - 1] + sorted[m]) / 2);
}

export interface LatencyResult {
  /** First open: a full page load per record (cold page: platform libraries, bundle, rule pack). */
  firstOpen: LatencyRow[];
  /** In-page navigation to another record of the table in the same page session, as a rep moves between records. */
  navigation: LatencyRow[];
}

/**
 * Per table: `runs` fresh page loads (first open), then in one page a full load of one more
 * record followed by `navRuns` in-page moves to other records of the table (`Xrm.Navigation.openForm`).
 */
export async function measureLatency(executablePath: string, opts: { latencyMs: number; runs: number; navRuns: number }): Promise<LatencyResult> {
  await ensureControlBundle();
  const sb = await startSandbox({ size: 300, seed: 5, now: new Date("2026-06-15T00:00:00Z"), port: 0, throttle: false, activityCapture: false });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const out: LatencyResult = { firstOpen: [], navigation: [] };
  const open = async (hostReads: Set<string>) => {
    const page = await browser.newPage();
    page.on("request", (r) => {
      if (r.url().includes("/api/data/") && (r.headers().prefer ?? "").includes("OData.Community.Display.V1.FormattedValue")) hostReads.add(r.url());
    });
    // tsx compiles with keepNames: serialised functions may call esbuild's __name helper.
    await page.addInitScript({ content: "window.__name = (f) => f;" });
    await page.addInitScript(recordScoreTime);
    return page;
  };
  const scored = (page: Page) => page.waitForFunction(() => (window as unknown as { __nav?: NavMark }).__nav?.scoredAt !== undefined, undefined, { timeout: 60_000, polling: 50 });
  try {
    sb.emulator.setFaults({ latencyMs: [opts.latencyMs, opts.latencyMs] });
    for (const table of ["account", "contact", "lead", "opportunity"]) {
      const ids = sb.emulator.store.rows(table).filter((r) => r.statecode === 0).slice(0, opts.runs + 1 + opts.navRuns).map((r) => r[`${table}id`] as string);
      const url = (id: string) => new URL(`/form?table=${table}&id=${id}&user=admin`, sb.url).href;
      const first: Open[] = [];
      for (const id of ids.slice(0, opts.runs)) {
        const hostReads = new Set<string>();
        const page = await open(hostReads);
        await page.goto(url(id));
        await scored(page);
        first.push(measured(`${table} ${id}`, await page.evaluate(readTimeline), hostReads));
        await page.close();
      }
      out.firstOpen.push(row(table, first));
      const hostReads = new Set<string>();
      const page = await open(hostReads);
      await page.goto(url(ids[opts.runs]));
      await scored(page);
      const moves: Open[] = [];
      for (const id of ids.slice(opts.runs + 1)) {
        await page.evaluate(navigateInPage, { table, id });
        await scored(page);
        moves.push(measured(`${table} ${id} (in-page)`, await page.evaluate(readTimeline), hostReads));
      }
      await page.close();
      out.navigation.push(row(table, moves));
    }
  } finally {
    sb.emulator.setFaults(null);
    await browser.close();
    await sb.close();
  }
  return out;
}
