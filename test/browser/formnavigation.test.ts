/**
 * Moving between records inside the sandbox host, as a rep does all day in Unified Interface (a
 * single-page app): the first form is a full page load from the record list; the next ones are
 * in-page — the record set's "Next record", a lookup link, `Xrm.Navigation.openForm`, the
 * browser's Back. Counted, never timed: each panel shows its own record's score (the engine's
 * score for that record, computed apart from the page), the old control's destroy() ran before the
 * new one's init(), nothing leaks (open BroadcastChannels, window/document listeners, intervals),
 * every open stays at its request limits (host read 1, panel 2 / 1 with the `$batch` first, none
 * refused), and no platform library, bundle or page script is requested again after the first load.
 * Screenshots: test-artifacts/formnav-<step>-<table>.png.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { SandboxHandle } from "../../sandbox/host";
import { ROOT, resxStrings } from "../../sandbox/host/assets";
import { chromiumPath } from "../helpers/panelPage";
import { expectedScore, scoreText, startBrowserSandbox } from "../helpers/sandboxHost";

const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const ARTIFACTS = join(ROOT, "test-artifacts");
const DATA_NOW = new Date("2026-06-15T00:00:00Z");
/** The browser's clock: fixed, so the page and the test score at the same moment. */
const CLOCK = new Date("2026-06-15T09:30:00Z");
/** The panel's HTTP requests per open (as test/browser/formopen.test.ts asserts for a first open). */
const EXPECTED: Record<string, number> = { account: 2, contact: 2, lead: 2, opportunity: 1 };
const FORMATTED = "OData.Community.Display.V1.FormattedValue";

/** In the page before anything runs: counts what a destroyed control could leave behind. */
function countLeaks(): void {
  const w = window as unknown as { __leaks: { channels: number; listeners: number; intervals: number } };
  const leaks = (w.__leaks = { channels: 0, listeners: 0, intervals: 0 });
  const Native = window.BroadcastChannel;
  window.BroadcastChannel = class extends Native {
    private open = true;
    constructor(name: string) {
      super(name);
      leaks.channels++;
    }
    override close(): void {
      if (this.open) leaks.channels--;
      this.open = false;
      super.close();
    }
  };
  // Listeners on window and document, told apart by type and capture as the DOM does.
  for (const target of [window, document]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    const live = new Map<string, Set<unknown>>();
    const key = (type: string, o?: boolean | EventListenerOptions) => `${type}|${o === true || (typeof o === "object" && o.capture === true) ? 1 : 0}`;
    const count = () => {
      leaks.listeners = 0;
      for (const t of [window, document]) for (const set of (t as unknown as { __live?: Map<string, Set<unknown>> }).__live?.values() ?? []) leaks.listeners += set.size;
    };
    (target as unknown as { __live: Map<string, Set<unknown>> }).__live = live;
    target.addEventListener = (type: string, l: EventListenerOrEventListenerObject | null, o?: boolean | AddEventListenerOptions) => {
      if (l && !(typeof o === "object" && o.once)) {
        const k = key(type, o);
        live.set(k, (live.get(k) ?? new Set()).add(l));
        count();
      }
      if (l) add(type, l, o);
    };
    target.removeEventListener = (type: string, l: EventListenerOrEventListenerObject | null, o?: boolean | EventListenerOptions) => {
      live.get(key(type, o))?.delete(l);
      count();
      if (l) remove(type, l, o);
    };
  }
  const setI = window.setInterval.bind(window);
  const clearI = window.clearInterval.bind(window);
  const live = new Set<number>();
  window.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = setI(handler, ms, ...args);
    live.add(id);
    leaks.intervals = live.size;
    return id;
  }) as typeof window.setInterval;
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) live.delete(id);
    leaks.intervals = live.size;
    clearI(id);
  }) as typeof window.clearInterval;
}

