/**
 * Conformance: the emulator driven by @odata/client (light-odata, MIT), a maintained OData v4 client
 * nobody on this project wrote, unchanged: create/read/update/delete, query options, paging,
 * $batch, ETags and functions. A failure here is an emulator bug unless the client does something
 * Dataverse itself refuses (then the case says so).
 */
import { Guid, OData, RawString } from "@odata/client";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { start } from "../helpers/emulator";

type Row = Record<string, unknown>;
type ODataV4 = ReturnType<typeof OData.New4>;

describe("conformance: @odata/client against the emulator", () => {
  let emu: EmulatorHandle;
  let client: ODataV4;
  const clientWith = (headers: Record<string, string>): ODataV4 =>
    OData.New4({ serviceEndpoint: emu.baseUrl, commonHeaders: { Authorization: `Bearer ${emu.adminToken}`, ...headers } });
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 21 });
    client = clientWith({ Prefer: "return=representation" });
  });
  afterAll(() => emu.close());

  it("creates, reads, updates and deletes a record", async () => {
    const accounts = client.getEntitySet<Row>("accounts");
    const created = await accounts.create({ name: "Conformance Co", revenue: 1250.5, numberofemployees: 12 });
    const id = String(created.accountid);
    expect(created).toMatchObject({ name: "Conformance Co", revenue: 1250.5, numberofemployees: 12 });
    expect(emu.store.get("account", id)).toMatchObject({ name: "Conformance Co" });
    const read = await accounts.retrieve(Guid.from(id), client.newOptions().select(["name", "revenue"]));
    expect(read).toMatchObject({ accountid: id, name: "Conformance Co", revenue: 1250.5 });
    expect(String(read["@odata.context"])).toMatch(/#accounts\(name,revenue\)\/\$entity$/);
    await accounts.update(Guid.from(id), { name: "Conformance Co (renamed)" });
    expect(emu.store.get("account", id)!.name).toBe("Conformance Co (renamed)");
    await accounts.delete(Guid.from(id));
    expect(emu.store.get("account", id)).toBeUndefined();
    await expect(accounts.retrieve(Guid.from(id))).rejects.toThrow(/Does Not Exist/);
  });

  it("queries with $filter, $select, $orderby, $top and $count", async () => {
    const contacts = client.getEntitySet<Row>("contacts");
    const store = emu.store.rows("contact").filter((c) => c.statecode === 0 && typeof c.lastname === "string");
    const filter = client.newFilter().property("statecode").eq(0);
    const rows = await contacts.query(client.newOptions().select(["fullname", "lastname"]).filter(filter).orderby("lastname", "desc").top(7));
    expect(rows).toHaveLength(Math.min(7, store.length));
    const lastNames = rows.map((r) => String(r.lastname).toLowerCase());
    expect(lastNames).toEqual([...lastNames].sort().reverse());
    expect(Object.keys(rows[0]).filter((k) => !k.startsWith("@")).sort()).toEqual(["contactid", "fullname", "lastname"]);
    expect(await contacts.count()).toBe(emu.store.count("contact"));
  });

  it("pages with Prefer: odata.maxpagesize and $skiptoken from @odata.nextLink", async () => {
    const paging = clientWith({ Prefer: "odata.maxpagesize=40" });
    const seen = new Set<string>();
    let options = paging.newOptions().select("name");
    for (let page = 0; page < 100; page++) {
      const res = (await paging.newRequest<Row>({ collection: "accounts", params: options })) as { value?: Row[]; "@odata.nextLink"?: string };
      for (const r of res.value ?? []) seen.add(String(r.accountid));
      const next = res["@odata.nextLink"];
      if (typeof next !== "string") break;
      expect((res.value ?? []).length).toBe(40);
      options = paging.newOptions().select("name").custom("$skiptoken", new URL(next).searchParams.get("$skiptoken"));
    }
    expect(seen.size).toBe(emu.store.count("account"));
  });

  it("sends a $batch with a create and a query", async () => {
    const responses = await client.execBatchRequests([
      client.newBatchRequest({ collection: "accounts", method: "POST", entity: { name: "Batched by @odata/client" } }),
      client.newBatchRequest({ collection: "accounts", method: "GET", params: client.newOptions().select("name").top(2) }),
    ]);
    const [create, query] = responses;
    expect(create.status).toBe(201);
    expect(((await create.json()) as Row).name).toBe("Batched by @odata/client");
    expect(query.status).toBe(200);
    expect((await query.json()).value).toHaveLength(2);
    expect(emu.store.rows("account").some((r) => r.name === "Batched by @odata/client")).toBe(true);
  });

  it("honours ETags: a stale If-Match is refused with 412", async () => {
    const accounts = client.getEntitySet<Row>("accounts");
    const created = await accounts.create({ name: "Etag Co" });
    const id = String(created.accountid);
    const etag = String(created["@odata.etag"]);
    await clientWith({ "If-Match": etag }).getEntitySet<Row>("accounts").update(Guid.from(id), { name: "Etag Co 2" });
    await expect(clientWith({ "If-Match": etag }).getEntitySet<Row>("accounts").update(Guid.from(id), { name: "Etag Co 3" })).rejects.toThrow(/RowVersion/);
    expect(emu.store.get("account", id)!.name).toBe("Etag Co 2");
  });

  it("calls functions: WhoAmI, RetrieveTotalRecordCount", async () => {
    const who = (await client.functionImport("WhoAmI")) as Row;
    expect(who.UserId).toBe(emu.users.find((u) => u.token === emu.adminToken)!.systemuserid);
    const counts = (await client.functionImport("RetrieveTotalRecordCount", { EntityNames: RawString.from('["account","lead"]') })) as Row;
    expect(counts.EntityRecordCountCollection).toMatchObject({ Keys: ["account", "lead"], Values: [emu.store.count("account"), emu.store.count("lead")] });
  });
});
