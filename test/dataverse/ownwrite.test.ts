/**
 * The one conditional update every "write only if unchanged" path uses (audit run rows, schedule
 * claims, partition leases, "run now", the rule pack and waiver decisions): against the emulator,
 * which answers If-Match as Dataverse does.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { etagOf, type DataverseGateway, type Row, type Upserts } from "../../plugins-ts/dataverse/gateway";
import { updateIfUnchanged, updateIfUnchangedThen } from "../../plugins-ts/dataverse/ownwrite";
import { gatewayFor } from "../helpers/audit";

let emu: EmulatorHandle;
let gateway: DataverseGateway;
let id: string;

beforeAll(async () => {
  emu = await startEmulator({ data: "empty", throttle: false });
  gateway = gatewayFor(emu);
  // A CRM Vitals table: the gateway writes no customer tables (this helper serves only vit_ rows
  // and the fix paths, which check their own allow-list).
  const [out] = await gateway.createMany("vit_auditschedule", [{ vit_name: "Weekly accounts", vit_scope: "{}", vit_mode: 105420001, vit_cron: "0 6 * * 1" }]);
  if (!out?.ok || !out.id) throw new Error("setup: schedule not created");
  id = out.id;
});
afterAll(async () => emu.close());

async function version(): Promise<string> {
  const row = await gateway.retrieveRecord("vit_auditschedule", id, ["versionnumber"]);
  return etagOf(row!);
}

test("writes a row still at the version read, and hands back the new version for the next write", async () => {
  const read = await version();
  const first = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "Weekly accounts (EMEA)" }, read);
  expect(first.written).toBe(true);
  if (!first.written) return;
  expect(first.etag).not.toBe(read);
  expect(first.etag).toBe(await version());
  const second = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_cron: "30 5 * * 1" }, first.etag);
  expect(second.written).toBe(true);
  expect((await gateway.retrieveRecord("vit_auditschedule", id, ["vit_name", "vit_cron"]))).toMatchObject({ vit_name: "Weekly accounts (EMEA)", vit_cron: "30 5 * * 1" });
});

test("a row someone else changed since it was read is left as they saved it", async () => {
  const read = await version();
  await gateway.updateMany("vit_auditschedule", [{ vit_auditscheduleid: id, vit_name: "Changed by a colleague" }]);
  const out = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "Our name" }, read);
  expect(out).toEqual({ written: false });
  expect((await gateway.retrieveRecord("vit_auditschedule", id, ["vit_name"]))?.vit_name).toBe("Changed by a colleague");
});

test("a repeat of our own write (its answer lost) counts as written, with the row's version", async () => {
  const read = await version();
  const patch = { vit_name: "Weekly accounts (all regions)", vit_enabled: false, vit_nextrunon: "2026-12-07T06:00:00.000Z" };
  const first = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, patch, read);
  expect(first.written).toBe(true);
  // The same write sent again with the version it was first sent with: 412, but the row holds it.
  const repeat = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, patch, read);
  expect(repeat).toEqual({ written: true, etag: await version() });
});

test("never sends If-Match: * and names the row when no version is given", async () => {
  await expect(updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "x" }, "*")).rejects.toThrow(`vit_auditschedule ${id}: a conditional update needs the version that was read`);
  await expect(updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "x" }, "")).rejects.toThrow("needs the version that was read");
});

test("other failures are the platform's error, not 'changed meanwhile'", async () => {
  const read = await version();
  await expect(updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_timeofday: "06:00:00" }, read)).rejects.toThrow(/0x80044331|length/i);
  expect((await gateway.retrieveRecord("vit_auditschedule", id, ["vit_name"]))?.vit_name).toBe("Weekly accounts (all regions)");
});

describe("updateIfUnchangedThen: upserts after the update, in its $batch", () => {
  const health = (tag: string, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ vit_table: "contact", vit_recordid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, vit_name: `${tag} ${i}` }));
  const stored = (tag: string): number => emu.store.rows("vit_recordhealth").filter((r) => String(r.vit_name).startsWith(`${tag} `)).length;
  const upserts = (rows: Row[]): Upserts => ({ table: "vit_recordhealth", rows, opts: { alternateKey: ["vit_table", "vit_recordid"] } });

  test("writes the row, then the upserts, in one request", async () => {
    const read = await version();
    emu.resetStats();
    const out = await updateIfUnchangedThen(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "Then: written" }, read, upserts(health("then-a", 5)));
    expect(out.update).toEqual({ written: true, etag: await version() });
    expect(out.upserted?.map((o) => o.ok)).toEqual([true, true, true, true, true]);
    expect(stored("then-a")).toBe(5);
    expect(emu.stats().byKind.batch).toBe(1);
  });

  test("a row someone else changed: neither it nor the upserts are written", async () => {
    const read = await version();
    await gateway.updateMany("vit_auditschedule", [{ vit_auditscheduleid: id, vit_name: "Then: a colleague's" }]);
    const out = await updateIfUnchangedThen(gateway, "vit_auditschedule", "vit_auditscheduleid", id, { vit_name: "Then: ours" }, read, upserts(health("then-b", 3)));
    expect(out).toEqual({ update: { written: false }, upserted: null });
    expect(stored("then-b")).toBe(0);
    expect((await gateway.retrieveRecord("vit_auditschedule", id, ["vit_name"]))?.vit_name).toBe("Then: a colleague's");
  });

  test("a repeat of our own write counts as written; the upserts are left to the caller", async () => {
    const read = await version();
    const patch = { vit_name: "Then: repeated" };
    expect((await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", id, patch, read)).written).toBe(true);
    const out = await updateIfUnchangedThen(gateway, "vit_auditschedule", "vit_auditscheduleid", id, patch, read, upserts(health("then-c", 2)));
    expect(out).toEqual({ update: { written: true, etag: await version() }, upserted: null });
    expect(stored("then-c")).toBe(0);
  });
});