/** In the page, once the control's class is loaded: notes every init (with its record) and destroy. */
function traceLifecycle(): void {
  const w = window as unknown as { __lifecycle: string[]; CrmVitals: { RecordVitals: { prototype: { init(c: unknown): void; destroy(): void } } } };
  w.__lifecycle = [];
  const proto = w.CrmVitals.RecordVitals.prototype;
  const init = proto.init;
  const destroy = proto.destroy;
  proto.init = function (this: unknown, context: unknown) {
    w.__lifecycle.push(`init ${(context as { mode: { contextInfo: { entityId: string } } }).mode.contextInfo.entityId}`);
    init.call(this, context);
  };
  proto.destroy = function (this: unknown) {
    w.__lifecycle.push("destroy");
    destroy.call(this);
  };
}

interface Traffic {
  api: { url: string; prefer: string }[];
  refused: string[];
  /** Every non-API request of the form page session, by path. */
  assets: string[];
}

describeBrowser("moving between records in the sandbox host, in-page", () => {
  let sb: SandboxHandle;
  let browser: Browser;
  const strings = resxStrings(1033);

  beforeAll(async () => {
    ({ sb, browser } = await startBrowserSandbox(CHROMIUM, { size: 300, seed: 5, now: DATA_NOW }));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  /** Waits for the panel of record `id` to show that record's own score; screenshots it. */
  async function expectOwnScore(page: Page, table: string, id: string, step: string): Promise<void> {
    const expected = scoreText(strings, await expectedScore(sb, table, id, "admin", CLOCK));
    await page.locator(`[data-vitals-record="${id}"] [role="status"]`).filter({ hasText: expected }).waitFor({ timeout: 30_000 });
    // Whatever would follow the score (a late request, a second scoring) has time to show.
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `formnav-${step}-${table}.png`), fullPage: true });
  }

  function expectOneOpen(t: Traffic, table: string): void {
    const host = t.api.filter((r) => r.prefer.includes(FORMATTED));
    const panel = t.api.filter((r) => !r.prefer.includes(FORMATTED));
    expect({ table, host: host.length, panel: panel.length, refused: t.refused }).toEqual({ table, host: 1, panel: EXPECTED[table], refused: [] });
    expect(new URL(panel[0].url).pathname).toMatch(/\/\$batch$/);
  }

  it("re-renders the form and re-creates the control for each record, without a page load", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    let traffic: Traffic = { api: [], refused: [], assets: [] };
    const documents: string[] = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (r.resourceType() === "document") documents.push(url.pathname);
      if (url.pathname.startsWith("/api/data/")) traffic.api.push({ url: r.url(), prefer: r.headers().prefer ?? "" });
      else traffic.assets.push(url.pathname);
    });
    page.on("response", (r) => {
      if (r.url().includes("/api/data/") && r.status() >= 400) traffic.refused.push(`${r.status()} ${r.url()}`);
    });
    await page.clock.setFixedTime(CLOCK);
    await page.addInitScript(countLeaks);
    const leaks = () => page.evaluate(() => (window as unknown as { __leaks: { channels: number; listeners: number; intervals: number } }).__leaks);

    // The record list (its page of opportunities becomes the form's record set), then a full load of the first one.
    await page.goto(new URL("/?table=opportunity&user=admin", sb.url).href);
    const firstLink = page.locator("tbody a:not(.open-link)").first();
    await firstLink.waitFor();
    const a = new URL((await firstLink.getAttribute("href"))!, sb.url).searchParams.get("id")!;
    traffic = { api: [], refused: [], assets: [] };
    await firstLink.click();
    await expectOwnScore(page, "opportunity", a, "1");
    expectOneOpen(traffic, "opportunity");
    const firstLoadAssets = traffic.assets;
    const afterFirst = await leaks();
    // The panel's channel and the form's side of it, nothing else.
    expect(afterFirst.channels).toBe(2);
    await page.evaluate(traceLifecycle);

    // A → B: the record set's Next record.
    traffic = { api: [], refused: [], assets: [] };
    await page.getByRole("link", { name: /^Next record/ }).click();
    const b = new URL(page.url()).searchParams.get("id")!;
    expect(b).not.toBe(a);
    await expectOwnScore(page, "opportunity", b, "2");
    expectOneOpen(traffic, "opportunity");
    expect(traffic.assets).toEqual([]);
    const afterSecond = await leaks();
    expect(afterSecond.channels).toBe(2);

    // B → C: the opportunity's account, a lookup on the form.
    const c = sb.emulator.store.rows("opportunity").find((r) => r.opportunityid === b)!._parentaccountid_value as string;
    expect(typeof c).toBe("string");
    traffic = { api: [], refused: [], assets: [] };
    await page.locator("#f-parentaccountid a").click();
    await expectOwnScore(page, "account", c, "3");
    expectOneOpen(traffic, "account");
    expect(traffic.assets).toEqual([]);
    expect(new URL(page.url()).searchParams.get("id")).toBe(c);

    // C → D: a form script's Xrm.Navigation.openForm.
    const d = sb.emulator.store.rows("contact").find((r) => r.statecode === 0)!.contactid as string;
    traffic = { api: [], refused: [], assets: [] };
    await page.evaluate((id) => (window as unknown as { Xrm: { Navigation: { openForm(o: object): Promise<unknown> } } }).Xrm.Navigation.openForm({ entityName: "contact", entityId: `{${id.toUpperCase()}}` }), d);
    await expectOwnScore(page, "contact", d, "4");
    expectOneOpen(traffic, "contact");
    expect(traffic.assets).toEqual([]);
    const afterFourth = await leaks();

    // Back: the account's form again, from the URL.
    traffic = { api: [], refused: [], assets: [] };
    await page.goBack();
    await expectOwnScore(page, "account", c, "5");
    expectOneOpen(traffic, "account");
    expect(traffic.assets).toEqual([]);
    const afterBack = await leaks();

    // Each move destroyed the control on screen before a new one was initialised for the new record.
    const lifecycle = await page.evaluate(() => (window as unknown as { __lifecycle: string[] }).__lifecycle);
    expect(lifecycle).toEqual(["destroy", `init ${b}`, "destroy", `init ${c}`, "destroy", `init ${d}`, "destroy", `init ${c}`]);
    // Nothing grows from one record to the next: channels, window/document listeners, intervals.
    expect(afterFourth).toEqual(afterSecond);
    expect(afterBack).toEqual(afterSecond);
    // One document load for the list and one for the first form; every script, library and bundle once.
    expect(documents).toEqual(["/", "/form"]);
    const repeated = firstLoadAssets.filter((p, i) => firstLoadAssets.indexOf(p) !== i);
    expect(repeated).toEqual([]);
    expect(firstLoadAssets).toEqual(expect.arrayContaining(["/lib/react.js", "/lib/react-dom.js", "/lib/fluent.js", "/controls/RecordVitals/bundle.js", "/host/form.js"]));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sends nothing more for a record the user has left: moved on while its first $batch is on the way", async () => {
    const [a, b] = sb.emulator.store.rows("account").filter((r) => r.statecode === 0).slice(5, 7).map((r) => r.accountid as string);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.clock.setFixedTime(CLOCK);
    // Every answer 300 ms late: the user is on the next record before the first one's facts arrive.
    sb.emulator.setFaults({ latencyMs: [300, 300] });
    try {
      const batch = page.waitForRequest((r) => new URL(r.url()).pathname.endsWith("/$batch"));
      await page.goto(new URL(`/form?table=account&id=${a}&user=admin`, sb.url).href);
      await batch;
      const after: { url: string; prefer: string }[] = [];
      page.on("request", (r) => {
        if (r.url().includes("/api/data/")) after.push({ url: r.url(), prefer: r.headers().prefer ?? "" });
      });
      await page.evaluate((id) => (window as unknown as { Xrm: { Navigation: { openForm(o: object): Promise<unknown> } } }).Xrm.Navigation.openForm({ entityName: "account", entityId: id }), b);
      await expectOwnScore(page, "account", b, "6");
      // Longer than one answer takes: the left record's duplicate query would have gone out by now.
      await page.waitForTimeout(800);
      // B's own open only: the form's read, B's $batch and B's duplicate query — nothing for A.
      expectOneOpen({ api: after, refused: [], assets: [] }, "account");
      expect(after).toHaveLength(1 + EXPECTED.account);
      expect(errors).toEqual([]);
    } finally {
      sb.emulator.setFaults(null);
      await page.close();
    }
  });
});
