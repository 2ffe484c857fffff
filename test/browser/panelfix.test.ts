/**
 * The panel's Fix on a form, in headless Chromium against the emulator through the sandbox host,
 * signed in as a Salesperson (Basic privileges, no Vitals Governance Owner role) on one of their
 * own contacts: the finding shows before → after, Fix sets the form's own field (nothing is
 * written), the panel re-scores at once from the form's values, and the user's Save writes the
 * record as them. On a read-only form the proposal is shown without a button. Screenshots go to
 * test-artifacts/panelfix-*.png.
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { SandboxHandle } from "../../sandbox/host";
import { ROOT } from "../../sandbox/host/assets";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { proposeFixes } from "../../plugins-ts/engine/fixes";
import { REQUIRED_COLUMNS } from "../../plugins-ts/fix/required";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { chromiumPath, resxStrings } from "../helpers/panelPage";
import { nodeWebApi, startBrowserSandbox } from "../helpers/sandboxHost";

const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const ARTIFACTS = join(ROOT, "test-artifacts");
const NOW = new Date("2026-06-15T00:00:00Z");
/** Inputs of the sandbox's contact form. */
const ON_FORM = new Set(["firstname", "lastname", "emailaddress1", "telephone1", "jobtitle"]);

describeBrowser("Fix in the record panel", () => {
  let sb: SandboxHandle;
  let browser: Browser;
  const strings = resxStrings(1033);

  beforeAll(async () => {
    ({ sb, browser } = await startBrowserSandbox(CHROMIUM, { size: 300, seed: 5, now: NOW }));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  /** A contact of rep1 with a failed finding the engine can fix on one of the form's inputs. */
  async function fixableContact(): Promise<{ id: string; ruleId: string; message: string; column: string; before: unknown; after: unknown }> {
    const rep = sb.emulator.users.find((u) => u.key === "rep1")!;
    const compiled = compilePack(defaultRulePack());
    const source = createWebApiVitalsSource(nodeWebApi(sb, rep.token));
    for (const row of sb.emulator.store.rows("contact").filter((r) => r._ownerid_value === rep.systemuserid && r.statecode === 0)) {
      const id = String(row.contactid);
      const snapshot = await source.load("contact", id, compiled);
      const score = compiled.score(snapshot.record, { now: NOW });
      const fixes = proposeFixes(compiled, snapshot.record, score, { now: NOW, isRequired: (t, c) => REQUIRED_COLUMNS[t]?.includes(c) ?? false });
      for (const f of score.findings.filter((x) => x.outcome === "failed")) {
        const p = fixes.proposals.find((x) => x.ruleId === f.ruleId && x.action === "update" && x.changes.length === 1 && ON_FORM.has(x.changes[0].column));
        if (p) return { id, ruleId: f.ruleId, message: f.message, column: p.changes[0].column, before: p.changes[0].before, after: p.changes[0].after };
      }
    }
    throw new Error("the demo data has no fixable contact of rep1");
  }

  it("sets the form's field, re-scores at once, and the user's Save writes it as them", async () => {
    const target = await fixableContact();
    const rep = sb.emulator.users.find((u) => u.key === "rep1")!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const writes: string[] = [];
    page.on("request", (r) => {
      // The panel reads in $batch (POST); only a batch with a write inside, or a write itself, counts.
      const readBatch = r.url().endsWith("$batch") && !/^(PATCH|POST|PUT|DELETE) /m.test(r.postData() ?? "");
      if (r.url().includes("/api/data/") && r.method() !== "GET" && !readBatch) writes.push(`${r.method()} ${r.url()}`);
    });
    await page.goto(new URL(`/form?table=contact&id=${target.id}&user=rep1`, sb.url).href);
    const status = page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ });
    await status.waitFor({ timeout: 30_000 });
    const scoreBefore = await status.textContent();
    const finding = page.locator(`li[data-rule="${target.ruleId}"]`);
    await expect(finding.locator(`[data-fix="${target.ruleId}"]`).textContent()).resolves.toContain(`${String(target.before)} → ${String(target.after)}`);
    await page.screenshot({ path: join(ARTIFACTS, "panelfix-before.png"), fullPage: true });

    await page.getByRole("button", { name: `Fix: ${target.message}` }).click();
    // The form's own input holds the fix, marked as changed; nothing was written.
    await expect(page.locator(`#f-${target.column}`).inputValue()).resolves.toBe(String(target.after));
    await finding.waitFor({ state: "detached", timeout: 10_000 });
    expect(await status.textContent()).not.toBe(scoreBefore);
    await page.getByText(strings.FixPending.replace("{0}", "1")).waitFor();
    expect(writes).toEqual([]);
    expect(sb.emulator.store.get("contact", target.id)![target.column]).toBe(target.before);
    await page.screenshot({ path: join(ARTIFACTS, "panelfix-fixed-on-form.png"), fullPage: true });

    // The user saves as usual: the record is written by them, and the panel shows the saved state.
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText(new RegExp(`^Saved .*${target.column}`)).waitFor({ timeout: 30_000 });
    const saved = sb.emulator.store.get("contact", target.id)!;
    expect(saved[target.column]).toBe(target.after);
    expect(saved._modifiedby_value).toBe(rep.systemuserid);
    await page.getByText(strings.FixPending.replace("{0}", "1")).waitFor({ state: "detached", timeout: 30_000 });
    await expect(page.locator(`li[data-rule="${target.ruleId}"]`).count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "panelfix-saved.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("on a read-only form shows the proposal without a Fix button", async () => {
    const target = await fixableContact();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(new URL(`/form?table=contact&id=${target.id}&user=rep1&disabled=1`, sb.url).href);
    await page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ }).waitFor({ timeout: 30_000 });
    await page.locator(`[data-fix="${target.ruleId}"]`).waitFor();
    await expect(page.getByRole("button", { name: /^Fix: / }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: /^Fix all formatting/ }).count()).resolves.toBe(0);
    await page.close();
  }, 120_000);
});
