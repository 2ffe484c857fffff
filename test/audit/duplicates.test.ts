/**
 * The full audit's duplicate pass reads each table's matching columns page by page and keeps only
 * the prepared records; the candidates it gives a page must be exactly what the matcher gives over
 * the raw records in one array (deduplicate for the table itself, link for a lead that already is
 * a contact or an account), and a page's records each get their own list.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { candidatesOf, createDuplicateFinder } from "../../plugins-ts/audit/duplicates";
import { columnsOf, deduplicate, link, type DuplicateTable, type MatchRecord } from "../../plugins-ts/engine/duplicates";
import type { DataverseGateway } from "../../plugins-ts/dataverse/gateway";
import { f } from "../../plugins-ts/dataverse/requests";
import { gatewayFor } from "../helpers/audit";

let emu: EmulatorHandle;
let gateway: DataverseGateway;
beforeAll(async () => {
  emu = await startEmulator({ data: "demo", size: 1000, seed: 4, throttle: false });
  gateway = gatewayFor(emu);
}, 120_000);
afterAll(() => emu.close());

async function records(table: DuplicateTable): Promise<MatchRecord[]> {
  const out: MatchRecord[] = [];
  for await (const page of gateway.streamTable({ table, columns: columnsOf(table), filter: f.eq("statecode", 0) })) {
    for (const r of page.rows) out.push({ id: String(r[`${table}id`]).toLowerCase(), values: r });
  }
  return out;
}

describe("the full audit's duplicate pass", () => {
  it("answers contacts and leads as the matcher does over whole arrays, links to contacts and accounts included", async () => {
    const [contacts, accounts, leads] = await Promise.all([records("contact"), records("account"), records("lead")]);
    const find = createDuplicateFinder(gateway, { region: "US" });
    const opts = { region: "US" };
    const wantContacts = candidatesOf("contact", [deduplicate({ table: "contact", records: contacts }, opts)]);
    const wantLeads = candidatesOf("lead", [
      deduplicate({ table: "lead", records: leads }, opts),
      link({ table: "contact", records: contacts }, { table: "lead", records: leads }, opts),
      link({ table: "account", records: accounts }, { table: "lead", records: leads }, opts),
    ]);
    const rowsOf = (t: string, rs: MatchRecord[]) => rs.map((r) => ({ [`${t}id`]: r.id }));
    const gotContacts = await find("contact", rowsOf("contact", contacts));
    const gotLeads = await find("lead", rowsOf("lead", leads));
    expect(gotContacts.size).toBe(contacts.length);
    expect(gotLeads.size).toBe(leads.length);
    for (const [id, list] of gotContacts) expect(list).toEqual(wantContacts.get(id) ?? []);
    for (const [id, list] of gotLeads) expect(list).toEqual(wantLeads.get(id) ?? []);
    // the demo plants duplicates, and leads that already are contacts or accounts
    expect([...gotContacts.values()].filter((l) => l.length > 0).length).toBeGreaterThan(5);
    expect([...gotLeads.values()].some((l) => l.some((c) => c.table !== "lead"))).toBe(true);
  }, 300_000);
});
