/** `vitals fix plan --merge` as a user runs it: pairs file → plan → apply → show → undo, and bad input refused before connecting. */
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
});
afterAll(() => emu.close());

const org = (): string[] => ["--url", emu.orgUrl, "--token", emu.adminToken, "--now", emu.groundTruth.now];

describe("vitals fix plan --merge", () => {
  it("plans merges from a pairs file, applies them, shows the run and undoes it", async () => {
    const pair = emu.groundTruth.duplicatePairs.find((p) => p.table === "account" && emu.store.get("account", p.a)?.statecode === 0 && emu.store.get("account", p.b)?.statecode === 0)!;
    const pairs = join(dir, "pairs.csv");
    writeFileSync(pairs, `left_id,right_id,score,match,explanation\r\n${pair.a},${pair.b},0.998,match,"name: exact (+9.1), website: exact (+7.4)"\r\n`);
    const out = join(dir, "merge-plan.json");
    const plan = await runCli(["fix", "plan", "--merge", "--pairs", pairs, "--tables", "account", "--master-rule", "oldest", ...org(), "--out", out]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/1 merges of duplicate account records \(master by oldest/);
    const file = JSON.parse(readFileSync(out, "utf8")) as { merges: { masterId: string; subordinateId: string; why: string }[] };
    expect(file.merges[0].why).toMatch(/name: exact.*master by oldest/);
    const { masterId, subordinateId } = file.merges[0];

    const applied = await runCli(["fix", "apply", out, ...org()]);
    expect(applied.code).toBe(0);
    const runId = /Fix run ([0-9a-f-]{36}): applied/.exec(applied.stdout)?.[1];
    expect(emu.store.get("account", subordinateId)).toMatchObject({ statecode: 1, merged: true, _masterid_value: masterId });

    const shown = await runCli(["fix", "show", runId!, "--url", emu.orgUrl, "--token", emu.adminToken]);
    expect(shown.stdout).toContain("1 entries: 1 applied");

    const undone = await runCli(["fix", "undo", runId!, ...org()]);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toMatch(/Fix run .*: undone/);
    expect(emu.store.get("account", subordinateId)?.statecode).toBe(0);
  }, 300_000);

  it("refuses a table Dataverse cannot merge and an unknown master rule", async () => {
    const out = join(dir, "never.json");
    const opp = await runCli(["fix", "plan", "--merge", "--tables", "opportunity", ...org(), "--out", out]);
    expect([opp.code, /--merge: name one table with --tables \(account, contact, lead\)/.test(opp.stderr)]).toEqual([1, true]);
    const rule = await runCli(["fix", "plan", "--merge", "--tables", "contact", "--master-rule", "newest", ...org(), "--out", out]);
    expect(rule.stderr).toMatch(/--master-rule must be one of complete, recent, oldest/);
  }, 120_000);
});
