/**
 * Score on screen after navigation, with latency: the sandbox host (production bundle, emulator
 * behind its proxy) with the emulator answering every request `latencyMs` late. For each table,
 * `runs` fresh page loads of a form; measured from just before navigation to the panel's score
 * in its status region. Also counts the panel's Web API requests of the last run (the host page's
 * own read of the record is told apart by its Prefer header).
 */
import { chromium } from "playwright-core";
import { ensureControlBundle, startSandbox } from "../../sandbox/host";
import { CHROMIUM_ARGS } from "../../test/helpers/panelPage";

export interface LatencyRow {
  table: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  panelRequests: number;
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
      let panelRequests = 0;
      for (const id of ids) {
        const page = await browser.newPage();
        const prefers: string[] = [];
        page.on("request", (r) => {
          if (r.url().includes("/api/data/")) prefers.push(r.headers().prefer ?? "");
        });
        const t0 = Date.now();
        await page.goto(new URL(`/form?table=${table}&id=${id}&user=admin`, sb.url).href);
        await page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ }).waitFor({ timeout: 60_000 });
        ms.push(Date.now() - t0);
        panelRequests = prefers.filter((p) => !p.includes("OData.Community.Display.V1.FormattedValue")).length;
        await page.close();
      }
      const sorted = [...ms].sort((a, b) => a - b);
      rows.push({ table, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1], panelRequests });
    }
  } finally {
    sb.emulator.setFaults(null);
    await browser.close();
    await sb.close();
  }
  return rows;
}
