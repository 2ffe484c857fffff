/** `vitals fix` as a user runs it: plan → apply → show → undo against an emulator, and a bad plan refused. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { runCli, tempFiles } from "../helpers/cli";
import { start } from "../helpers/emulator";

let emu: EmulatorHandle;
let dir: string;
beforeAll(async () => {
  emu = await start({ size: 300, seed: 3 });
  dir = tempFiles({});
  // Three active accounts whose names were typed in capitals (what account.name.casing fixes), planted
  // here so the test does not depend on which defects the generator happened to draw for this seed.
  for (const a of emu.store.rows("account").filter((r) => r.statecode === 0).slice(0, 3)) {
    emu.store.update("account", String(a.accountid), { name: "NORTHWIND TRADERS " + String(a.accountid).slice(0, 4).toUpperCase().replace(/[0-9]/g, "X") });
  }
});
afterAll(() => emu.close());

const org = (): string[] => ["--url", emu.orgUrl, "--token", emu.adminToken, "--now", emu.groundTruth.now];

describe("vitals fix", () => {
  it("plans, applies, shows and undoes a run; exit code 0 when every entry ended as asked", async () => {
    const out = join(dir, "plan.json");
    const plan = await runCli(["fix", "plan", ...org(), "--tables", "account", "--rules", "account.name.casing", "--out", out]);
    expect(plan.code).toBe(0);
    const file = JSON.parse(readFileSync(out, "utf8")) as { entries: { recordId: string; changes: { after: string }[] }[] };
    expect(file.entries.length).toBeGreaterThan(0);
    expect(plan.stdout).toMatch(new RegExp(`${file.entries.length} fixes`));

    const applied = await runCli(["fix", "apply", out, ...org()]);
    expect(applied.stderr).not.toMatch(/failed/);
    expect(applied.code).toBe(0);
    const runId = /Fix run ([0-9a-f-]{36}): applied/.exec(applied.stdout)?.[1];
    expect(runId).toBeDefined();
    for (const e of file.entries) expect(emu.store.get("account", e.recordId)?.name).toBe(e.changes[0].after);

    const shown = await runCli(["fix", "show", runId!, "--url", emu.orgUrl, "--token", emu.adminToken]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${file.entries.length} entries: ${file.entries.length} applied`);

    const undone = await runCli(["fix", "undo", runId!, ...org()]);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toMatch(/Fix run .*: undone/);
    for (const e of file.entries) expect(emu.store.get("account", e.recordId)?.name).not.toBe(e.changes[0].after);
  }, 300_000);

  it("refuses a plan file that is not a fix plan, naming the problem", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ kind: "crm-vitals-fix-plan", v: 1, entries: [{ etag: "*" }] }));
    const r = await runCli(["fix", "apply", bad, ...org()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a valid CRM Vitals fix plan; nothing was applied/);
    expect(r.stderr).toMatch(/planId/);
  }, 120_000);
});
