import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, readAll, start, tokenOf, userOf } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };

describe("emulator: security", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 800, seed: 31 });
  });
  afterAll(() => emu.close());

  it("answers 401 without a valid token, for unknown tokens and for disabled users", async () => {
    for (const token of [null, "emu_not-a-token", tokenOf(emu, "former1")]) {
      const res = await api(emu, token).get<Err>("accounts?$top=1");
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(res.body.error.code).toMatch(/^0x/);
    }
  });

  it("a Basic-read user sees only rows owned by them or their teams, in collections and single reads", async () => {
    const rep = userOf(emu, "rep1");
    const teams = new Set(emu.store.rows("teammembership").filter((m) => m.systemuserid === rep.systemuserid).map((m) => m.teamid as string));
    const mine = (r: Record<string, unknown>): boolean => r._ownerid_value === rep.systemuserid || teams.has(r._ownerid_value as string);
    const a = api(emu, rep.token);
    const { rows } = await readAll(a, "contacts?$select=fullname,_ownerid_value", { Prefer: "odata.maxpagesize=50" });
    const expected = emu.store.rows("contact").filter(mine);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(emu.store.count("contact"));
    expect(rows.map((r) => r.contactid).sort()).toEqual(expected.map((r) => r.contactid).sort());
    const other = emu.store.rows("contact").find((r) => !mine(r))!;
    const denied = await a.get<Err>(`contacts(${String(other.contactid)})`);
    expect(denied.status).toBe(403);
    // The privilege is held at Basic depth, so the access check fails: 0x80048306 ("Troubleshoot Dataverse
    // client errors": "Principal with ID … does not have …Access right(s) for record …"), not 0x80040220.
    expect(denied.body.error.code).toBe("0x80048306");
    expect(denied.body.error.message).toMatch(/does not have ReadAccess right\(s\) for record/);
    expect((await a.get(`contacts(${String(expected[0].contactid)})`)).status).toBe(200);
    // writes need the privilege at the right depth too
    expect((await a.patch<Err>(`contacts(${String(other.contactid)})`, { jobtitle: "x" }, { "If-Match": "*" })).status).toBe(403);
    expect((await a.patch(`contacts(${String(expected[0].contactid)})`, { jobtitle: "Buyer" }, { "If-Match": "*" })).status).toBe(204);
    // reference data is readable organisation-wide
    expect((await readAll(a, "systemusers?$select=fullname")).rows).toHaveLength(emu.users.length);
    const fetch = await a.get<{ value: unknown[] }>(`contacts?fetchXml=${encodeURIComponent("<fetch><entity name='contact'><attribute name='fullname'/></entity></fetch>")}`);
    expect(fetch.body.value).toHaveLength(expected.length);
  });

  it("a Business Unit manager sees the rows of their business unit", async () => {
    const mgr = userOf(emu, "manager");
    const { rows } = await readAll(api(emu, mgr.token), "opportunities?$select=name");
    const expected = emu.store.rows("opportunity").filter((r) => r._owningbusinessunit_value === mgr.businessunitid);
    expect(rows).toHaveLength(expected.length);
  });

  it("a user without read privilege gets 403 0x80040220; governance owners write vit_ tables only", async () => {
    const m = api(emu, tokenOf(emu, "marketer"));
    const res = await m.get<Err>("opportunities?$select=name");
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("0x80040220");
    expect(res.body.error.message).toMatch(/prvReadOpportunity/);
    expect((await m.get("contacts?$top=1")).status).toBe(200);
    const gov = api(emu, tokenOf(emu, "govowner"));
    expect((await gov.post("vit_auditruns", { vit_name: "run" })).status).toBe(204);
    const denied = await gov.post<Err>("accounts", { name: "nope" });
    expect(denied.status).toBe(403);
    expect((await readAll(gov, "accounts?$select=name")).rows).toHaveLength(emu.store.count("account"));
  });
});

describe("emulator: service protection and faults", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 200, seed: 41, throttle: { maxRequests: 5, windowMs: 60_000 } });
  });
  afterAll(() => emu.close());

  it("answers 429 with Retry-After and the documented code when the request count is exceeded, per user", async () => {
    const a = api(emu);
    for (let i = 0; i < 5; i++) expect((await a.get("WhoAmI")).status).toBe(200);
    const res = await a.get<Err>("WhoAmI");
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("0x80072322");
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await api(emu, tokenOf(emu, "rep1")).get("WhoAmI")).status).toBe(200); // another user is not affected
    expect(emu.stats().throttled).toBeGreaterThanOrEqual(1);
  });

  it("limits combined execution time and concurrency", async () => {
    emu.setThrottle({ maxExecutionMs: 1, maxRequests: 1000 });
    emu.setFaults({ seed: 1, latencyMs: [30, 30] });
    const a = api(emu);
    expect((await a.get("WhoAmI")).status).toBe(200);
    const res = await a.get<Err>("WhoAmI");
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("0x80072321");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    emu.setThrottle({ maxConcurrent: 2 });
    const parallel = await Promise.all(Array.from({ length: 6 }, () => a.get<Err>("WhoAmI")));
    const limited = parallel.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const r of limited) expect(r.body.error.code).toBe("0x80072326");
    expect(parallel.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    emu.setThrottle(false);
    emu.setFaults(null);
  });

  it("injects 503s, dropped connections and throttle storms deterministically for a seed", async () => {
    emu.setThrottle(false);
    const run = async (): Promise<string[]> => {
      emu.setFaults({ seed: 99, error503Rate: 0.2, dropRate: 0.1, throttleStorm: { every: 7, retryAfterSeconds: 2 } });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          const res = await fetch(`${emu.baseUrl}WhoAmI`, { headers: { Authorization: `Bearer ${emu.adminToken}` } });
          out.push(String(res.status) + (res.status === 429 ? `/${String(res.headers.get("retry-after"))}` : ""));
          await res.text();
        } catch {
          out.push("drop");
        }
      }
      return out;
    };
    emu.resetStats();
    const first = await run();
    const stats = emu.stats();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain("503");
    expect(first).toContain("drop");
    expect(first).toContain("429/2");
    expect(first).toContain("200");
    expect(stats.faults503).toBe(first.filter((s) => s === "503").length);
    expect(stats.dropped).toBe(first.filter((s) => s === "drop").length);
    emu.setFaults({ seed: 100, error503Rate: 0.2, dropRate: 0.1 });
    const other: string[] = [];
    for (let i = 0; i < 40; i++) {
      try {
        other.push(String((await fetch(`${emu.baseUrl}WhoAmI`, { headers: { Authorization: `Bearer ${emu.adminToken}` } })).status));
      } catch {
        other.push("drop");
      }
    }
    expect(other).not.toEqual(first);
    emu.setFaults(null);
  });

  it("counts requests by kind, rows read and written, over HTTP too", async () => {
    emu.setThrottle(false);
    emu.resetStats();
    const a = api(emu);
    await a.get("accounts?$select=name&$top=3");
    await a.post("accounts", { name: "Stats Ltd" });
    const res = await fetch(`${emu.orgUrl}_emulator/stats`);
    const s = (await res.json()) as ReturnType<EmulatorHandle["stats"]>;
    expect(s).toMatchObject({ requests: 2, rowsRead: 3, rowsWritten: 1, byKind: { read: 1, create: 1 } });
    expect((await fetch(`${emu.orgUrl}_emulator/reset-stats`, { method: "POST" })).status).toBe(204);
    expect(emu.stats().requests).toBe(0);
  });
});
