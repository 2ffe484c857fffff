/**
 * Fix plans in the Governance Center, in headless Chromium against the emulator's demo
 * organisation through the sandbox host: preview (counts, before → after samples, an exclusion
 * unticked) → approve → apply with progress, paused and resumed → the result with the score before
 * and after → undo one record, then the whole run. Every claim is checked in the emulator's store:
 * the unticked record is untouched, the applied ones hold the fix, the undone ones their old value.
 * With vit_FixApproverMustDiffer on, the proposer is told to hand the plan on, and a second
 * governance owner opens the downloaded file and may approve it. Screenshots go to test-artifacts/fixplans-*.png.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { startSandbox, type SandboxHandle } from "../../sandbox/host";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { parsePlan } from "../../plugins-ts/fix";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";

const NOW = new Date("2026-06-15T00:00:00Z");
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const PHONE_RULE = "contact.phone.format";

describeBrowser("fix plans in the Governance Center", () => {
  let emu: EmulatorHandle;
  let sb: SandboxHandle;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    const [, emulator] = await Promise.all([buildGovernanceCenter(), startEmulator({ size: 300, seed: 7, now: NOW, port: 0, throttle: false })]);
    emu = emulator;
    sb = await startSandbox({ emulator: emu, port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
    await emu?.close();
  });

  const open = async (userKey: string): Promise<Page> => {
    const user = emu.users.find((u) => u.key === userKey)!;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const q = new URLSearchParams({ orgUrl: sb.url, token: user.token, hostUrl: sb.url });
    await page.goto(`${sb.url}${sb.config.governancePage!.replace(/^\//, "")}?${q.toString()}`);
    await page.getByRole("tab", { name: "Fix plans" }).click();
    // The tab loads on demand (its own chunk): wait until its rules are listed.
    await page.getByRole("group", { name: "Rules with a fix" }).getByRole("checkbox").first().waitFor({ timeout: 30_000 });
    return page;
  };

  /** Unticks every rule with a fix but one. */
  const chooseOnly = async (page: Page, ruleId: string): Promise<void> => {
    const rules = page.getByRole("group", { name: "Rules with a fix" }).getByRole("checkbox");
    for (const box of await rules.all()) {
      const label = await box.evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent ?? "");
      if (!label.includes(`(${ruleId})`) && (await box.isChecked())) await box.uncheck();
    }
  };

  const phoneOf = (id: string): unknown => emu.store.get("contact", id)?.telephone1;

  it("previews, applies with pause and resume, reports the scores, and undoes a record and then the run", async () => {
    const page = await open("admin");
    const admin = emu.users.find((u) => u.key === "admin")!;
    await chooseOnly(page, PHONE_RULE);
    await page.getByRole("button", { name: "Preview fixes" }).click();
    const summary = page.getByText(/^\d[\d,]* fix(es)? on \d[\d,]* records? \(/);
    await summary.waitFor({ timeout: 60_000 });
    const fixes = Number((await summary.textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ""));
    expect(fixes).toBeGreaterThan(3);
    const counts = page.getByRole("table", { name: "Fixes per rule and table" });
    await expect(counts.getByRole("row").filter({ hasText: PHONE_RULE }).textContent()).resolves.toContain("contact");

    // Untick the first sample: that record must stay as it is.
    const samples = page.getByRole("table", { name: `Samples: ${PHONE_RULE}` });
    const firstRow = samples.getByRole("row").nth(1);
    const excludedName = (await firstRow.getByRole("checkbox").getAttribute("aria-label"))!.replace(/^Include the fix of /, "");
    const excluded = emu.store.rows("contact").find((r) => r.fullname === excludedName)!;
    const excludedPhone = excluded.telephone1;
    await firstRow.getByRole("checkbox").uncheck();
    await page.screenshot({ path: join(ARTIFACTS, "fixplans-preview.png"), fullPage: true });

    // Slow the writes down so the job can be paused between its steps.
    await page.route("**/$batch", async (route) => {
      await new Promise((r) => setTimeout(r, 150));
      await route.continue();
    });
    await page.getByRole("button", { name: `Approve and apply ${(fixes - 1).toLocaleString("en-US")} fix` }).click();
    await page.getByText(/^\d[\d,]* of [\d,]+ fix/).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByText(/^Paused after the current step/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, "fixplans-paused.png"), fullPage: true });
    await page.unroute("**/$batch");
    await page.getByRole("button", { name: "Resume" }).click();

    const result = page.getByRole("status").filter({ hasText: /phone numbers? normalised/ });
    await result.waitFor({ timeout: 120_000 });
    const text = (await result.textContent())!;
    expect(text).toMatch(new RegExp(`^${(fixes - 1).toLocaleString("en-US")} phone numbers? normalised`));
    // Only the table the plan fixes is scored; any write sets modifiedon, so freshness moves too.
    expect(text).not.toMatch(/account|lead|opportunity/);
    const [, before, after] = /contact overall (\d+) → (\d+)/.exec(text)!;
    expect(Number(after)).toBeGreaterThanOrEqual(Number(before));
    expect(phoneOf(String(excluded.contactid))).toBe(excludedPhone);

    // The run is listed; its journal shows every fix, and each fixed record was written by the approver.
    const run = page.getByRole("table", { name: "Fix runs" }).getByRole("row").nth(1);
    await expect(run.textContent()).resolves.toContain("Applied");
    await run.getByRole("button", { name: /^Details of / }).click();
    const entries = page.getByRole("table", { name: /^Fixes of / });
    await entries.waitFor();
    const fixedRow = entries.getByRole("row").nth(1);
    const fixedId = (await fixedRow.getByRole("cell").first().textContent())!.replace(/^contact /, "").trim();
    const fixed = emu.store.get("contact", fixedId)!;
    expect(String(fixed.telephone1)).toMatch(/^\+\d{8,15}( ext\. \d+)?$/);
    expect(fixed._modifiedby_value).toBe(admin.systemuserid);
    await page.screenshot({ path: join(ARTIFACTS, "fixplans-applied.png"), fullPage: true });

    // Undo one record: only it goes back.
    const fixedAfter = fixed.telephone1;
    await fixedRow.getByRole("button", { name: /^Undo the fix of / }).click();
    await page.getByText(/^Undo finished: 1 undone/).waitFor({ timeout: 60_000 });
    expect(phoneOf(fixedId)).not.toBe(fixedAfter);
    await expect(entries.getByRole("row").filter({ hasText: fixedId }).textContent()).resolves.toContain("Undone");

    // Undo the run: every other fix goes back too.
    const stillFixed = emu.store.rows("contact").filter((r) => typeof r.telephone1 === "string" && r.telephone1.startsWith("+")).length;
    await page.getByRole("table", { name: "Fix runs" }).getByRole("button", { name: /^Undo every fix of / }).click();
    // The run's counts: the record undone before and the rest now.
    await page.getByText(new RegExp(`^Undo finished: ${(fixes - 1).toLocaleString("en-US")} undone, 0 left`)).waitFor({ timeout: 60_000 });
    await expect(page.getByRole("table", { name: "Fix runs" }).getByRole("row").nth(1).textContent()).resolves.toContain("Undone");
    expect(emu.store.rows("contact").filter((r) => typeof r.telephone1 === "string" && r.telephone1.startsWith("+")).length).toBeLessThan(stillFixed);
    await page.screenshot({ path: join(ARTIFACTS, "fixplans-undone.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 300_000);

  it("with vit_FixApproverMustDiffer on, the proposer cannot approve; a second governance owner opens the downloaded plan and may", async () => {
    emu.store.insert("environmentvariabledefinition", {
      environmentvariabledefinitionid: "6d1f0c1e-5d0b-4c55-9a51-2f6f5d4e3a01", schemaname: "vit_FixApproverMustDiffer", displayname: "CRM Vitals fix plans need a second person", type: 100000002, defaultvalue: "yes", statecode: 0, statuscode: 1,
    });
    const proposer = await open("admin");
    await chooseOnly(proposer, PHONE_RULE);
    await proposer.getByRole("button", { name: "Preview fixes" }).click();
    const summary = proposer.getByText(/^\d[\d,]* fix(es)? on \d[\d,]* records? \(/);
    await summary.waitFor({ timeout: 60_000 });
    const fixes = Number((await summary.textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ""));
    expect(fixes).toBeGreaterThan(0);
    await proposer.getByText(/^This organisation requires a second person/).waitFor();
    await expect(proposer.getByRole("button", { name: /^Approve and apply / }).isDisabled()).resolves.toBe(true);
    await proposer.screenshot({ path: join(ARTIFACTS, "fixplans-second-person.png"), fullPage: true });
    const [download] = await Promise.all([proposer.waitForEvent("download"), proposer.getByRole("button", { name: "Download plan" }).click()]);
    const file = join(ARTIFACTS, "fixplans-plan.json");
    await download.saveAs(file);
    await proposer.close();
    const plan = parsePlan(readFileSync(file, "utf8"), file);
    expect(plan.proposedBy).toBe(emu.users.find((u) => u.key === "admin")!.systemuserid);
    expect(plan.entries).toHaveLength(fixes);

    // Priya Raman (Vitals Governance Owner) opens the file: the same plan, and she may approve it.
    const approver = await open("govowner");
    await approver.getByLabel("Open a plan file").setInputFiles(file);
    await approver.getByText("Proposed by Dana Whitfield on ", { exact: false }).waitFor({ timeout: 30_000 });
    await approver.getByText(/^You approve as Priya Raman; records are written with your own Dynamics privileges/).waitFor();
    await expect(approver.getByRole("button", { name: `Approve and apply ${fixes.toLocaleString("en-US")} fix${fixes === 1 ? "" : "es"}` }).isEnabled()).resolves.toBe(true);
    await expect(approver.getByText(/^This organisation requires a second person/).count()).resolves.toBe(0);
    expect(pageErrors).toEqual([]);
    await approver.close();
  }, 300_000);
});
