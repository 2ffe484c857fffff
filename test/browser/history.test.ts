// What `npm start` shows a governance owner on first open, with the demo history on: the
// Governance Center served by the sandbox host has a trend of seven completed audits and waivers
// in every state. Real Chromium against the sandbox host; screenshots in test-artifacts/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureBuild } from "../../sandbox/host/build";
import { startSandbox, type SandboxHandle } from "../../sandbox/host";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";

const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const ARTIFACTS = join(ROOT, "test-artifacts");
const NOW = new Date("2026-11-23T00:00:00Z");

describeBrowser("the sandbox's Governance Center with the demo history", () => {
  let sb: SandboxHandle;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    [sb] = await Promise.all([startSandbox({ size: 300, seed: 4, now: NOW, port: 0, throttle: false, history: true, activityCapture: false }), ensureBuild("governance")]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.clock.setFixedTime(new Date("2026-11-23T09:30:00Z"));
    const owner = sb.emulator.users.find((u) => u.key === "govowner")!;
    const gov = sb.config.governancePage;
    expect(gov).toBe("/webresources/vit_/governance/index.html");
    await page.goto(`${sb.url}${gov!.slice(1)}?orgUrl=${encodeURIComponent(sb.url)}&token=${owner.token}`);
    await page.getByRole("heading", { level: 1, name: "CRM Vitals Governance Center" }).waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  it("shows the trend of seven monthly audits on first open", async () => {
    await page.getByRole("tab", { name: "Results" }).click();
    const chart = page.getByRole("img", { name: "Organisation score over completed audits" });
    await chart.waitFor();
    await page.locator("#trend-desc").filter({ hasText: "7 completed audits" }).waitFor({ state: "attached" });
    expect(await chart.locator("circle").count()).toBe(7);
    const last = sb.emulator.history!.runs[6].overall!;
    expect(await page.getByTestId("org-score").textContent()).toContain(String(last));
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "history-trend.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it("lists waivers in every state", async () => {
    await page.getByRole("tab", { name: "Waivers" }).click();
    const panel = page.getByRole("tabpanel", { name: "Waivers" });
    for (const s of ["Requested", "Approved", "Rejected", "Expired"]) await panel.getByRole("cell", { name: s, exact: true }).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "history-waivers.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
