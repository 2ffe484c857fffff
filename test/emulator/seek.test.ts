/**
 * The emulator answers `eq`, `Microsoft.Dynamics.CRM.In` and `startswith` from an index (sandbox/emulator/seek.ts):
 * the rows and their order must be exactly those a scan of the table gives.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { parseFilter } from "../../sandbox/emulator/odata";
import { seekIds } from "../../sandbox/emulator/seek";
import { api, readAll, start, type Api } from "../helpers/emulator";

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

describe("emulator: index seeks for eq and In", () => {
  let emu: EmulatorHandle;
  let a: Api;
  let contacts: Record<string, unknown>[];
  beforeAll(async () => {
    emu = await start({ size: 1500, seed: 7, now: new Date("2026-06-01T00:00:00Z") });
    a = api(emu);
    contacts = emu.store.rows("contact");
  });
  afterAll(() => emu.close());

  /** The ids a filter gives through the Web API (index) and by testing every row of the store (scan), in key order. */
  async function both(filter: string, top?: number): Promise<{ viaApi: string[]; scan: string[]; seeks: boolean }> {
    const path = `contacts?$select=contactid&$filter=${encodeURIComponent(filter)}${top ? `&$top=${top}` : ""}`;
    const { rows } = await readAll(a, path, { Prefer: "odata.maxpagesize=7" });
    const pred = parseFilter(filter, emu.store.table("contact"), { now: Date.now(), userId: "", businessUnitId: "" });
    const scan = contacts.filter(pred).map((r) => String(r.contactid));
    return { viaApi: rows.map((r) => String(r.contactid)), scan: top ? scan.slice(0, top) : scan, seeks: seekIds(emu.store, "contact", pred) !== null };
  }

  it("gives the rows of a scan for e-mails by In, names by eq and OR-ed conditions per record, across pages", async () => {
    const sample = contacts.filter((r) => r.lastname && r.emailaddress1).slice(0, 40);
    const emails = sample.map((r) => String(r.emailaddress1).toUpperCase()); // text compares case-insensitively
    const perRecord = sample.map((r) => `(lastname eq ${q(String(r.lastname))} and startswith(firstname,${q(typeof r.firstname === "string" ? r.firstname.slice(0, 2) : "")}))`).join(" or ");
    const filters = [
      `statecode eq 0 and Microsoft.Dynamics.CRM.In(PropertyName='emailaddress1',PropertyValues=[${emails.map(q).join(",")}])`,
      `lastname eq ${q(String(sample[0].lastname))}`,
      `statecode eq 0 and (${perRecord})`,
      `(lastname eq ${q(String(sample[1].lastname))} or emailaddress1 eq ${q(String(sample[2].emailaddress1))}) and statecode eq 0`,
    ];
    for (const filter of filters) {
      const r = await both(filter);
      expect(r.seeks).toBe(true);
      expect(r.viaApi.length).toBeGreaterThan(0);
      expect(r.viaApi).toEqual(r.scan);
    }
    expect((await both(filters[2], 5)).viaApi).toHaveLength(5);
  });

  it("scans when a condition cannot be answered from an index (contains, endswith), with the same rows", async () => {
    for (const filter of [`lastname eq ${q(String(contacts[0].lastname))} or contains(firstname,'a')`, `endswith(emailaddress1,'.com')`]) {
      const r = await both(filter);
      expect(r.seeks).toBe(false);
      expect(r.viaApi).toEqual(r.scan);
    }
  });

  it("answers a wide OR as an index union, each branch's rows tested by that branch, with the rows of a scan", async () => {
    // Branches whose rows add up to more than the table (common surnames, every contact active): a
    // superset of ids would be no better than a scan; the union of each branch's own matches is.
    const named = contacts.filter((r) => typeof r.lastname === "string" && typeof r.firstname === "string").slice(0, 120);
    const perRecord = named.map((r) => `(statecode eq 0 and startswith(lastname,${q(String(r.lastname).slice(0, 1))}) and startswith(firstname,${q(String(r.firstname).slice(0, 2))}))`).join(" or ");
    const r = await both(`statecode eq 0 and (${perRecord})`);
    expect(r.seeks).toBe(true);
    expect(r.viaApi.length).toBeGreaterThan(0);
    expect(r.viaApi).toEqual(r.scan);
  });

  it("answers startswith from a range of the index, as SQL Server does for LIKE 'abc%', with the rows of a scan", async () => {
    const named = contacts.filter((r) => typeof r.lastname === "string" && r.lastname.length >= 3 && r.address1_postalcode);
    const withPostcode = named.slice(0, 30).map((r) => `(address1_postalcode eq ${q(String(r.address1_postalcode))} and startswith(lastname,${q(String(r.lastname).slice(0, 3).toUpperCase())}))`).join(" or ");
    const filters = [`startswith(lastname,${q(String(named[0].lastname).slice(0, 2))})`, `statecode eq 0 and (${withPostcode})`, `startswith(lastname,'Zzzzzq') or lastname eq ${q(String(named[1].lastname))}`];
    for (const filter of filters) {
      const r = await both(filter);
      expect(r.seeks).toBe(true);
      expect(r.viaApi.length).toBeGreaterThan(0);
      expect(r.viaApi).toEqual(r.scan);
    }
  });

  it("sees writes made after the index was built", async () => {
    const target = contacts.find((r) => r.lastname)!;
    const filter = `lastname eq 'Zyxwvutsrq'`;
    expect((await both(filter)).viaApi).toEqual([]);
    const res = await a.patch(`contacts(${String(target.contactid)})`, { lastname: "Zyxwvutsrq" });
    expect(res.status).toBe(204);
    contacts = emu.store.rows("contact");
    const r = await both(filter);
    expect(r.viaApi).toEqual([String(target.contactid)]);
    expect(r.viaApi).toEqual(r.scan);
  });
});
