/**
 * Alternate keys after a solution import (Define alternate keys; EntityKeyIndexStatus): the key is
 * Pending, then InProgress, then Active, and until it is Active it addresses no record.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, start, type Api } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };
type Keys = { value: { LogicalName: string; KeyAttributes: string[]; EntityKeyIndexStatus: string }[] };

describe("alternate-key index status", () => {
  let fresh: EmulatorHandle;
  let settled: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    [fresh, settled] = await Promise.all([start({ size: 100, seed: 3, keyIndexes: "pending" }), start({ size: 100, seed: 3 })]);
    a = api(fresh);
  });
  afterAll(() => Promise.all([fresh.close(), settled.close()]));

  const keysPath = "EntityDefinitions(LogicalName='vit_recordhealth')/Keys";

  it("goes Pending → InProgress → Active after an import, and the key is refused until it is Active", async () => {
    const cid = String(fresh.store.rows("contact")[0].contactid);
    const key = `vit_recordhealths(vit_table='contact',vit_recordid='${cid}')`;

    const first = await a.get<Keys>(keysPath);
    expect(first.body.value).toEqual([expect.objectContaining({ KeyAttributes: ["vit_table", "vit_recordid"], EntityKeyIndexStatus: "Pending" })]);

    const refused = await a.patch<Err>(key, { vit_score: 70 });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("0x80060888");
    expect(refused.body.error.message).toMatch(/alternate key 'vit_tablerecordkey' \(vit_table, vit_recordid\) of 'vit_recordhealth' can't be used yet: its index is InProgress/);
    expect(fresh.store.rows("vit_recordhealth").some((r) => r.vit_recordid === cid)).toBe(false);

    expect((await a.get<Keys>(keysPath)).body.value[0].EntityKeyIndexStatus).toBe("Active");
    const upsert = await a.patch(key, { vit_score: 70 });
    expect(upsert.status).toBe(204);
    expect((await a.get(`${key}?$select=vit_score`)).body.vit_score).toBe(70);
  });

  it("keeps a key usable by GUID while it is pending, and standard tables' keys Active", async () => {
    const other = await start({ size: 100, seed: 3, keyIndexes: "pending" });
    try {
      const b = api(other);
      const created = await b.post("vit_recordhealths", { vit_table: "account", vit_recordid: "00000000-0000-0000-0000-0000000000aa", vit_score: 10 }, { Prefer: "return=representation" });
      expect(created.status).toBe(201);
      const byId = await b.get(`vit_recordhealths(${String(created.body.vit_recordhealthid)})?$select=vit_score`);
      expect(byId.body.vit_score).toBe(10);
      const std = await b.get<Keys>("EntityDefinitions(LogicalName='environmentvariabledefinition')/Keys");
      expect(std.body.value.every((k) => k.EntityKeyIndexStatus === "Active")).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("has every key Active at once in an organisation imported long ago (the default)", async () => {
    const b = api(settled);
    expect((await b.get<Keys>(keysPath)).body.value[0].EntityKeyIndexStatus).toBe("Active");
    const cid = String(settled.store.rows("contact")[0].contactid);
    expect((await b.patch(`vit_recordhealths(vit_table='contact',vit_recordid='${cid}')`, { vit_score: 1 })).status).toBe(204);
  });
});
