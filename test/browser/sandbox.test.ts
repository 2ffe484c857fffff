/**
 * The sandbox host in headless Chromium: the real production RecordVitals bundle on the host's
 * form page, its webAPI going over HTTP (through the host's same-origin proxy) to the emulator
 * with the demo organisation. Records are picked from the ground-truth manifest; the score each
 * panel must show is what the engine computes with the default pack from the same saved data, read
 * independently over the Web API. The browser clock is fixed, so page and test score at the same
 * instant. Screenshots go to test-artifacts/sandbox-*.png.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { DefectKind } from "../../sandbox/emulator";
import { ensureControlBundle, startSandbox, type SandboxHandle } from "../../sandbox/host";
import { ROOT, resxStrings } from "../../sandbox/host/assets";
import { VITALS, runCli } from "../helpers/cli";
import { CHROMIUM_ARGS, chromiumPath } from "../helpers/panelPage";
import { expectedScore, scoreText, seriousAxeViolations, shownFailedRules } from "../helpers/sandboxHost";

const CHROMIUM = chromiumPath();
const describeBrowser = CHROMIUM || process.env.CI === "true" ? describe : describe.skip;
const ARTIFACTS = join(ROOT, "test-artifacts");
/** Reference date of the demo data; the browser's clock stands a few hours later on the same day. */
const DATA_NOW = new Date("2026-06-15T00:00:00Z");
const CLOCK = new Date("2026-06-15T09:30:00Z");
const EN = resxStrings(1033);
const DE = resxStrings(1031);

