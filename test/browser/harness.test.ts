/**
 * Builds RecordVitals with pcf-scripts (production) and renders it in Microsoft's control harness
 * (pcf-start's index.html + harness.js) in headless Chromium.
 *
 * pcf-start's own server (browser-sync) always listens on all interfaces from port 8181; tests
 * here bind 127.0.0.1 on port 0, so this test serves the same two roots pcf-start serves — the
 * pcf-start package for the harness page, the control's out folder for bundle, manifest and
 * strings — from a tiny static server. The harness loads React from unpkg, which is unreachable:
 * those URLs are routed to node_modules/react(-dom)/umd; fonts are blocked.
 *
 * The harness's context.webAPI only alerts "not yet supported"; its form context has no record,
 * so the panel shows its new-record state (or its error state with Retry, if a record id is given).
 *
 * The second suite hosts the same production bundle.js in a bare page with a fake context whose
 * webAPI answers at once: score, findings and checklist render, axe-core (colour contrast
 * included, which jsdom cannot judge) finds no serious or critical violation, and the layout is
 * compact on a phone. Both suites share one pcf-scripts build (one file: no two builds racing on
 * the same out folder). Screenshots go to test-artifacts/.
 */
import { ensureControlBundle } from "../../sandbox/host/build";
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_ARGS, ROOT, chromiumPath, renderPanelInPage, resxStrings, servePanelPage } from "../helpers/panelPage";
import { seriousAxeViolations } from "../helpers/axe";

const CONTROL_OUT = join(ROOT, "out", "controls", "RecordVitals");
const HARNESS = join(ROOT, "node_modules", "pcf-start");
const ARTIFACTS = join(ROOT, "test-artifacts");

const CHROMIUM = chromiumPath();
const inCi = process.env.CI === "true";
const describeBrowser = CHROMIUM || inCi ? describe : describe.skip;

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".xml": "text/xml", ".resx": "text/xml", ".css": "text/css", ".json": "application/json" };

/** Serves pcf-start's files first, then the control's build output, like pcf-start's routes. */
function serve(roots: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const rel = normalize(path === "/" ? "/index.html" : path).replace(/^(\.\.[/\\])+/, "");
    for (const root of roots) {
      const file = join(root, rel);
      if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

let built: Promise<void> | undefined;
/**
 * One production build for both suites, shared with the sandbox tests: ensureControlBundle builds
 * only when the bundle is missing or stale, under a lock, so parallel test files never race on out/.
 */
function buildOnce(): Promise<void> {
  built ??= (async () => {
    if (!CHROMIUM) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
    await ensureControlBundle();
  })();
  return built;
}

describeBrowser("RecordVitals in the pcf-start harness", () => {
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await buildOnce();
    server = await serve([HARNESS, CONTROL_OUT]);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM ?? undefined,
      args: CHROMIUM_ARGS,
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
  });

  it("renders the panel's heading and new-record state, with no page errors", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => void d.dismiss());
    // Playwright tries the most recently added route first: the catch-all goes first, the specific ones after it.
    await page.route((url) => !url.href.startsWith(base) && !url.href.startsWith("data:"), (route) => route.abort());
    await page.route(/unpkg\.com\/react@16\.14\.0\/umd\/react\.development\.js/, (route) => route.fulfill({ path: join(ROOT, "node_modules", "react", "umd", "react.development.js"), contentType: "text/javascript" }));
    await page.route(/unpkg\.com\/react-dom@16\.14\.0\/umd\/react-dom\.development\.js/, (route) => route.fulfill({ path: join(ROOT, "node_modules", "react-dom", "umd", "react-dom.development.js"), contentType: "text/javascript" }));
    await page.route(/\.woff2?(\?.*)?$/, (route) => route.abort());
    await page.goto(base, { waitUntil: "load" });

    const heading = page.getByRole("heading", { name: "Record vitals" });
    await heading.waitFor({ timeout: 60_000 });
    const state = page.getByText("Save the record to see its vitals.").or(page.getByRole("button", { name: "Retry" }));
    await state.first().waitFor({ timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "harness-recordvitals.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describeBrowser("the production panel in Chromium", () => {
  let panelBrowser: Browser;
  let panelServer: Awaited<ReturnType<typeof servePanelPage>>;

  beforeAll(async () => {
    await buildOnce();
    panelServer = await servePanelPage();
    panelBrowser = await chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_ARGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await panelBrowser?.close();
    await panelServer?.close();
  });

  async function open(width: number, formFactor: number): Promise<{ page: Page; errors: string[] }> {
    const page = await panelBrowser.newPage({ viewport: { width: Math.max(width + 40, 360), height: 900 }, reducedMotion: "reduce" });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript({ content: "window.__name = (f) => f;" }); // tsx keepNames helper in serialised functions
    await page.goto(panelServer.url, { waitUntil: "load" });
    await page.evaluate(renderPanelInPage, { runs: 1, strings: resxStrings(1033), width, formFactor, keepLast: true });
    return { page, errors };
  }

  it("renders score, findings and checklist with no serious axe violations", async () => {
    const { page, errors } = await open(600, 1);
    await page.getByRole("status").filter({ hasText: /^[A-F]?Health [\d.]+ of 100, grade [A-F]$/ }).waitFor();
    await page.getByRole("heading", { name: "What to fix" }).waitFor();
    await page.getByRole("region", { name: "Stage readiness" }).getByText("Missing: Customer need").waitFor();
    await page.getByRole("button", { name: /^Passed \(\d+\)$/ }).click();
    const violations = await seriousAxeViolations(page, { within: "main" });
    await page.screenshot({ path: join(ARTIFACTS, "panel-opportunity.png"), fullPage: true });
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("uses the compact layout on a phone", async () => {
    const { page, errors } = await open(340, 3);
    const compact = await page.locator('[data-compact="true"]').count();
    await page.screenshot({ path: join(ARTIFACTS, "panel-phone.png"), fullPage: true });
    expect(compact).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
