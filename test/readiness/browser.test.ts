/**
 * The AI-readiness page of the Governance Center in headless Chromium, served by the sandbox host
 * against the emulator's demo organisation (audited first): answer the questions, score, see the
 * scorecard, and find the assessment stored. Screenshot: test-artifacts/readiness.png.
 * Skipped only when Chromium is missing and CI is not "true".
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { startSandbox, type SandboxHandle } from "../../sandbox/host";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { runAudit } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import { QUESTIONS } from "../../plugins-ts/readiness/questions";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";
import { seriousAxeViolations } from "../helpers/sandboxHost";
import { gatewayFor } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;

describeBrowser("the AI-readiness page in Chromium", () => {
  let emu: EmulatorHandle;
  let sb: SandboxHandle;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    const [, emulator] = await Promise.all([buildGovernanceCenter(), startEmulator({ data: "demo", size: 600, seed: 5, now: NOW, throttle: false })]);
    emu = emulator;
    const audit = await runAudit({ gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: ["account", "contact", "lead", "opportunity"] }, mode: "full", now: NOW });
    expect(audit.status).toBe("completed");
    sb = await startSandbox({ emulator: emu, port: 0 });
    if (!sb.config.governancePage) throw new Error("the Governance Center bundle was not found after building it");
    browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const q = new URLSearchParams({ orgUrl: sb.url, token: emu.adminToken, hostUrl: sb.url });
    await page.goto(`${sb.url}${sb.config.governancePage.replace(/^\//, "")}?${q.toString()}`);
    await page.getByRole("heading", { level: 1, name: "CRM Vitals Governance Center" }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
    await emu?.close();
  });

  it("answers the self-assessment, shows the scorecard and stores the assessment", async () => {
    await page.getByRole("tab", { name: "AI readiness" }).click();
    const submit = page.getByRole("button", { name: "Score readiness" });
    expect(await submit.isDisabled()).toBe(true);
    for (const [i, q] of QUESTIONS.entries()) {
      await page.getByRole("radiogroup", { name: q.text }).getByRole("radio", { name: i % 3 === 2 ? "Partly" : "Yes" }).check();
    }
    await submit.click();
    const heading = page.getByRole("heading", { name: /^Overall readiness \d+(\.\d)? \/ 100$/ });
    await heading.waitFor({ timeout: 60_000 });
    expect(await page.getByRole("table", { name: "Pillars" }).getByRole("row").count()).toBe(7);
    await page.getByText(/^Predictive opportunity scoring: (ready|not ready) — \d+ won/).waitFor();
    await page.getByText(/^Overall AI readiness is \d+(\.\d)? out of 100/).waitFor();
    const violations = await seriousAxeViolations(page);
    await page.screenshot({ path: join(ARTIFACTS, "readiness.png"), fullPage: true });
    expect(violations).toEqual([]);
    const stored = emu.store.rows("vit_readinessassessment");
    expect(stored).toHaveLength(1);
    const overall = Number(/Overall readiness ([\d.]+)/.exec((await heading.textContent()) ?? "")?.[1]);
    expect(stored[0].vit_overallscore).toBe(overall);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
