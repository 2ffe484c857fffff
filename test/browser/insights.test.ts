/**
 * The outcome insight in headless Chromium, on the demo organisation with its past
 * (startEmulator({ history }): seven monthly audits run by the audit code, deals closing, deals
 * sliding back, waivers in every state). Checks what a governance owner sees on the Outcomes tab
 * (in English and German) and the projections on the AI readiness tab, and screenshots them:
 * test-artifacts/insights-outcomes.png, insights-outcomes-de.png, insights-projections.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { generateDemoOrg } from "../../sandbox/demo/generate";
import { planDemoHistory } from "../../sandbox/demo/history";
import { startSandbox, type SandboxHandle } from "../../sandbox/host";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { defaultRulePack } from "../../plugins-ts/engine";
import { QUESTIONS } from "../../plugins-ts/readiness/questions";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";
import { seriousAxeViolations } from "../helpers/sandboxHost";

const NOW = new Date("2026-11-23T00:00:00Z");
const ORG = { size: 600, seed: 5, now: NOW };
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;

describeBrowser("the outcome insight in Chromium", () => {
  let emu: EmulatorHandle;
  let sb: SandboxHandle;
  let browser: Browser;
  let page: Page;
  const slides = planDemoHistory(generateDemoOrg(ORG), ORG.seed).slides;
  const labels = new Map(defaultRulePack().processes!.opportunity.stages.flatMap((s) => s.exitCriteria.map((c) => [c.column, c.label] as const)));
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    const [, emulator] = await Promise.all([buildGovernanceCenter(), startEmulator({ ...ORG, throttle: false, history: true })]);
    emu = emulator;
    sb = await startSandbox({ emulator: emu, port: 0 });
    if (!sb.config.governancePage) throw new Error("the Governance Center bundle was not found after building it");
    browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
    await emu?.close();
  });

  const open = async (lang?: string): Promise<void> => {
    const q = new URLSearchParams({ orgUrl: sb.url, token: emu.adminToken, hostUrl: sb.url, ...(lang ? { lang } : {}) });
    await page.goto(`${sb.url}${sb.config.governancePage!.replace(/^\//, "")}?${q.toString()}`);
    await page.getByRole("heading", { level: 1, name: "CRM Vitals Governance Center" }).waitFor();
  };

  it("shows the planted regressions per owner and stage, outcomes by grade with intervals, and the waiver burn-down", async () => {
    await open();
    await page.getByRole("tab", { name: "Outcomes" }).click();
    expect(slides.length).toBeGreaterThan(0);
    for (const sl of slides) {
      const name = String(emu.store.get("opportunity", sl.id)!.name);
      const row = page.getByRole("row").filter({ has: page.getByRole("link", { name }) }).filter({ hasText: labels.get(sl.column)! });
      await row.waitFor({ timeout: 60_000 });
      expect(await row.textContent()).toContain(sl.on.slice(0, 10));
    }
    await page.getByText(/^Closed deals whose data was graded A–B at the first audit that saw the deal open were won at /).waitFor();
    await page.getByRole("img", { name: "Win rate of closed deals by data-health grade, with 95 % intervals" }).waitFor();
    await page.getByRole("img", { name: "Waivers in force and requests waiting for a decision, weekly" }).waitFor();
    // The tables behind the charts hold the same numbers.
    await page.getByText("Show the chart as a table").first().click();
    const abRow = page.getByRole("table", { name: "Win rate of closed deals by data-health grade, with 95 % intervals" }).getByRole("row", { name: /^A–B / });
    expect(await abRow.count()).toBe(1);
    // The history's waivers: approved ones in force (none expiring within 30 days), requests waiting.
    await page.getByText("No waiver in force expires in the next 30 days.").waitFor();
    expect(await page.getByRole("table", { name: "Open waivers by rule" }).getByRole("row").count()).toBeGreaterThan(1);
    const violations = await seriousAxeViolations(page);
    await page.screenshot({ path: join(ARTIFACTS, "insights-outcomes.png"), fullPage: true });
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it("speaks German when the user's language is German", async () => {
    await open("1031");
    await page.getByRole("tab", { name: "Ergebnisse" }).click();
    await page.getByRole("heading", { name: "Zurückgefallene Phasen" }).waitFor();
    await page.getByText(/^Abgeschlossene Chancen mit Datenqualität A–B bei der ersten Prüfung/).waitFor({ timeout: 60_000 });
    await page.getByRole("img", { name: "Gültige Ausnahmen und Anträge, die auf eine Entscheidung warten, wöchentlich" }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "insights-outcomes-de.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("shows when each AI feature becomes possible on the readiness tab, the projection dashed", async () => {
    await open();
    await page.getByRole("tab", { name: "AI readiness" }).click();
    for (const q of QUESTIONS) await page.getByRole("radiogroup", { name: q.text }).getByRole("radio", { name: "Yes" }).check();
    await page.getByRole("button", { name: "Score readiness" }).click();
    await page.getByRole("heading", { name: "When AI features become possible" }).waitFor({ timeout: 90_000 });
    await page.getByText(/^Predictive opportunity scoring: (eligible now|eligible in about \d+ days at the last 90 days' rate|not at this rate — needs about .+ to be eligible within a year|not eligible yet, and too little history)\.?/).waitFor();
    await page.getByRole("img", { name: "Predictive opportunity scoring: won in the training window" }).waitFor();
    // Three audit dates plus today in the table behind the chart.
    await page.getByRole("img", { name: "Predictive opportunity scoring: won in the training window" }).locator("xpath=ancestor::figure[1]").getByText("Show the chart as a table").click();
    const trend = page.getByRole("table", { name: "Predictive opportunity scoring: won in the training window" });
    expect(await trend.getByRole("row").count()).toBeGreaterThanOrEqual(4);
    await page.getByRole("heading", { name: "When AI features become possible" }).scrollIntoViewIfNeeded();
    const violations = await seriousAxeViolations(page);
    await page.locator("section[aria-labelledby=projection-heading]").screenshot({ path: join(ARTIFACTS, "insights-projections.png") });
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
