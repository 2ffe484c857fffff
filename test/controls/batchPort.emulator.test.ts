/**
 * The panel's batching port against the Dataverse emulator over HTTP: the reads a load starts
 * together travel as one `$batch` and yield the same snapshot as one request each; a failed item
 * rejects only its own call, the way PCF's webAPI would; a failed batch falls back to single
 * requests; a lone call goes out as it is.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { batchEntitySet, createBatchingPort, fetchBatchSender, readBatchResponse, webApiRoot, type BatchSender } from "../../plugins-ts/client/batchPort";
import { fallbackTableInfo } from "../../plugins-ts/dataverse/entitysets";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { classifyError } from "../../plugins-ts/client/errors";
import { unknownPropertyOf } from "../../plugins-ts/client/vitalsSource";
import { httpPort, start } from "../helpers/emulator";

/** The `$batch` POST as the browser sends it, signed in with the user's token. */
function sender(emu: EmulatorHandle, token: string, batches: number[]): BatchSender {
  const send = fetchBatchSender(emu.baseUrl, (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${token}` } }));
  return async (body, type) => {
    batches.push((body.match(/^GET /gm) ?? []).length);
    return send(body, type);
  };
}

const compiled = compilePack(defaultRulePack());

describe("the batching port against the emulator", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 400, seed: 7 });
  });
  afterAll(() => emu?.close());

  it.each(["account", "contact", "lead", "opportunity"])("%s: one $batch plus the duplicate query, and the same snapshot as single requests", async (table) => {
    const id = emu.store.rows(table).find((r) => r.statecode === 0)![`${table}id`] as string;
    const plainLog: string[] = [];
    const plain = await createWebApiVitalsSource(httpPort(emu, emu.adminToken, plainLog)).load(table, id, compiled);
    const log: string[] = [];
    const batches: number[] = [];
    const port = createBatchingPort(httpPort(emu, emu.adminToken, log), sender(emu, emu.adminToken, batches), emu.baseUrl);
    const batched = await createWebApiVitalsSource(port).load(table, id, compiled);

    expect(batched.record).toEqual(plain.record);
    expect(batched.partial).toEqual(plain.partial);
    // The record, its activities and the stage or Outlook comparison: one batch of every read but the duplicates'.
    const duplicates = table === "opportunity" ? 0 : 1;
    expect(batches).toEqual([plainLog.length - duplicates]);
    expect(log).toHaveLength(duplicates);
    expect(port.httpRequests()).toBe(1 + duplicates);
    expect(port.httpRequests()).toBeLessThan(plainLog.length);
  });

  it("a failed item rejects only its own call, classified and readable like PCF's error", async () => {
    const id = emu.store.rows("contact")[0].contactid as string;
    const batches: number[] = [];
    const log: string[] = [];
    const port = createBatchingPort(httpPort(emu, emu.adminToken, log), sender(emu, emu.adminToken, batches), emu.baseUrl);
    const [good, bad] = await Promise.allSettled([port.retrieveRecord("contact", id, "?$select=fullname"), port.retrieveRecord("contact", id, "?$select=nosuchcolumn")]);
    expect(good).toMatchObject({ status: "fulfilled", value: { fullname: emu.store.rows("contact")[0].fullname } });
    expect(bad.status).toBe("rejected");
    const reason = (bad as PromiseRejectedResult).reason as unknown;
    expect(unknownPropertyOf(reason)).toEqual({ table: "contact", property: "nosuchcolumn" });
    expect(classifyError(reason).kind).toBe("failed");
    expect(batches).toEqual([2]);
    expect(log).toEqual([]);
  });

  it("a user without read access gets noAccess for that item, not a failed batch", async () => {
    const marketer = emu.users.find((u) => u.key === "marketer")!;
    const opp = emu.store.rows("opportunity")[0].opportunityid as string;
    const contact = emu.store.rows("contact")[0].contactid as string;
    const port = createBatchingPort(httpPort(emu, marketer.token, []), sender(emu, marketer.token, []), emu.baseUrl);
    const [o, c] = await Promise.allSettled([port.retrieveRecord("opportunity", opp, "?$select=name"), port.retrieveMultipleRecords("contact", `?$select=fullname&$filter=contactid eq ${contact}`)]);
    expect(o.status).toBe("rejected");
    expect(classifyError((o as PromiseRejectedResult).reason).kind).toBe("noAccess");
    expect(c.status).toBe("fulfilled");
    expect(port.httpRequests()).toBe(1);
  });

  it("a $batch the service refuses falls back to one request per call; a lone call goes out as it is", async () => {
    const id = emu.store.rows("account")[0].accountid as string;
    const log: string[] = [];
    const refusing: BatchSender = () => Promise.resolve({ status: 503, contentType: "application/json", body: '{"error":{"code":"0x80072321","message":"busy"}}' });
    const port = createBatchingPort(httpPort(emu, emu.adminToken, log), refusing, emu.baseUrl);
    const [a, b] = await Promise.all([port.retrieveRecord("account", id, "?$select=name"), port.retrieveMultipleRecords("account", "?$select=name&$top=2")]);
    expect(a.name).toBe(emu.store.rows("account")[0].name);
    expect(b.entities).toHaveLength(2);
    expect(log).toHaveLength(2);
    await port.retrieveRecord("account", id, "?$select=name");
    expect(log).toHaveLength(3);
    expect(port.httpRequests()).toBe(4);
  });

  it("reads the answer's parts in order and refuses what is not multipart", () => {
    const body = "--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n{}\r\n--b--\r\n";
    expect(readBatchResponse("multipart/mixed; boundary=b", body)).toEqual([
      { status: 200, body: '{"a":1}' },
      { status: 404, body: "{}" },
    ]);
    expect(() => readBatchResponse("application/json", "{}")).toThrow(/not multipart\/mixed/);
  });

  it("batches the tables the panel reads under the gateway's entity-set names, and no table it does not know", () => {
    for (const t of ["account", "contact", "lead", "opportunity", "activitypointer", "opportunitysalesprocess", "leadtoopportunitysalesprocess", "environmentvariabledefinition", "vit_activitygap", "systemuser", "team"]) {
      expect(batchEntitySet(t)).toBe(fallbackTableInfo(t).entitySetName);
    }
    expect(batchEntitySet("new_project")).toBeNull();
  });

  it("the Web API root is the platform's client URL, else the page's origin", () => {
    expect(webApiRoot({ page: { getClientUrl: () => "https://org.crm4.dynamics.com/" } }, "https://x")).toBe("https://org.crm4.dynamics.com/api/data/v9.2/");
    expect(webApiRoot({}, "https://org.crm.dynamics.com")).toBe("https://org.crm.dynamics.com/api/data/v9.2/");
    const harness = { page: { getClientUrl: () => (null as unknown as { getClientUrl(): string }).getClientUrl() } };
    expect(webApiRoot(harness, "http://127.0.0.1:8181")).toBe("http://127.0.0.1:8181/api/data/v9.2/");
  });
});
