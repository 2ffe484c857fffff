/**
 * A form open, counted (never timed): each of the four forms in headless Chromium against the
 * emulator through the sandbox host, with the production panel bundle and the form script. Per
 * open it counts the panel's Web API requests (the host page's own read of the form's record is
 * told apart by its Prefer header, as a form's own read would be), refused requests, and the
 * scorings the panel publishes on the form channel — the form script's only source. Screenshots go
 * to test-artifacts/formopen-<table>.png.
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { SandboxHandle } from "../../sandbox/host";
import { ROOT } from "../../sandbox/host/assets";
import { CHANNEL_NAME } from "../../plugins-ts/client/formChannel";
import { chromiumPath } from "../helpers/panelPage";
import { startBrowserSandbox } from "../helpers/sandboxHost";

const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const ARTIFACTS = join(ROOT, "test-artifacts");
const DATA_NOW = new Date("2026-06-15T00:00:00Z");

/**
 * HTTP requests of the panel per open with the default pack: one `$batch` with the rule pack's
 * lookup (once per page session), the record (owner and parents expanded), its activities and its
 * stage (leads, opportunities) or Outlook comparison (contacts) (1); likely duplicates, which need
 * the record's own values (accounts, contacts, leads) (1). The limit: at most 3, none refused.
 */
const EXPECTED: Record<string, number> = { account: 2, contact: 2, lead: 2, opportunity: 1 };

describeBrowser("a form open in Chromium", () => {
  let sb: SandboxHandle;
  let browser: Browser;

  beforeAll(async () => {
    ({ sb, browser } = await startBrowserSandbox(CHROMIUM, { size: 300, seed: 5, now: DATA_NOW }));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  it.each(["account", "contact", "lead", "opportunity"])("%s: one scoring, no refused request, the panel's requests exactly the round trips its facts need", async (table) => {
    const id = sb.emulator.store.rows(table).find((r) => r.statecode === 0)![`${table}id`] as string;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const requests: { url: string; prefer: string }[] = [];
    const refused: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/data/")) requests.push({ url: r.url(), prefer: r.headers().prefer ?? "" });
    });
    page.on("response", (r) => {
      if (r.url().includes("/api/data/") && r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
    });
    // Listen on the form channel as the form script does, before anything on the page runs.
    await page.addInitScript((name) => {
      const w = window as unknown as { __scorings: number[] };
      w.__scorings = [];
      new BroadcastChannel(name).onmessage = (e: MessageEvent<{ kind?: string; scoring?: number }>) => {
        if (e.data.kind === "scored" && typeof e.data.scoring === "number") w.__scorings.push(e.data.scoring);
      };
    }, CHANNEL_NAME);
    await page.goto(new URL(`/form?table=${table}&id=${id}&user=admin`, sb.url).href);
    await page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ }).waitFor({ timeout: 30_000 });
    // Whatever else would follow the score (a second scoring, a late request) has time to show.
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, `formopen-${table}.png`), fullPage: true });

    const hostReads = requests.filter((r) => r.prefer.includes("OData.Community.Display.V1.FormattedValue"));
    const panel = requests.filter((r) => !hostReads.includes(r));
    expect(hostReads).toHaveLength(1);
    expect(refused).toEqual([]);
    expect(panel).toHaveLength(EXPECTED[table]);
    // The first request is the $batch: the pack's lookup travels with the facts.
    expect(new URL(panel[0].url).pathname).toMatch(/\/\$batch$/);
    expect(await page.evaluate(() => (window as unknown as { __scorings: number[] }).__scorings)).toEqual([1]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
