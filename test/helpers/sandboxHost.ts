/**
 * Helpers for browser tests of the sandbox host: the engine's expected score for a record (read
 * over the Web API as the given user, independently of the page), axe-core in a page, and where
 * the panel's failed findings are.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { compilePack, defaultRulePack, type RecordScore } from "../../plugins-ts/engine";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import type { WebApiPort, WebApiRow } from "../../plugins-ts/client/webApiPort";
import { ensureControlBundle, startSandbox, type SandboxHandle, type SandboxOptions } from "../../sandbox/host";
import { ROOT } from "../../sandbox/host/assets";
import { CHROMIUM_ARGS } from "./panelPage";

/**
 * What a browser test of the sandbox host starts in beforeAll: the production bundle (built when
 * stale), the sandbox on an ephemeral port, headless Chromium, and test-artifacts/ for screenshots.
 */
export async function startBrowserSandbox(executablePath: string | null, opts: SandboxOptions): Promise<{ sb: SandboxHandle; browser: Browser }> {
  if (!executablePath) throw new Error("CI=true but `which chromium` found no browser: install Debian's chromium");
  await ensureControlBundle();
  const sb = await startSandbox({ port: 0, throttle: false, ...opts });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
  return { sb, browser };
}

/** context.webAPI for Node, straight to the emulator (not through the host's proxy or its PCF host). */
export function nodeWebApi(sb: SandboxHandle, token: string): WebApiPort {
  const get = async (path: string): Promise<WebApiRow> => {
    const res = await fetch(sb.emulator.baseUrl + path, { headers: { Accept: "application/json", Authorization: `Bearer ${token}`, Prefer: 'odata.include-annotations="*"' } });
    const body = (await res.json()) as WebApiRow & { error?: { code: string; message: string } };
    if (!res.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { status: res.status, code: body.error?.code });
    return body;
  };
  const set = (table: string): string => {
    const s = sb.config.entitySets[table];
    if (!s) throw new Error(`no entity set for ${table}`);
    return s;
  };
  return {
    retrieveRecord: (table, id, options = "") => get(`${set(table)}(${id})${options}`),
    retrieveMultipleRecords: async (table, options = "") => ({ entities: (await get(`${set(table)}${options}`)).value as WebApiRow[] }),
  };
}

/** What the engine says about a record with the default pack at `now`, from the data the user can read. */
export async function expectedScore(sb: SandboxHandle, table: string, id: string, userKey: string, now: Date): Promise<RecordScore> {
  const user = sb.emulator.users.find((u) => u.key === userKey);
  if (!user) throw new Error(`no demo user ${userKey}`);
  const compiled = compilePack(defaultRulePack());
  const snapshot = await createWebApiVitalsSource(nodeWebApi(sb, user.token)).load(table, id, compiled);
  return compiled.score(snapshot.record, { now });
}

/** The text of the panel's status region for a score: the grade badge (aria-hidden) and the resx label. */
export function scoreText(strings: Record<string, string>, s: Pick<RecordScore, "score" | "grade">): string {
  return `${s.grade ?? ""}${strings.ScoreLabel.replace("{0}", String(s.score)).replace("{1}", String(s.grade))}`;
}

/** Rule ids of the failed findings the panel lists under "What to fix" (grouped in lists named by severity). */
export async function shownFailedRules(page: Page, strings: Record<string, string>): Promise<string[]> {
  const severities = ["critical", "high", "medium", "low"].map((s) => strings[`Severity_${s}`]);
  return page.evaluate((names) => {
    const out: string[] = [];
    for (const ul of document.querySelectorAll("ul[aria-label]")) {
      if (!names.includes(ul.getAttribute("aria-label") ?? "")) continue;
      for (const li of ul.querySelectorAll(":scope > li[data-rule]")) out.push(li.getAttribute("data-rule") ?? "");
    }
    return out.sort();
  }, severities);
}

export { seriousAxeViolations } from "./axe";
