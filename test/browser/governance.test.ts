/**
 * The Governance Center in headless Chromium against the Dataverse emulator with the demo
 * organisation: run a full audit from the page, watch the progress bar, see the results, drill
 * down, export CSV, and check that an invalid rule pack shows inline errors and is never saved.
 *
 * The emulator answers no CORS, so a tiny server on 127.0.0.1:0 serves the built web resource
 * (out/webresources/vit_/governance/) and proxies /api/ to the emulator: the page talks to the Web
 * API same-origin, as it does inside Dynamics. It also answers /form/<table>/<id> like the sandbox
 * host page, so record links can be followed. Screenshots go to test-artifacts/.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { runAudit, scopeKey } from "../../plugins-ts/audit/run";
import { runDueSchedules } from "../../plugins-ts/audit/runner";
import { loadOrgRulePack } from "../../plugins-ts/audit/settings";
import { defaultRulePack } from "../../plugins-ts/engine";
import { CHROMIUM_ARGS, ROOT, chromiumPath } from "../helpers/panelPage";
import { seriousAxeViolations } from "../helpers/axe";

const NOW = new Date("2026-11-23T12:00:00Z");
const TABLES = ["account", "contact", "lead", "opportunity"] as const;
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = chromiumPath();
const inCi = process.env.CI === "true";
const describeBrowser = CHROMIUM || inCi ? describe : describe.skip;
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

function serve(dir: string, emulatorOrigin: URL): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/api/")) {
      const upstream = httpRequest(
        { host: emulatorOrigin.hostname, port: emulatorOrigin.port, method: req.method, path: req.url, headers: { ...req.headers, host: emulatorOrigin.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
      return;
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const form = /^\/form\/([a-z_]+)\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (form) {
      res.writeHead(200, { "content-type": TYPES[".html"] }).end(`<!doctype html><html lang="en"><title>${form[1]}</title><h1>${form[1]} ${form[2]}</h1></html>`);
      return;
    }
    const rel = normalize(url.pathname).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, rel);
    if (file.startsWith(dir) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}


/**
 * Puts a whole rule pack into the editor as one input event, like a paste (Playwright's fill types
 * 60 KB of JSON slowly; the page handles either the same way).
 */
async function paste(editor: Locator, text: string): Promise<void> {
  await editor.evaluate((el, value) => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
}

async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = await dl.path();
  return readFileSync(path, "utf8");
}

/** Runs a full audit from the page and returns the progress values the bar showed. */
async function runFullAudit(page: Page): Promise<{ values: number[]; records: string[] }> {
  await page.getByRole("tab", { name: "Audit" }).click();
  await page.getByRole("radio", { name: /^Full/ }).check();
  await page.getByRole("button", { name: "Start audit" }).click();
  const values: number[] = [];
  const records: string[] = [];
  const done = page.getByText(/^Audit completed:/);
  for (let i = 0; i < 1200 && !(await done.isVisible()); i++) {
    const bar = page.getByRole("progressbar");
    if (await bar.isVisible()) {
      const now = await bar.getAttribute("aria-valuenow");
      if (now !== null && values[values.length - 1] !== Number(now)) values.push(Number(now));
      const stats = page.getByTestId("progress-stats").locator("li").first();
      if (await stats.isVisible()) {
        const text = (await stats.textContent()) ?? "";
        if (records[records.length - 1] !== text) records.push(text);
      }
    }
    await page.waitForTimeout(25);
  }
  await done.waitFor({ timeout: 60_000 });
  return { values, records };
}