describeBrowser("the sandbox host with the production panel", () => {
  let sb: SandboxHandle;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    await ensureControlBundle();
    sb = await startSandbox({ size: 800, seed: 11, now: DATA_NOW, port: 0, throttle: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  afterEach(() => {
    expect(errors.splice(0)).toEqual([]);
  });

  async function open(path: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    page.on("pageerror", (e) => errors.push(`${path}: ${e.message}`));
    await page.clock.setFixedTime(CLOCK);
    await page.emulateMedia({ reducedMotion: "reduce" });
    await page.goto(new URL(path, sb.url).href);
    return page;
  }

  const defectsOf = (table: string, id: string) => new Set(sb.emulator.groundTruth.defects.filter((d) => d.table === table && d.id === id).map((d) => d.kind));
  const withDefects = (table: string, ...kinds: DefectKind[]) => {
    const ids = [...new Set(sb.emulator.groundTruth.defects.filter((d) => d.table === table && d.kind === kinds[0]).map((d) => d.id))];
    return ids.filter((id) => kinds.every((k) => defectsOf(table, id).has(k)));
  };
  const row = (table: string, id: string) => sb.emulator.store.rows(table).find((r) => r[`${table}id`] === id)!;

  /** Opens a record's form as a user and waits for the panel's score. */
  async function openForm(table: string, id: string, user = "admin"): Promise<{ page: Page; status: string }> {
    const page = await open(`/form?table=${table}&id=${id}&user=${user}`);
    const status = page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ });
    await status.waitFor({ timeout: 20_000 });
    return { page, status: (await status.textContent()) ?? "" };
  }

  it("lists records per table for the signed-in user, pages through them, and passes axe", async () => {
    const page = await open("/?user=admin");
    await page.getByRole("tab", { name: "Contacts" }).click();
    const contacts = sb.emulator.groundTruth.rows.contact;
    await page.getByText(new RegExp(`^Contacts 1–25 of ${contacts.toLocaleString("en-US")} that Dana Whitfield can read\\.$`)).waitFor();
    expect(await page.locator("tbody tr").count()).toBe(25);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText(/^Contacts 26–50 of/).waitFor();
    const violations = await seriousAxeViolations(page);
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-list.png"), fullPage: true });
    expect(violations).toEqual([]);

    // The Governance Center (built by its own build) is linked with this origin as orgUrl and the user's token.
    if (sb.config.governancePage) {
      const href = await page.getByRole("link", { name: "Open the Governance Center" }).getAttribute("href");
      // The Governance Center's drill-down links open this host's form page, as the same user.
      const recordLink = `${sb.url}form?table={table}&id={id}&user=admin`;
      expect(href).toBe(`${sb.config.governancePage}?orgUrl=${encodeURIComponent(sb.url)}&token=${sb.emulator.adminToken}&hostUrl=${encodeURIComponent(recordLink)}`);
    }

    // A salesperson sees only their own and their teams' rows: the emulator filters, not the page.
    await page.getByLabel("Signed in as").selectOption("rep1");
    await page.waitForURL(/user=rep1/);
    const status = page.locator(".list-status");
    await status.filter({ hasText: /that Jordan Lee can read/ }).waitFor();
    const count = Number(/of ([\d,]+)/.exec((await status.textContent()) ?? "")?.[1].replace(/,/g, ""));
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(contacts);

    // Search by name.
    const name = String(row("contact", sb.emulator.store.rows("contact")[0].contactid as string).fullname);
    await page.getByLabel("Signed in as").selectOption("admin");
    await page.waitForURL(/user=admin/);
    await page.getByLabel("Search by name").fill(name);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name, exact: true }).first().waitFor();
    await page.close();
  }, 60_000);

  it("shows a contact's malformed email with the score and grade the engine computes", async () => {
    const id = withDefects("contact", "malformedEmail")[0];
    const { page, status } = await openForm("contact", id);
    const expected = await expectedScore(sb, "contact", id, "admin", CLOCK);
    expect(status).toBe(scoreText(EN, expected));
    const failed = expected.findings.filter((f) => f.outcome === "failed").map((f) => f.ruleId).sort();
    expect(failed).toContain("contact.email.format");
    expect(await shownFailedRules(page, EN)).toEqual(failed);
    const finding = page.locator('li[data-rule="contact.email.format"]');
    await expect(finding.textContent()).resolves.toContain("The email address is not a valid address");
    await expect(finding.textContent()).resolves.toContain(String(row("contact", id).emailaddress1));
    const violations = await seriousAxeViolations(page);
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-contact-defects.png"), fullPage: true });
    expect(violations).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows a contact's mail and meetings that are in Outlook but not in Dynamics, as its owner sees it", async () => {
    // startSandbox ran one activity capture against the demo mailboxes (Graph stand-in).
    const example = sb.config.examples.find((e) => e.title === "A contact with mail and meetings that are not in Dynamics");
    expect(example).toBeDefined();
    const url = new URL(example!.href, sb.url);
    const id = url.searchParams.get("id")!;
    const user = url.searchParams.get("user")!;
    const truth = sb.emulator.mail!.truth.contacts[id];
    const { page, status } = await openForm("contact", id, user);
    const expected = await expectedScore(sb, "contact", id, user, CLOCK);
    expect(status).toBe(scoreText(EN, expected));
    const finding = page.locator('li[data-rule="contact.activity.captured"]');
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    await expect(finding.textContent()).resolves.toContain(`${plural(truth.unloggedEmails, "email")} and ${plural(truth.unloggedMeetings, "meeting")} with this contact in the last 30 days are not in Dynamics`);
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-contact-unlogged-engagement.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("shows an opportunity past its close date and stuck in its stage, with the stage checklist", async () => {
    const id = withDefects("opportunity", "pastCloseDate", "stuckDeal")[0];
    expect(id).toBeDefined();
    const { page, status } = await openForm("opportunity", id);
    const expected = await expectedScore(sb, "opportunity", id, "admin", CLOCK);
    expect(status).toBe(scoreText(EN, expected));
    const shown = await shownFailedRules(page, EN);
    expect(shown).toEqual(expected.findings.filter((f) => f.outcome === "failed").map((f) => f.ruleId).sort());
    expect(shown).toEqual(expect.arrayContaining(["opportunity.closedate.not_past", "opportunity.stage.days"]));
    await page.getByRole("heading", { name: EN.Readiness }).waitFor();
    await page.getByText(EN.Overdue, { exact: true }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-opportunity-defects.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("shows a clean record with a perfect score and nothing to fix", async () => {
    const clean = sb.emulator.groundTruth.clean.filter((c) => c.table === "contact" || c.table === "opportunity");
    expect(clean.length).toBeGreaterThan(0);
    const { table, id } = clean[0];
    const { page, status } = await openForm(table, id);
    expect(status).toBe(scoreText(EN, { score: 100, grade: "A" }));
    await page.getByText(EN.NoFailures).waitFor();
    expect(await shownFailedRules(page, EN)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-clean.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("gives a user without opportunity access the no-access state", async () => {
    const id = sb.emulator.store.rows("opportunity")[0].opportunityid as string;
    const page = await open(`/form?table=opportunity&id=${id}&user=marketer`);
    await page.getByText(EN.NoAccess).waitFor({ timeout: 20_000 });
    await page.getByText(/may not read this opportunity/).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-no-access.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("saves a corrected email through the Web API and the panel re-scores without the finding", async () => {
    const websiteOf = (contactId: string): string | null => {
      const acc = row("contact", contactId)._parentcustomerid_value;
      const a = acc ? sb.emulator.store.rows("account").find((r) => r.accountid === acc) : undefined;
      return typeof a?.websiteurl === "string" && a.websiteurl ? a.websiteurl : null;
    };
    // Not the record the earlier test looked at: each test starts from the generated data.
    const id = withDefects("contact", "malformedEmail").slice(1).find((c) => websiteOf(c) !== null);
    expect(id).toBeDefined();
    const domain = new URL(/^https?:/.test(websiteOf(id!)!) ? websiteOf(id!)! : `https://${websiteOf(id!)}`).hostname.replace(/^www\./, "");
    const { page, status: before } = await openForm("contact", id!);
    const scoreBefore = Number(/([\d.]+) of 100/.exec(before)?.[1]);
    await page.getByLabel("Email").fill(`jordan.fixed@${domain}`);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved emailaddress1.").waitFor();
    expect(row("contact", id!).emailaddress1).toBe(`jordan.fixed@${domain}`);
    await page.locator('li[data-rule="contact.email.format"]').waitFor({ state: "detached", timeout: 20_000 });
    const expected = await expectedScore(sb, "contact", id!, "admin", CLOCK);
    const after = page.getByRole("status").filter({ hasText: scoreText(EN, expected) });
    await after.waitFor();
    expect(expected.score).toBeGreaterThan(scoreBefore);
    expect(await shownFailedRules(page, EN)).not.toContain("contact.email.format");
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-after-save.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("shows the new-record state, then scores the record once it is created", async () => {
    const page = await open("/form?table=contact&user=rep1");
    await page.getByText(EN.NewRecord).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-new-record.png"), fullPage: true });
    await page.getByLabel("Last Name").fill("Sandbox-Tester");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: /of 100, grade [A-F]$/ }).waitFor({ timeout: 20_000 });
    const created = sb.emulator.store.rows("contact").find((r) => r.lastname === "Sandbox-Tester");
    expect(created).toBeDefined();
    expect(page.url()).toContain(`id=${String(created!.contactid)}`);
    await page.close();
  }, 60_000);

  it("uses the compact layout on the phone toggle, honours disabled, and speaks German", async () => {
    const id = withDefects("contact", "malformedEmail")[0];
    const { page } = await openForm("contact", id);
    await page.getByLabel("Phone layout").check();
    await page.locator('[data-compact="true"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-phone.png"), fullPage: true });
    await page.close();

    const pair = sb.emulator.groundTruth.duplicatePairs.find((p) => p.table === "contact" && !p.otherTable)!;
    const dup = await openForm("contact", pair.a);
    const openButton = dup.page.getByRole("button", { name: /^Open / }).first();
    await openButton.waitFor();
    await dup.page.getByLabel("Control disabled (read-only form)").check();
    await dup.page.getByRole("button", { name: /^Open / }).first().waitFor({ state: "detached" });
    await dup.page.getByLabel("Control disabled (read-only form)").uncheck();
    await dup.page.getByRole("button", { name: /^Open / }).first().click();
    await dup.page.waitForURL((u) => u.searchParams.get("id") !== pair.a && u.searchParams.get("table") === "contact");
    await dup.page.close();

    const de = await open(`/form?table=contact&id=${id}&user=admin&lcid=1031`);
    await de.getByRole("heading", { name: DE.Title }).waitFor({ timeout: 20_000 });
    await de.getByRole("status").filter({ hasText: /Gesundheit [\d.]+ von 100, Note [A-F]$/ }).waitFor();
    await de.close();
  }, 60_000);
});

describe("vitals demo (what npm start runs)", () => {
  beforeAll(async () => {
    await ensureControlBundle();
  }, 300_000);

  it("starts the emulator and the host, prints the URL, users and what to try, and stops cleanly on Ctrl-C", async () => {
    const child = spawn(process.execPath, [VITALS, "demo", "--no-build", "--no-history", "--port", "0", "--size", "300", "--seed", "5", "--now", "2026-06-15"], { env: { ...process.env, CI: "true" } });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
    await new Promise<void>((ok, fail) => {
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes("Press Ctrl-C")) ok();
      });
      void exited.then((code) => fail(new Error(`vitals demo exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
    });
    const url = /Open\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(stdout).toMatch(/marketer\s+Nina Patel\s+Marketing Professional\s+sees their own accounts, contacts and leads; no opportunities at all \(403\)/);
    expect(stdout).toContain("What to try:");
    expect(stdout).toMatch(new RegExp(`${url!.replace(/[.]/g, "\\.")}form\\?table=contact&id=[0-9a-f-]{36}&user=admin`));
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    const cfg = (await (await fetch(`${url!}host/config.json`)).json()) as { users: unknown[]; dataNow: string };
    expect(cfg.users).toHaveLength(14);
    expect(cfg.dataNow.slice(0, 10)).toBe("2026-06-15");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).toContain("Stopping the sandbox");
    await expect(fetch(url!)).rejects.toThrow();
  }, 60_000);

  it("refuses a --now that is not a date, naming the option", async () => {
    const r = await runCli(["demo", "--no-build", "--port", "0", "--now", "someday"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--now 'someday' is not an ISO-8601 date");
  }, 60_000);
});
