import { isValidPhoneNumber, type CountryCode } from "libphonenumber-js";
import { postcodeValidator } from "postcode-validator";
import validator from "validator";
import { DEFECT_KINDS, generateDemoOrg, type DemoOrg } from "../../sandbox/demo/generate";
import type { Row } from "../../sandbox/emulator";
import { str } from "../../sandbox/emulator/values";

const NOW = new Date("2026-03-15T00:00:00Z");
const DAY = 86_400_000;
const COUNTRY: Record<string, CountryCode> = { "United States": "US", "United Kingdom": "GB", Germany: "DE" };
const MAIN = ["account", "contact", "lead", "opportunity"] as const;
const PK: Record<string, string> = { account: "accountid", contact: "contactid", lead: "leadid", opportunity: "opportunityid" };

describe("demo organisation generator", () => {
  let org: DemoOrg;
  let byId: Map<string, { table: string; row: Row }>;
  let activities: Row[];
  let defectsOf: Map<string, Set<string>>;
  beforeAll(() => {
    org = generateDemoOrg({ size: 3000, seed: 42, now: NOW });
    byId = new Map();
    for (const t of MAIN) for (const r of org.tables[t]) byId.set(r[PK[t]] as string, { table: t, row: r });
    activities = ["email", "task", "phonecall", "appointment"].flatMap((t) => org.tables[t]);
    defectsOf = new Map();
    for (const d of org.groundTruth.defects) {
      if (!defectsOf.has(d.id)) defectsOf.set(d.id, new Set());
      defectsOf.get(d.id)!.add(d.kind);
    }
  });

  it("is deterministic for seed + size + now, and differs for another seed", () => {
    const again = generateDemoOrg({ size: 3000, seed: 42, now: NOW });
    expect(JSON.stringify(again.tables)).toBe(JSON.stringify(org.tables));
    expect(JSON.stringify(again.groundTruth)).toBe(JSON.stringify(org.groundTruth));
    expect(again.people.users.map((u) => u.token)).toEqual(org.people.users.map((u) => u.token));
    const other = generateDemoOrg({ size: 3000, seed: 43, now: NOW });
    expect(other.tables.contact[0].contactid).not.toBe(org.tables.contact[0].contactid);
    expect(other.people.users[0].token).not.toBe(org.people.users[0].token);
  });

  it("has the requested size and the organisation's structure", () => {
    expect(MAIN.reduce((n, t) => n + org.tables[t].length, 0)).toBe(3000);
    const users = org.tables.systemuser;
    expect(users.length).toBeGreaterThanOrEqual(8);
    expect(users.length).toBeLessThanOrEqual(15);
    expect(users.some((u) => u.isdisabled === true)).toBe(true);
    expect(new Set(users.map((u) => u._businessunitid_value)).size).toBeGreaterThanOrEqual(2);
    expect(org.tables.team.length).toBeGreaterThanOrEqual(2);
    const stages = new Set(org.tables.opportunity.filter((o) => o.statecode === 0).map((o) => o.salesstage));
    expect([...stages].sort()).toEqual([0, 1, 2, 3]);
    const bpfByOpp = new Map(org.tables.opportunitysalesprocess.map((b) => [b._bpf_opportunityid_value, b]));
    const stageName = new Map(org.tables.processstage.map((s) => [s.processstageid, s.stagename]));
    for (const o of org.tables.opportunity) {
      const b = bpfByOpp.get(o.opportunityid)!;
      expect(stageName.get(b._activestageid_value)).toBe(["Qualify", "Develop", "Propose", "Close"][o.salesstage as number]);
      expect(Date.parse(String(b.activestagestartedon))).toBeLessThanOrEqual(NOW.getTime());
    }
    for (const b of org.tables.leadtoopportunitysalesprocess) expect(stageName.get(b._activestageid_value)).toBe("Qualify");
    const open = activities.filter((x) => x.statecode === 0);
    expect(open.some((x) => Date.parse(String(x.scheduledend)) > NOW.getTime())).toBe(true);
    expect(open.some((x) => Date.parse(String(x.scheduledend)) < NOW.getTime())).toBe(true);
    expect(new Set(activities.map((x) => x.statecode))).toEqual(new Set([0, 1, 2]));
    const ages = activities.filter((x) => x.actualend).map((x) => (NOW.getTime() - Date.parse(String(x.actualend))) / DAY);
    expect(ages.some((d) => d < 30)).toBe(true);
    expect(ages.some((d) => d > 365)).toBe(true);
    const rules = org.tables.duplicaterule;
    expect(rules.some((r) => r.statecode === 0)).toBe(true);
    expect(rules.some((r) => r.baseentityname === "opportunity")).toBe(false);
    expect(org.tables.environmentvariabledefinition.map((d) => d.schemaname).sort()).toEqual(["vit_AuditCadenceDays", "vit_DigestRecipients", "vit_GraphIntegrationEnabled", "vit_RulePack"]);
    const countries = new Set(org.tables.account.map((a) => a.address1_country));
    expect(countries).toEqual(new Set(["United States", "United Kingdom", "Germany"]));
    const us = org.tables.account.filter((a) => a.address1_country === "United States").length;
    expect(us / org.tables.account.length).toBeGreaterThan(0.5);
  });

  it("records every defect kind, and every recorded defect is really in the data", () => {
    const gt = org.groundTruth;
    for (const k of DEFECT_KINDS) expect(gt.counts[k]).toBeGreaterThan(0);
    const disabled = new Set(org.tables.systemuser.filter((u) => u.isdisabled).map((u) => u.systemuserid));
    const pairs = new Set(gt.duplicatePairs.flatMap((p) => [p.a, p.b]));
    const bpf = new Map(org.tables.opportunitysalesprocess.map((b) => [b._bpf_opportunityid_value, b]));
    const leadBpf = new Map(org.tables.leadtoopportunitysalesprocess.map((b) => [b._bpf_leadid_value, b]));
    for (const d of gt.defects) {
      const rec = byId.get(d.id);
      expect(rec).toBeDefined();
      expect(rec!.table).toBe(d.table);
      const r = rec!.row;
      const name = d.table === "account" ? String(r.name) : `${String(r.firstname)} ${String(r.lastname)}`;
      const phone = r.telephone1 as string | null;
      const check: Record<string, () => boolean> = {
        missingEmail: () => r.emailaddress1 == null,
        malformedEmail: () => typeof r.emailaddress1 === "string" && !validator.isEmail(r.emailaddress1),
        placeholderEmail: () => /^(test|noemail|none|na|asdf|x|unknown|noreply)@/.test(String(r.emailaddress1)),
        missingPhone: () => phone == null,
        malformedPhone: () => phone != null && !isValidPhoneNumber(phone, COUNTRY[String(r.address1_country)]),
        placeholderName: () => /test|unknown|dummy|asdf|xxx/i.test(name),
        allCapsName: () => name === name.toUpperCase() && /[A-Z]/.test(name),
        lowercaseName: () => name === name.toLowerCase() && /[a-z]/.test(name),
        missingJobTitle: () => r.jobtitle == null,
        missingWebsite: () => r.websiteurl == null,
        missingIndustry: () => r.industrycode == null,
        staleRecord: () => Date.parse(String(r.modifiedon)) < NOW.getTime() - 365 * DAY,
        contactWithoutAccount: () => r._parentcustomerid_value == null,
        disabledOwner: () => disabled.has(r._ownerid_value),
        pastCloseDate: () => r.statecode === 0 && String(r.estimatedclosedate) < "2026-03-15",
        // over the stage's own day limit (Qualify 30, Develop 45, Propose 30, Close 30 in the default pack)
        stuckDeal: () => r.statecode === 0 && Date.parse(String(bpf.get(d.id)!.activestagestartedon)) <= NOW.getTime() - ([30, 45, 30, 30][r.salesstage as number] + 1) * DAY,
        stuckLead: () => r.statecode === 0 && Date.parse(String(leadBpf.get(d.id)!.activestagestartedon)) <= NOW.getTime() - 15 * DAY,
        overdueFollowUp: () => r.statecode === 0 && activities.some((x) => x._regardingobjectid_value === d.id && x.statecode === 0 && Date.parse(String(x.scheduledend)) < NOW.getTime()),
        missingPrimaryContact: () => r.statecode === 0 && r._primarycontactid_value == null,
        // the recorded column is an exit criterion of a stage the deal has left, and it is not met
        stageWithoutExitCriteria: () => (r.salesstage as number) >= 1 && [null, undefined, "", false].includes(r[String(d.column)] as never),
        noFollowUp: () => r.statecode === 0 && !activities.some((x) => x._regardingobjectid_value === d.id && x.statecode === 0),
        missingCloseDate: () => r.estimatedclosedate == null,
        missingEstimatedValue: () => r.estimatedvalue == null,
        duplicate: () => pairs.has(d.id),
        leadIsExistingContact: () => {
          const c = byId.get(String(d.detail))?.row;
          return !!c && c.emailaddress1 === r.emailaddress1 && c.firstname === r.firstname && c.lastname === r.lastname;
        },
      };
      expect({ ...d, ok: check[d.kind]() }).toEqual({ ...d, ok: true });
    }
  });

  it("misses no defect it can derive from the data, and everything else is valid", () => {
    const has = (id: string, kind: string): boolean => defectsOf.get(id)?.has(kind) ?? false;
    const disabled = new Set(org.tables.systemuser.filter((u) => u.isdisabled).map((u) => u.systemuserid));
    const lastActivity = new Map<string, number>();
    const openFor = new Set<string>();
    for (const x of activities) {
      const id = x._regardingobjectid_value as string;
      const t = Math.max(Date.parse(String(x.createdon)), x.actualend ? Date.parse(str(x.actualend)) : 0);
      lastActivity.set(id, Math.max(lastActivity.get(id) ?? 0, t));
      if (x.statecode === 0) openFor.add(id);
    }
    for (const t of MAIN) {
      for (const r of org.tables[t]) {
        const id = r[PK[t]] as string;
        const stale = Date.parse(String(r.modifiedon)) < NOW.getTime() - 365 * DAY && (lastActivity.get(id) ?? 0) < NOW.getTime() - 180 * DAY;
        expect([id, "staleRecord", has(id, "staleRecord")]).toEqual([id, "staleRecord", stale]);
        expect([id, "disabledOwner", has(id, "disabledOwner")]).toEqual([id, "disabledOwner", disabled.has(r._ownerid_value as string)]);
        if ((t === "lead" || t === "opportunity") && r.statecode === 0) expect([id, has(id, "noFollowUp")]).toEqual([id, !openFor.has(id)]);
        if (t !== "opportunity") {
          const email = r.emailaddress1 as string | null;
          if (email == null) expect(has(id, "missingEmail")).toBe(true);
          else if (!validator.isEmail(email)) expect(has(id, "malformedEmail")).toBe(true);
          const phone = r.telephone1 as string | null;
          const country = COUNTRY[String(r.address1_country)];
          expect(country).toBeDefined();
          if (phone == null) expect(has(id, "missingPhone")).toBe(true);
          else if (!isValidPhoneNumber(phone, country)) expect([id, phone, has(id, "malformedPhone")]).toEqual([id, phone, true]);
          expect([id, r.address1_postalcode, postcodeValidator(String(r.address1_postalcode), country)]).toEqual([id, r.address1_postalcode, true]);
        }
        if (t === "contact") {
          expect(has(id, "contactWithoutAccount")).toBe(r._parentcustomerid_value == null);
          expect(has(id, "missingJobTitle")).toBe(r.jobtitle == null);
        }
        if (t === "account") {
          expect(has(id, "missingWebsite")).toBe(r.websiteurl == null);
          expect(has(id, "missingIndustry")).toBe(r.industrycode == null);
        }
        if (t === "opportunity" && r.statecode === 0) {
          expect(has(id, "missingCloseDate")).toBe(r.estimatedclosedate == null);
          expect(has(id, "pastCloseDate")).toBe(r.estimatedclosedate != null && str(r.estimatedclosedate) < "2026-03-15");
          expect(has(id, "missingEstimatedValue")).toBe(r.estimatedvalue == null);
        }
      }
    }
  });

  it("lists clean records that really have no defect, and consistent duplicate pairs", () => {
    const gt = org.groundTruth;
    for (const t of MAIN) expect(gt.clean.filter((c) => c.table === t).length).toBeGreaterThanOrEqual(1);
    for (const c of gt.clean) {
      expect(defectsOf.has(c.id)).toBe(false);
      const r = byId.get(c.id)!.row;
      if (c.table !== "opportunity") {
        expect(validator.isEmail(String(r.emailaddress1))).toBe(true);
        expect(isValidPhoneNumber(String(r.telephone1), COUNTRY[String(r.address1_country)])).toBe(true);
      }
      const acts = activities.filter((x) => x._regardingobjectid_value === c.id);
      expect(acts.some((x) => x.statecode === 0 && Date.parse(String(x.scheduledend)) > NOW.getTime())).toBe(true);
      expect(acts.some((x) => x.actualend && Date.parse(str(x.actualend)) > NOW.getTime() - 30 * DAY)).toBe(true);
    }
    for (const p of gt.duplicatePairs) {
      const a = byId.get(p.a)!;
      const b = byId.get(p.b)!;
      expect(a.table).toBe(p.table);
      expect(b.table).toBe(p.otherTable ?? p.table);
      if (p.table === "account") expect(b.row.websiteurl).toBe(a.row.websiteurl);
      if (p.table === "contact") expect(String(b.row.emailaddress1).toLowerCase()).toBe(String(a.row.emailaddress1).toLowerCase());
    }
  });

  it("refuses sizes out of range with a clear message", () => {
    expect(() => generateDemoOrg({ size: 10 })).toThrow(/size must be a whole number between 100 and 2,000,000/);
    expect(generateDemoOrg({ data: "empty", seed: 1, now: NOW }).tables.account).toHaveLength(0);
  });
});