describeBrowser("the Governance Center against the emulator", () => {
  let emu: EmulatorHandle;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const envWrites: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    mkdirSync(ARTIFACTS, { recursive: true });
    const [{ outdir }, emulator] = await Promise.all([buildGovernanceCenter({ outdir: mkdtempSync(join(tmpdir(), "vitals-governance-")) }), startEmulator({ data: "demo", size: 1500, seed: 21, now: NOW, throttle: false })]);
    emu = emulator;
    server = await serve(outdir, new URL(emu.orgUrl));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    page.on("request", (r) => {
      // A write of an environment variable value: on its own, or an operation other than GET inside a $batch (reads go in $batches too).
      const writes = /\$batch/.test(r.url()) ? /^(POST|PATCH|PUT|DELETE) \S*environmentvariablevalue/m.test(r.postData() ?? "") : r.method() !== "GET" && /environmentvariablevalues/.test(r.url());
      if (writes) envWrites.push(`${r.method()} ${r.url()}`);
    });
    const q = new URLSearchParams({ orgUrl: `${origin}/`, token: emu.adminToken, hostUrl: origin });
    await page.goto(`${origin}/index.html?${q.toString()}`);
    await page.getByRole("heading", { level: 1, name: "CRM Vitals Governance Center" }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    await emu?.close();
  });

  it("says no audit has run yet and reads the cadence from its environment variable", async () => {
    await page.getByText("No audit yet").waitFor();
    // The demo organisation sets vit_AuditCadenceDays to 14.
    await page.getByText(/Audits are due every 14 days/).waitFor();
    expect(await page.getByRole("navigation", { name: "Governance Center sections" }).count()).toBe(1);
    expect(await page.getByRole("main").count()).toBe(1);
    // Keyboard: arrow keys move between tabs, Enter selects one.
    await page.getByRole("tab", { name: "Audit" }).focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    await page.getByRole("tabpanel", { name: "Results" }).waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Enter");
    await page.getByRole("tabpanel", { name: "Audit" }).waitFor();
  });

  it("runs a full audit from the page with a moving progress bar, then shows score, grade and breakdowns", async () => {
    const first = await runFullAudit(page);
    // The first audit has no estimate yet: the record count moves.
    expect(first.records.length).toBeGreaterThan(1);
    // The second knows how many records to expect: the bar itself moves towards 1.
    const second = await runFullAudit(page);
    await page.screenshot({ path: join(ARTIFACTS, "governance-audit.png"), fullPage: true });
    expect(second.values.length).toBeGreaterThan(1);
    expect(second.values.some((v) => v > 0 && v < 1)).toBe(true);
    expect(second.values[second.values.length - 1]).toBeGreaterThanOrEqual(second.values[0]);

    const total = ["account", "contact", "lead", "opportunity"].reduce((n, t) => n + emu.groundTruth.rows[t], 0);
    await page.getByRole("tab", { name: "Results" }).click();
    const score = page.getByTestId("org-score");
    await score.waitFor();
    const runs = emu.store.rows("vit_auditrun").filter((r) => r.vit_status === 105420001);
    expect(runs).toHaveLength(2);
    const latest = runs.sort((a, b) => String(b.vit_startedon).localeCompare(String(a.vit_startedon)))[0];
    expect(await score.textContent()).toContain(String(latest.vit_overallscore));
    expect(await score.textContent()).toMatch(/Grade [ABCDF]/);
    expect(await score.textContent()).toContain(`${total.toLocaleString("en-US")} records scored`);
    const byTable = page.getByRole("table", { name: "By table" });
    expect(await byTable.getByRole("row").count()).toBe(5);
    expect(await page.getByRole("table", { name: "By dimension" }).getByRole("row").count()).toBeGreaterThan(3);
    const byRule = page.getByRole("table", { name: "By rule" });
    expect(await byRule.getByRole("row").count()).toBeGreaterThan(10);
    // Rule titles come from the pack, not ids only.
    expect(await byRule.textContent()).toContain("contact.email.format");
    // Trend: two completed runs, chart and table alternative.
    expect(await page.getByRole("img", { name: "Organisation score over completed audits" }).count()).toBe(1);
    // Per-person ranking is off by default: business units by name, owners not named.
    expect(await page.getByRole("table", { name: "By business unit" }).textContent()).toContain("Sales Europe");
    expect(await page.getByText(/Per-person ranking is off/).count()).toBe(1);
    expect(await page.locator("#panel-results").textContent()).not.toContain("Jordan Lee");
    await page.screenshot({ path: join(ARTIFACTS, "governance-results.png") });
    expect(await seriousAxeViolations(page)).toEqual([]);
    const box = (await byRule.boundingBox())!;
    await page.screenshot({ path: join(ARTIFACTS, "governance-results-rules.png"), fullPage: true, clip: { x: 0, y: box.y - 40, width: 1280, height: 900 } });
  }, 90_000);

  it("exports the results and a rule's records as CSV for Excel, and links records to their form", async () => {
    const resultsCsv = await download(page, () => page.getByRole("button", { name: "Export results (CSV)" }).click());
    expect(resultsCsv.startsWith("\uFEFF")).toBe(true);
    const results = parseCsv(resultsCsv.slice(1));
    expect(results[0]).toEqual(["Section", "Key", "Name", "Records", "Average score", "Failed findings", "Waived findings"]);
    const ruleRows = await page.getByRole("table", { name: "By rule" }).getByRole("row").count();
    expect(results.filter((r) => r[0] === "Rule")).toHaveLength(ruleRows - 1);
    expect(results.filter((r) => r[0] === "Table")).toHaveLength(4);

    await page.getByRole("button", { name: /Show records failing .*email/i }).first().click();
    const count = page.getByRole("status").filter({ hasText: /^\d[\d,]* records?$/ });
    await count.waitFor({ timeout: 30_000 });
    const n = Number((await count.textContent())!.replace(/[^\d]/g, ""));
    expect(n).toBeGreaterThan(0);
    const csv = await download(page, () => page.getByRole("button", { name: "Export records (CSV)" }).click());
    expect(csv.startsWith("\uFEFF")).toBe(true);
    const rows = parseCsv(csv.slice(1));
    expect(rows[0]).toEqual(["Table", "Record id", "Record", "Rule", "Score", "Grade", "Observed", "Expected"]);
    expect(rows).toHaveLength(n + 1);
    const link = page.getByRole("link", { name: /^Open / }).first();
    const href = await link.getAttribute("href");
    expect(href).toMatch(new RegExp(`^${origin}/form/[a-z]+/[0-9a-f-]{36}$`));
    await page.getByRole("region", { name: /^Records failing/ }).screenshot({ path: join(ARTIFACTS, "governance-drilldown.png") });
  }, 60_000);

  it("requests a waiver from the record list and approves it", async () => {
    const requestButton = page.getByRole("button", { name: /^Request a waiver for / }).first();
    const name = ((await requestButton.getAttribute("aria-label")) ?? "").replace("Request a waiver for ", "");
    await requestButton.click();
    await page.getByRole("tabpanel", { name: "Waivers" }).waitFor();
    const recordId = await page.getByRole("textbox", { name: /Record id/ }).inputValue();
    expect(recordId).toMatch(/^[0-9a-f-]{36}$/);
    await page.getByRole("textbox", { name: /Reason/ }).fill(`Agreed exception for ${name}`);
    await page.getByRole("button", { name: "Request waiver" }).click();
    await page.getByText(/^Waiver requested/).waitFor();
    const waivers = page.getByRole("table", { name: "Waivers" });
    await waivers.getByText(`Agreed exception for ${name}`).waitFor();
    await waivers.getByRole("button", { name: /^Approve / }).first().click();
    await page.getByText("Waiver approved.").waitFor();
    // The request form is cleared, without complaining about the fields it just emptied.
    expect(await page.getByRole("textbox", { name: /Record id/ }).inputValue()).toBe("");
    expect(await page.getByText("Give a reason.").count()).toBe(0);
    const stored = emu.store.rows("vit_waiver").filter((w) => w.vit_recordid === recordId);
    expect(stored).toHaveLength(1);
    expect(stored[0].vit_waiverstatus).toBe(105420001);
    expect(stored[0]._vit_approvedby_value).toBe(emu.users.find((u) => u.key === "admin")!.systemuserid);
    expect(new Date(String(stored[0].vit_expireson)).getTime()).toBeGreaterThan(Date.now());
    await page.screenshot({ path: join(ARTIFACTS, "governance-waivers.png") });
  }, 30_000);

  it("resumes an audit that was interrupted mid-way, with one health row per record", async () => {
    // A run killed after its first page (the audit's own test hook), as a closed browser would leave it.
    const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken });
    const killed = runAudit({
      gateway,
      pack: defaultRulePack(),
      scope: { tables: [...TABLES] },
      mode: "full",
      now: new Date(),
      afterPage: () => {
        throw new Error("the browser was closed");
      },
    });
    await expect(killed).rejects.toThrow("the browser was closed");
    await page.reload();
    const interrupted = page.getByRole("table", { name: "Interrupted audits" });
    await interrupted.waitFor();
    expect(await interrupted.textContent()).toContain("the browser was closed");
    await interrupted.getByRole("button", { name: /^Resume / }).click();
    await page.getByText(/^Audit completed:/).waitFor({ timeout: 60_000 });
    await page.getByText("No interrupted audit.").waitFor();
    const total = TABLES.reduce((n, t) => n + emu.groundTruth.rows[t], 0);
    const health = emu.store.rows("vit_recordhealth");
    expect(new Set(health.map((h) => `${String(h.vit_table)}|${String(h.vit_recordid)}`)).size).toBe(health.length);
    expect(health).toHaveLength(total);
    const resumed = emu.store.rows("vit_auditrun").filter((r) => r.vit_status === 105420001);
    expect(resumed).toHaveLength(3);
    expect(resumed.every((r) => r.vit_recordsscanned === total)).toBe(true);
  }, 60_000);

  it("shows an invalid rule pack's errors inline and never saves it", async () => {
    await page.getByRole("tab", { name: "Rule pack" }).click();
    const editor = page.getByRole("textbox", { name: /Organisation rule pack JSON/ });
    await page.getByRole("button", { name: "Start from the default pack" }).click();
    const pack = JSON.parse(await editor.inputValue()) as { rules: { id: string; severity: string; check: Record<string, unknown> }[] };
    pack.rules[0].severity = "catastrophic";
    pack.rules[1].check = { type: "format", column: "emailaddress1", format: "carrier-pigeon" };
    await paste(editor, JSON.stringify(pack, null, 2));
    const errors = page.getByRole("list", { name: /errors?: the pack cannot be saved/ });
    await errors.waitFor();
    const text = (await errors.textContent()) ?? "";
    expect(text).toContain(`Rule ${pack.rules[0].id}`);
    expect(text).toContain("$.rules[0].severity");
    expect(text).toContain(`Rule ${pack.rules[1].id}`);
    const save = page.getByRole("button", { name: "Save rule pack" });
    expect(await save.isDisabled()).toBe(true);
    await save.click({ force: true }).catch(() => undefined);
    await page.screenshot({ path: join(ARTIFACTS, "governance-rulepack-invalid.png") });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await editor.fill("{ not json");
    await page.getByText(/not valid JSON/).first().waitFor();
    expect(await save.isDisabled()).toBe(true);
    expect(envWrites).toEqual([]);
    expect(emu.store.rows("environmentvariablevalue").filter((r) => r.schemaname === "vit_RulePack")).toHaveLength(0);
  }, 30_000);

  it("saves a valid pack to the environment variable vit_RulePack, which is then in force", async () => {
    await page.getByRole("tab", { name: "Rule pack" }).click();
    const editor = page.getByRole("textbox", { name: /Organisation rule pack JSON/ });
    await page.getByRole("button", { name: "Start from the default pack" }).click();
    const pack = JSON.parse(await editor.inputValue()) as { id: string; version: string };
    pack.id = "contoso";
    pack.version = "2.0.0";
    await paste(editor, JSON.stringify(pack, null, 2));
    await page.getByText(/^Valid: \d+ rules\.$/).waitFor();
    await page.getByRole("button", { name: "Save rule pack" }).click();
    await page.getByText(/^Saved\./).waitFor();
    const values = emu.store.rows("environmentvariablevalue").filter((r) => r.schemaname === "vit_RulePack");
    expect(values).toHaveLength(1);
    expect((JSON.parse(String(values[0].value)) as { id: string }).id).toBe("contoso");
    await page.getByText(/^In force: .* 2\.0\.0 \(the organisation's pack/).waitFor();
  }, 30_000);

  it("adds an audit schedule with its first run, queues it with Run now, and shows what the runner did", async () => {
    await page.getByRole("tab", { name: "Schedules" }).click();
    const panel = page.getByRole("tabpanel", { name: "Schedules" });
    await panel.getByText("No schedule yet").waitFor();
    const form = panel.getByRole("form", { name: "Add schedule" });
    await form.getByLabel("Name").fill("Weekly accounts");
    for (const t of ["contact", "lead", "opportunity"]) await form.getByRole("checkbox", { name: t }).uncheck();
    await form.getByLabel("Time of day (HH:MM)").fill("6pm");
    await form.getByTestId("schedule-first-run").getByText(/time of day "6pm" must be HH:MM/).waitFor();
    expect(await form.getByRole("button", { name: "Add schedule" }).isDisabled()).toBe(true);
    await form.getByLabel("Time of day (HH:MM)").fill("06:00");
    await form.getByLabel(/^Time zone/).fill("Europe/Amsterdam");
    await form.getByTestId("schedule-first-run").getByText(/^First run: /).waitFor();
    await form.getByRole("button", { name: "Add schedule" }).click();
    await panel.getByText("Schedule “Weekly accounts” added.").waitFor();
    const row = panel.getByTestId("schedule-row").filter({ hasText: "Weekly accounts" });
    await row.getByText("every 7 days at 06:00 (Europe/Amsterdam)").waitFor();
    const stored = emu.store.rows("vit_auditschedule")[0];
    expect(stored.vit_scope).toBe(scopeKey({ tables: ["account"] }));
    expect(Date.parse(String(stored.vit_nextrunon))).toBeGreaterThan(Date.now());

    await row.getByRole("button", { name: "Run now: Weekly accounts" }).click();
    await panel.getByText(/Weekly accounts is due now/).waitFor();
    const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken });
    const [outcome] = await runDueSchedules({ gateway, runnerId: "test-runner", loadPack: async () => (await loadOrgRulePack(gateway)).pack });
    expect(outcome.status).toBe("completed");

    await page.reload();
    await page.getByRole("tab", { name: "Schedules" }).click();
    await panel.getByTestId("schedule-row").filter({ hasText: "Weekly accounts" }).getByText(/audit completed: \d+ records scanned/).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "governance-schedules.png"), fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);
  }, 180_000);

  it("raised no script error and logged no console error along the way", () => {
    expect(pageErrors).toEqual([]);
  });
});
