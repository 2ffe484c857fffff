/**
 * Duplicate match keys: a full audit stores on every account's and lead's health row the keys
 * other records find it by (company word, website domain, company e-mail domain); an incremental
 * audit looks unchanged records up by those keys (indexed equality) and records modified since
 * the last run by their current values, so a stale key never hides a duplicate. A run after one
 * whose health rows have no keys is a full one.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit, type AuditOptions } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import { companyWord, keyLookupOf, matchKeysOf } from "../../plugins-ts/engine/duplicates";
import { RUN_STATUS } from "../../plugins-ts/audit/model";
import { gatewayFor, storedHealth } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const HOUR = 3_600_000;
const TABLES = ["account", "contact", "lead", "opportunity"];

describe("match keys of a record", () => {
  it("are the company's first word, the website's registrable domain and a company e-mail domain", () => {
    expect(matchKeysOf("account", { name: "The Contoso Co., Ltd.", websiteurl: "https://shop.contoso.co.uk/about", emailaddress1: "Sales@Contoso.co.uk" })).toEqual({ company: "contoso", website: "contoso.co.uk", domain: "contoso.co.uk" });
    expect(matchKeysOf("lead", { companyname: "Fabrikam Inc", websiteurl: null, emailaddress1: "someone@gmail.com" })).toEqual({ company: "fabrikam", website: null, domain: null });
    expect(matchKeysOf("contact", { fullname: "Ann Lee" })).toBeNull();
    expect(companyWord("   ")).toBeNull();
  });

  it("a lead looks for accounts by its company, website and company e-mail domains (as website too)", () => {
    const lookup = keyLookupOf("lead", "account", { companyname: "Litware", websiteurl: "www.litware.com", emailaddress1: "ann@litware.com", emailaddress2: "ann@outlook.com", emailaddress3: "ann@litware-labs.com" });
    expect(lookup).toEqual({ company: ["litware"], website: ["litware.com", "litware-labs.com"], domain: ["litware.com", "litware-labs.com"] });
    // leads among leads: no e-mail-domain condition (as buildCandidateQueries)
    expect(keyLookupOf("lead", "lead", { companyname: "Litware", emailaddress1: "ann@litware.com" })).toEqual({ company: ["litware"], website: [], domain: [] });
    expect(keyLookupOf("contact", "contact", { lastname: "Lee" })).toBeNull();
  });
});

describe("an incremental audit finds duplicates by the stored match keys", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 400, seed: 4, now: NOW, throttle: false });
  }, 120_000);
  afterAll(async () => emu.close());

  const options = (over: Partial<AuditOptions>): AuditOptions => ({ gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: NOW, ...over });
  const accounts = (): Record<string, unknown>[] => [...emu.store.rows("account")].filter((r) => r.statecode === 0).sort((a, b) => String(a.accountid).localeCompare(String(b.accountid)));
  const isDuplicate = (id: string): boolean => storedHealth(emu).get(`account|${id}`)?.failed.has("account.duplicate") ?? false;

  it("stores every account's keys on its health row after a full audit", async () => {
    expect((await runAudit(options({}))).status).toBe("completed");
    const rows = [...emu.store.rows("vit_recordhealth")];
    for (const a of accounts()) {
      const h = rows.find((r) => r.vit_table === "account" && r.vit_recordid === String(a.accountid));
      expect(h).toBeDefined();
      const keys = matchKeysOf("account", a)!;
      expect([h!.vit_matchcompany ?? null, h!.vit_matchwebsite ?? null, h!.vit_matchdomain ?? null]).toEqual([keys.company, keys.website, keys.domain]);
    }
    expect(rows.filter((r) => r.vit_table === "contact").every((r) => r.vit_matchcompany == null)).toBe(true);
  });

  it("a record renamed to an unchanged account's name is a duplicate of it; one whose stored key is stale is found by its new name", async () => {
    const clean = accounts().filter((a) => !isDuplicate(String(a.accountid)) && a.websiteurl && a.name);
    expect(clean.length).toBeGreaterThan(4);
    const [original, copy, staleA, staleB] = clean;
    const stamp = new Date(NOW.getTime() + HOUR).toISOString();
    // `copy` takes `original`'s name, website and city (not its e-mail or phone, which would be found without keys).
    emu.store.update("account", String(copy.accountid), { name: original.name, websiteurl: original.websiteurl, address1_line1: original.address1_line1, address1_city: original.address1_city, address1_postalcode: original.address1_postalcode, modifiedon: stamp });
    // Both renamed to a new company: each one's stored key still says its old name.
    const fresh = { name: "Zyxwvut Quarries Ltd", websiteurl: "https://www.zyxwvut-quarries.example.com", address1_line1: "12 Quarry Lane", address1_city: "Leeds", address1_postalcode: "LS1 4AP", telephone1: null, telephone2: null, emailaddress1: null };
    emu.store.update("account", String(staleA.accountid), { ...fresh, modifiedon: stamp });
    emu.store.update("account", String(staleB.accountid), { ...fresh, name: "Zyxwvut Quarries", modifiedon: stamp });

    const inc = await runAudit(options({ mode: "incremental", now: new Date(NOW.getTime() + 2 * HOUR) }));
    expect(inc.status).toBe("completed");
    expect(inc.mode).toBe("incremental");
    expect(isDuplicate(String(copy.accountid))).toBe(true);
    expect(isDuplicate(String(staleA.accountid))).toBe(true);
    expect(isDuplicate(String(staleB.accountid))).toBe(true);
    // and the renamed records' keys are now their new ones
    const h = [...emu.store.rows("vit_recordhealth")].find((r) => r.vit_table === "account" && r.vit_recordid === String(staleA.accountid));
    expect(h?.vit_matchcompany).toBe("zyxwvut");
  }, 120_000);

  it("runs in full after a run whose health rows carry no keys (an earlier version's)", async () => {
    const last = [...emu.store.rows("vit_auditrun")].filter((r) => r.vit_status === RUN_STATUS.completed).sort((a, b) => String(b.vit_startedon).localeCompare(String(a.vit_startedon)))[0];
    const agg = JSON.parse(String(last.vit_aggregates)) as Record<string, unknown>;
    delete agg.healthFormat;
    emu.store.update("vit_auditrun", String(last.vit_auditrunid), { vit_aggregates: JSON.stringify(agg) });
    const run = await runAudit(options({ mode: "incremental", now: new Date(NOW.getTime() + 3 * HOUR) }));
    expect(run.status).toBe("completed");
    expect(run.mode).toBe("full");
    expect(run.fullBecause).toMatch(/match keys/);
  }, 120_000);
});
