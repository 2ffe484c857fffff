/**
 * The outcome insight in headless Chromium, against the emulator's demo organisation with a
 * history this test makes: audits run by runAudit at three monthly dates, with deals closing and
 * two deals losing an exit criterion in between, and waivers in every state. Checks what a
 * governance owner sees on the Outcomes tab (in English and German) and the projections on the
 * AI readiness tab, then screenshots them: test-artifacts/insights-outcomes.png,
 * insights-outcomes-de.png, insights-projections.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { startSandbox, type SandboxHandle } from "../../sandbox/host";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { runAudit } from "../../plugins-ts/audit/run";
import { GRADE_OF_VALUE, WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { parseLedger } from "../../plugins-ts/audit/stages";
import { defaultRulePack } from "../../plugins-ts/engine";
import { QUESTIONS } from "../../plugins-ts/readiness/questions";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";
import { seriousAxeViolations } from "../helpers/sandboxHost";
import { gatewayFor } from "../helpers/audit";

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY);
const T0 = new Date(NOW.getTime() - 60 * DAY);
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

describeBrowser("the outcome insight in Chromium", () => {
  let emu: EmulatorHandle;
  let sb: SandboxHandle;
  let browser: Browser;
  let page: Page;
  const planted: { id: string; name: string; criterion: string }[] = [];
  const pageErrors: string[] = [];

  const audit = async (now: Date): Promise<void> => {
    const r = await runAudit({ gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: ["account", "contact", "lead", "opportunity"] }, mode: "full", now });
    expect(r.status).toBe("completed");
  };
  const health = (): Map<string, Record<string, unknown>> => new Map(emu.store.rows("vit_recordhealth").filter((h) => h.vit_table === "opportunity").map((h) => [String(h.vit_recordid), h]));

  /** Closes every k-th open deal; better-graded deals are won more often (the data the chart should show). */
  const closeSome = (at: number, every: number): void => {
    const h = health();
    const open = emu.store.rows("opportunity").filter((o) => o.statecode === 0 && !planted.some((p) => p.id === o.opportunityid));
    open.forEach((o, i) => {
      if (i % every !== 0) return;
      const grade = GRADE_OF_VALUE.get(Number(h.get(String(o.opportunityid))?.vit_grade));
      const won = grade === "A" || grade === "B" ? i % 5 < 3 : i % 4 === 0;
      emu.store.update("opportunity", String(o.opportunityid), { statecode: won ? 1 : 2, statuscode: won ? 3 : 4, actualclosedate: iso(at).slice(0, 10), modifiedon: iso(at) });
    });
  };

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    const [, emulator] = await Promise.all([buildGovernanceCenter(), startEmulator({ data: "demo", size: 900, seed: 7, now: T0, throttle: false })]);
    emu = emulator;
    await audit(T0);
    // Two deals that passed their gate lose a criterion: the decision maker, the budget.
    const gated = [...health().values()].filter((h) => (parseLedger(h.vit_stagehistory as string)?.gate?.i ?? 0) >= 1);
    for (const [i, [column, criterion]] of ([["decisionmaker", "Decision maker identified"], ["budgetamount", "Estimated budget"]] as const).entries()) {
      const id = String(gated[i].vit_recordid);
      const o = emu.store.get("opportunity", id)!;
      emu.store.update("opportunity", id, { [column]: column === "decisionmaker" ? false : null, modifiedon: iso(T0.getTime() + (10 + i) * DAY) });
      planted.push({ id, name: String(o.name), criterion });
    }
    closeSome(T0.getTime() + 20 * DAY, 3);
    await audit(new Date(T0.getTime() + 30 * DAY));
    closeSome(T0.getTime() + 50 * DAY, 2);
    await audit(NOW);
    // Waivers in every state, over the last two months.
    const admin = emu.users.find((u) => u.key === "admin")!.systemuserid;
    const waiver = (i: number, status: keyof typeof WAIVER_STATUS, created: number, decided: number | null, expires: number | null): void =>
      void emu.store.insert("vit_waiver", {
        vit_name: `Waiver ${i}`, vit_table: "contact", vit_recordid: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`, vit_ruleid: i % 2 ? "contact.jobtitle.required" : "contact.email.required",
        vit_reason: "Agreed with the owner", vit_waiverstatus: WAIVER_STATUS[status], statecode: 0, createdon: iso(NOW.getTime() - created * DAY),
        vit_approvedon: decided === null ? null : iso(NOW.getTime() - decided * DAY), vit_expireson: expires === null ? null : iso(NOW.getTime() + expires * DAY),
        _ownerid_value: admin, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      });
    for (let i = 0; i < 6; i++) waiver(i, "approved", 58 - i * 6, 56 - i * 6, i < 2 ? 12 + i : 90);
    waiver(6, "expired", 50, 48, -20);
    waiver(7, "rejected", 40, 37, null);
    waiver(8, "requested", 9, null, null);
    waiver(9, "requested", 3, null, null);
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
    for (const p of planted) {
      const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: p.name }) }).filter({ hasText: p.criterion });
      await row.waitFor({ timeout: 60_000 });
      expect(await row.textContent()).toMatch(/\d{4}-\d{2}-\d{2}$/);
    }
    await page.getByText(/^Closed deals whose data was graded A–B at the first audit that saw the deal open were won at /).waitFor();
    await page.getByRole("img", { name: "Win rate of closed deals by data-health grade, with 95 % intervals" }).waitFor();
    await page.getByRole("img", { name: "Waivers in force and requests waiting for a decision, weekly" }).waitFor();
    // The tables behind the charts hold the same numbers.
    await page.getByText("Show the chart as a table").first().click();
    const abRow = page.getByRole("table", { name: "Win rate of closed deals by data-health grade, with 95 % intervals" }).getByRole("row", { name: /^A–B / });
    expect(await abRow.count()).toBe(1);
    expect(await page.getByRole("table", { name: "Expiring in the next 30 days" }).getByRole("row").count()).toBe(3);
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
