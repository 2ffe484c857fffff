/**
 * The demo organisation: a deterministic, realistically messy Dynamics 365 sales org.
 *
 * `generateDemoOrg({ size, seed, now })` returns rows per table (Web API shape, see
 * sandbox/emulator/schema.ts) and a ground-truth manifest of every injected defect, so the
 * accuracy of CRM Vitals' findings can be measured. Same seed + size + now → identical output.
 *
 * `size` is the number of account + contact + lead + opportunity rows together; activities,
 * business-process-flow instances, users and configuration come on top.
 */
import { en } from "@faker-js/faker";
import validator from "validator";
import type { Row } from "../emulator/store";
import { Rng } from "./rng";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import { buildPeople, type DemoPeople, type DemoUserInternal } from "./users";
import { str } from "../emulator/values";

export const DEFECT_KINDS = [
  "missingEmail", "malformedEmail", "placeholderEmail", "missingPhone", "malformedPhone", "placeholderName",
  "allCapsName", "lowercaseName", "missingJobTitle", "missingWebsite", "missingIndustry", "staleRecord",
  "contactWithoutAccount", "disabledOwner", "pastCloseDate", "stuckDeal", "stageWithoutExitCriteria", "noFollowUp",
  "missingCloseDate", "missingEstimatedValue", "duplicate", "leadIsExistingContact",
  // derived from the data with the default pack's definitions (process limits, follow-up):
  "overdueFollowUp", "stuckLead", "missingPrimaryContact",
] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

export interface Defect {
  table: string;
  id: string;
  kind: DefectKind;
  column?: string;
  detail?: string;
}

export interface DuplicatePair {
  table: string;
  a: string;
  b: string;
  /** Set when b is in another table (a lead matching an existing contact). */
  otherTable?: string;
}

export interface GroundTruth {
  seed: number;
  size: number;
  /** ISO-8601 reference clock every generated date is relative to. */
  now: string;
  /** Number of defects per kind. */
  counts: Record<string, number>;
  /** Number of rows per table. */
  rows: Record<string, number>;
  defects: Defect[];
  duplicatePairs: DuplicatePair[];
  /** A few records per table with no defect at all. */
  clean: { table: string; id: string }[];
}

export interface DemoOrgOptions {
  size?: number;
  seed?: number;
  /** Reference clock (default: today 00:00 UTC). */
  now?: Date;
  /** "empty": only users, business units, teams, processes and configuration. */
  data?: "demo" | "empty";
}

export interface DemoOrg {
  people: DemoPeople;
  /** Rows per table logical name (activities under their own type: email, task, phonecall, appointment). */
  tables: Record<string, Row[]>;
  groundTruth: GroundTruth;
  processes: { opportunity: string; lead: string };
}

/** Injection rates of the defects (per applicable record). Documented in sandbox/README.md. */
export const RATES = {
  missingEmail: 0.07, malformedEmail: 0.03, placeholderEmail: 0.02,
  missingPhone: 0.08, malformedPhone: 0.03,
  placeholderName: 0.01, allCapsName: 0.03, lowercaseName: 0.03,
  missingJobTitle: 0.15, missingWebsite: 0.12, missingIndustry: 0.15,
  stale: 0.1, contactWithoutAccount: 0.07, disabledOwner: 0.04,
  pastCloseDate: 0.15, stuckDeal: 0.15, stageWithoutExitCriteria: 0.2, noFollowUp: 0.2,
  missingCloseDate: 0.05, missingEstimatedValue: 0.06, duplicate: 0.03, leadIsExistingContact: 0.04,
};

const DAY = 86_400_000;
export const OPPORTUNITY_PROCESS_ID = "3e8ebee6-a2bc-4451-9c5f-b146b085413a";
export const LEAD_PROCESS_ID = "919e14d1-6489-4852-abd0-a63a6ecaac5d";
export const STAGES = ["Qualify", "Develop", "Propose", "Close"] as const;
/** The sales stages' exit criteria: the default rule pack's process is their one definition. */
const OPPORTUNITY_STAGES = defaultRulePack().processes?.opportunity?.stages ?? [];
const LEAD_QUALIFY_DAYS = defaultRulePack().processes?.lead?.stages[0]?.maxDays ?? 14;
/** Share of accounts whose primary contact is left empty. */
const MISSING_PRIMARY_CONTACT = 0.12;

function wordList(list: readonly string[] | undefined | null, what: string): string[] {
  if (!list || list.length === 0) throw new Error(`@faker-js/faker's English locale has no ${what}`);
  return [...list];
}
const FIRST = wordList(en.person?.first_name?.generic, "first names").filter((n) => /^[A-Z][a-z]+$/.test(n));
const LAST = wordList(en.person?.last_name?.generic, "last names").filter((n) => /^[A-Z][a-z]+$/.test(n));
const NOUNS = wordList(en.company?.noun, "company nouns").filter((n) => /^[a-z]+$/.test(n)).map((n) => n[0].toUpperCase() + n.slice(1));
const JOB_TITLES = [
  "Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer", "VP of Sales", "VP of Operations",
  "Head of Procurement", "IT Director", "Operations Manager", "Purchasing Manager", "Finance Manager", "Office Manager",
  "Marketing Director", "Project Manager", "Business Analyst", "Product Owner", "Plant Manager", "Controller",
  "Sales Manager", "HR Director", "Facilities Manager",
];
const PLACEHOLDER_EMAILS = ["test@test.com", "noemail@noemail.com", "none@none.com", "na@na.com", "asdf@asdf.com", "x@x.com", "unknown@example.com", "noreply@example.com"];
const PLACEHOLDER_PERSON: [string, string][] = [["Test", "Test"], ["Test", "Contact"], ["Unknown", "Unknown"], ["Dummy", "Record"], ["Asdf", "Asdf"], ["Xxx", "Xxx"]];
const PLACEHOLDER_COMPANY = ["Test Account", "Test", "Unknown", "Dummy Company", "Asdf", "Xxx Ltd", "Test Company"];
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com"];

type Country = "United States" | "United Kingdom" | "Germany";
const CITIES: Record<Country, [city: string, region: string][]> = {
  "United States": [["New York", "NY"], ["San Francisco", "CA"], ["Chicago", "IL"], ["Austin", "TX"], ["Seattle", "WA"], ["Boston", "MA"], ["Atlanta", "GA"], ["Denver", "CO"], ["Miami", "FL"], ["Portland", "OR"]],
  "United Kingdom": [["London", "Greater London"], ["Manchester", "Greater Manchester"], ["Birmingham", "West Midlands"], ["Leeds", "West Yorkshire"], ["Bristol", "Bristol"]],
  Germany: [["Berlin", "Berlin"], ["München", "Bayern"], ["Hamburg", "Hamburg"], ["Frankfurt am Main", "Hessen"], ["Köln", "Nordrhein-Westfalen"]],
};
const US_AREA = ["201", "212", "305", "312", "404", "415", "503", "512", "617", "702", "713", "206", "303", "602", "919"];
const SUFFIX: Record<Country, string[]> = {
  "United States": ["Inc", "LLC", "Group", "Partners", "Holdings", "Corp", "Industries", "Labs", "Solutions", "Systems"],
  "United Kingdom": ["Ltd", "plc", "Group", "Partners", "Holdings"],
  Germany: ["GmbH", "AG", "Gruppe", "KG"],
};
const TLD: Record<Country, string> = { "United States": "com", "United Kingdom": "co.uk", Germany: "de" };
const MALFORMED_PHONES = ["555-CALL-NOW", "000-000-0000", "+1 (415) 55", "n/a", "123", "99999999999999999", "tel: ask reception"];

const SUBJECTS: Record<string, readonly string[]> = {
  email: ["Follow-up on our call", "Proposal attached", "Pricing question", "Meeting recap", "Introduction"],
  phonecall: ["Discovery call", "Check-in call", "Call back about pricing", "Qualification call"],
  appointment: ["Product demo", "On-site workshop", "Quarterly business review", "Contract negotiation"],
  task: ["Send proposal", "Prepare quote", "Update stakeholder map", "Confirm budget"],
};
const DONE_TYPES = ["email", "phonecall", "appointment", "task"] as const;
const DONE_WEIGHTS = [45, 30, 15, 10];
const OPEN_TYPES = ["task", "phonecall", "appointment"] as const;
const OPEN_WEIGHTS = [50, 30, 20];
/** Builds only the chosen one of several formats. */
function fmt(i: number, ...formats: (() => string)[]): string {
  return formats[i]();
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const dayCache = new Map<number, string>();
/** "YYYY-MM-DD" of a UTC day number (cached: the generator formats millions of dates). */
function dayString(day: number): string {
  let s = dayCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY).toISOString().slice(0, 10);
    dayCache.set(day, s);
  }
  return s;
}
const timeCache: string[] = [];
/**
 * ISO-8601 UTC without milliseconds, as the Web API returns date/time columns. Built from a cached
 * day string and a cached time-of-day string, so millions of dates share their parts in memory.
 */
function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  const sec = Math.floor((ms - day * DAY) / 1000);
  let t = timeCache[sec];
  if (t === undefined) {
    const h = Math.floor(sec / 3600);
    const m = Math.floor((sec - h * 3600) / 60);
    t = timeCache[sec] = `T${TWO[h]}:${TWO[m]}:${TWO[sec - h * 3600 - m * 60]}Z`;
  }
  return dayString(day) + t;
}
function dateOnly(ms: number): string {
  return dayString(Math.floor(ms / DAY));
}

export function defaultNow(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

interface Owner {
  id: string;
  type: "systemuser" | "team";
  bu: string;
  region: "root" | "na" | "eu";
  disabled: boolean;
}

interface Facts {
  /** Latest date (ms) of any activity regarding the record (createdon or actualend). */
  lastActivity: number;
  hasOpen: boolean;
  /** Earliest due date (ms) of the record's open activities. */
  nextDue: number;
}

export function generateDemoOrg(opts: DemoOrgOptions = {}): DemoOrg {
  const seed = opts.seed ?? 1;
  const size = opts.size ?? 2000;
  const nowDate = opts.now ?? defaultNow();
  const now = nowDate.getTime();
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (opts.data !== "empty" && (!Number.isInteger(size) || size < 100 || size > 2_000_000)) {
    throw new Error(`size must be a whole number between 100 and 2,000,000 records, got ${size}`);
  }
  const people = buildPeople(seed, iso(now));
  const tables: Record<string, Row[]> = {
    ...people.rows, account: [], contact: [], lead: [], opportunity: [], email: [], task: [], phonecall: [], appointment: [],
    opportunitysalesprocess: [], leadtoopportunitysalesprocess: [], processstage: [], duplicaterule: [], duplicaterulecondition: [],
    environmentvariabledefinition: [], environmentvariablevalue: [], vit_recordhealth: [], vit_auditrun: [], vit_waiver: [], vit_readinessassessment: [],
    vit_fixrun: [], vit_fixentry: [],
  };
  const truth: GroundTruth = { seed, size: opts.data === "empty" ? 0 : size, now: iso(now), counts: {}, rows: {}, defects: [], duplicatePairs: [], clean: [] };
  const admin = people.users[0];
  const cfg = new Rng(seed, "config");
  const stageIds = buildProcesses(tables, cfg, now);
  buildConfiguration(tables, cfg, admin, now);

  if (opts.data !== "empty") new Generator(seed, size, now, people, tables, truth, stageIds).run();

  for (const [k, rows] of Object.entries(tables)) truth.rows[k] = rows.length;
  for (const k of DEFECT_KINDS) truth.counts[k] = 0;
  for (const d of truth.defects) truth.counts[d.kind]++;
  return { people, tables, groundTruth: truth, processes: { opportunity: OPPORTUNITY_PROCESS_ID, lead: LEAD_PROCESS_ID } };
}

function buildProcesses(tables: Record<string, Row[]>, rng: Rng, now: number): { opportunity: string[]; lead: string[] } {
  const created = iso(now - 3 * 365 * DAY);
  const ids = { opportunity: [] as string[], lead: [] as string[] };
  STAGES.forEach((name, i) => {
    const id = rng.guid();
    ids.opportunity.push(id);
    tables.processstage.push({ processstageid: id, stagename: name, primaryentitytypecode: "opportunity", _processid_value: OPPORTUNITY_PROCESS_ID, stagecategory: i, createdon: created, modifiedon: created });
  });
  STAGES.forEach((name, i) => {
    const id = rng.guid();
    ids.lead.push(id);
    tables.processstage.push({ processstageid: id, stagename: name, primaryentitytypecode: i === 0 ? "lead" : "opportunity", _processid_value: LEAD_PROCESS_ID, stagecategory: i, createdon: created, modifiedon: created });
  });
  return ids;
}

function buildConfiguration(tables: Record<string, Row[]>, rng: Rng, admin: DemoUserInternal, now: number): void {
  const created = iso(now - 400 * DAY);
  const owner = (): Row => ({ _ownerid_value: admin.systemuserid, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", _owningbusinessunit_value: admin.businessunitid, createdon: created, modifiedon: created });
  const rule = (name: string, entity: string, active: boolean, conditions: [string, number, number | null][]): void => {
    const id = rng.guid();
    tables.duplicaterule.push({
      duplicateruleid: id, name, baseentityname: entity, matchingentityname: entity, iscasesensitive: false, excludeinactiverecords: true,
      statecode: active ? 1 : 0, statuscode: active ? 2 : 0, description: null, ...owner(),
    });
    for (const [attr, op, param] of conditions) {
      tables.duplicaterulecondition.push({
        duplicateruleconditionid: rng.guid(), baseattributename: attr, matchingattributename: attr, operatorcode: op, operatorparam: param,
        ignoreblankvalues: true, _regardingobjectid_value: id, createdon: created, modifiedon: created,
      });
    }
  };
  rule("Accounts with the same Account Name", "account", true, [["name", 0, null]]);
  rule("Accounts with the same website", "account", true, [["websiteurl", 0, null]]);
  rule("Contacts with the same e-mail address", "contact", true, [["emailaddress1", 0, null]]);
  rule("Contacts with the same first name and last name", "contact", false, [["firstname", 0, null], ["lastname", 0, null]]);
  rule("Leads with the same e-mail address", "lead", true, [["emailaddress1", 0, null]]);
  // opportunity deliberately has no duplicate rule at all.
  const envvar = (schemaname: string, displayname: string, type: number, defaultvalue: string, description: string, value?: string): void => {
    const id = rng.guid();
    tables.environmentvariabledefinition.push({ environmentvariabledefinitionid: id, schemaname, displayname, type, defaultvalue, description, statecode: 0, statuscode: 1, ...owner() });
    if (value !== undefined) {
      tables.environmentvariablevalue.push({ environmentvariablevalueid: rng.guid(), schemaname, value, _environmentvariabledefinitionid_value: id, statecode: 0, statuscode: 1, ...owner() });
    }
  };
  envvar("vit_RulePack", "Vitals rule pack", 100000003, "", "The organisation's own CRM Vitals rule pack (JSON). Empty: the default pack shipped with the solution applies.");
  envvar("vit_AuditCadenceDays", "Vitals audit cadence (days)", 100000001, "7", "How often scheduled audits run, in days.", "14");
  envvar("vit_GraphIntegrationEnabled", "Vitals Microsoft Graph integration", 100000002, "no", "Compare Outlook mail and meetings with logged activities (yes/no).");
  envvar("vit_DigestRecipients", "Vitals digest recipients", 100000000, "", "Semicolon-separated addresses that receive the governance digest.", "priya.raman@contoso.onmicrosoft.com");
}

class Generator {
  private readonly rng: Rng;
  private readonly enabledOwners: Owner[] = [];
  private readonly ownerWeights: number[] = [];
  private readonly disabledOwners: Owner[] = [];
  private readonly userById = new Map<string, DemoUserInternal>();
  private readonly usedNames = new Set<string>();
  private readonly usedEmails = new Set<string>();
  private readonly usedPhones = new Set<number>();
  private readonly facts = new Map<string, Facts>();
  private readonly recordDefects = new Map<string, number>();
  private readonly forcedClean = new Set<string>();
  /** ids of accounts with their country and domain, for contacts and opportunities */
  private readonly accountInfo: { id: string; country: Country; domain: string; owner: Owner; name: string }[] = [];
  private readonly accountById = new Map<string, { id: string; country: Country; domain: string; owner: Owner; name: string }>();
  private readonly contactsByAccount = new Map<string, string[]>();

  constructor(
    private readonly seed: number,
    private readonly size: number,
    private readonly now: number,
    private readonly people: DemoPeople,
    private readonly tables: Record<string, Row[]>,
    private readonly truth: GroundTruth,
    private readonly stageIds: { opportunity: string[]; lead: string[] },
  ) {
    this.rng = new Rng(seed, "records");
    for (const u of people.users) {
      this.userById.set(u.systemuserid, u);
      if (u.roleKey === "admin" || u.roleKey === "governance") continue;
      const o: Owner = { id: u.systemuserid, type: "systemuser", bu: u.businessunitid, region: u.region, disabled: u.isdisabled };
      if (u.isdisabled) this.disabledOwners.push(o);
      else {
        this.enabledOwners.push(o);
        this.ownerWeights.push(u.roleKey === "salesperson" ? 10 : u.roleKey === "manager" ? 3 : 2);
      }
    }
    this.enabledOwners.push({ id: people.teams.keyAccountsNa, type: "team", bu: people.businessUnits.na, region: "na", disabled: false });
    this.ownerWeights.push(3);
    this.enabledOwners.push({ id: people.teams.keyAccountsEu, type: "team", bu: people.businessUnits.eu, region: "eu", disabled: false });
    this.ownerWeights.push(2);
  }

  run(): void {
    const n = this.size;
    const nAccounts = Math.round(n * 0.15);
    const nContacts = Math.round(n * 0.45);
    const nLeads = Math.round(n * 0.15);
    const nOpps = n - nAccounts - nContacts - nLeads;
    const cleanPer = 5;
    const dupAccounts = Math.round(nAccounts * RATES.duplicate);
    const dupContacts = Math.round(nContacts * RATES.duplicate);
    const dupLeads = Math.round(nLeads * RATES.duplicate);

    for (let i = 0; i < nAccounts - dupAccounts; i++) this.account(i < cleanPer);
    this.duplicates("account", dupAccounts);
    for (let i = 0; i < nContacts - dupContacts; i++) this.contact(i < cleanPer);
    this.duplicates("contact", dupContacts);
    const existing = Math.round(nLeads * RATES.leadIsExistingContact);
    for (let i = 0; i < nLeads - dupLeads - existing; i++) this.lead(i < cleanPer, null);
    for (let i = 0; i < existing; i++) this.lead(false, this.rng.pick(this.tables.contact));
    this.duplicates("lead", dupLeads);
    for (let i = 0; i < nOpps; i++) this.opportunity(i < cleanPer);
    this.finish();
  }

  // --- helpers --------------------------------------------------------------------------------

  private defect(table: string, id: string, kind: DefectKind, column?: string, detail?: string): void {
    const d: Defect = { table, id, kind };
    if (column) d.column = column;
    if (detail) d.detail = detail;
    this.truth.defects.push(d);
    this.recordDefects.set(id, (this.recordDefects.get(id) ?? 0) | (1 << DEFECT_KINDS.indexOf(kind)));
  }

  private has(id: string, kind: DefectKind): boolean {
    return ((this.recordDefects.get(id) ?? 0) & (1 << DEFECT_KINDS.indexOf(kind))) !== 0;
  }

  private pickOwner(table: string, id: string, clean: boolean, regionHint?: Owner["region"]): Owner {
    if (!clean && this.rng.chance(RATES.disabledOwner)) {
      const o = this.rng.pick(this.disabledOwners);
      this.defect(table, id, "disabledOwner", "ownerid", this.userById.get(o.id)?.fullname);
      return o;
    }
    for (let tries = 0; tries < 4; tries++) {
      const o = this.rng.weighted(this.enabledOwners, this.ownerWeights);
      if (!regionHint || o.region === regionHint || tries === 3) return o;
    }
    return this.enabledOwners[0];
  }


  private countryFor(o: Owner): Country {
    if (o.region === "eu") return this.rng.chance(0.55) ? "United Kingdom" : "Germany";
    return this.rng.chance(0.94) ? "United States" : this.rng.chance(0.5) ? "United Kingdom" : "Germany";
  }

  private phone(country: Country): string {
    const r = this.rng;
    for (;;) {
      let digits: string;
      let out: string;
      if (country === "United States") {
        const a = r.pick(US_AREA);
        let e = String(r.int(200, 999));
        if (e[1] === "1" && e[2] === "1") e = "555";
        const s = String(r.int(0, 9999)).padStart(4, "0");
        digits = `1${a}${e}${s}`;
        out = fmt(r.int(0, 4), () => `+1${a}${e}${s}`, () => `(${a}) ${e}-${s}`, () => `${a}-${e}-${s}`, () => `${a}.${e}.${s}`, () => `+1 ${a} ${e} ${s}`);
      } else if (country === "United Kingdom") {
        if (r.chance(0.6)) {
          const p = `${r.pick(["7", "3"])}${r.int(100, 999)}`;
          const s = String(r.int(0, 9999)).padStart(4, "0");
          digits = `4420${p}${s}`;
          out = fmt(r.int(0, 3), () => `+44 20 ${p} ${s}`, () => `020 ${p} ${s}`, () => `+4420${p}${s}`, () => `(020) ${p} ${s}`);
        } else {
          const p = `7${r.pick(["400", "500", "600", "800", "900"])}`;
          const s = String(r.int(100000, 999999));
          digits = `44${p}${s}`;
          out = fmt(r.int(0, 2), () => `0${p} ${s}`, () => `+44 ${p} ${s}`, () => `+44${p}${s}`);
        }
      } else {
        if (r.chance(0.6)) {
          const a = r.pick(["30", "89", "40", "69", "221"]);
          const s = String(r.int(1000000, 9999999));
          digits = `49${a}${s}`;
          out = fmt(r.int(0, 4), () => `+49 ${a} ${s}`, () => `0${a} ${s}`, () => `0${a}-${s}`, () => `+49${a}${s}`, () => `(0${a}) ${s}`);
        } else {
          const p = r.pick(["151", "160", "170", "171", "176"]);
          const s = String(r.int(10000000, 99999999));
          digits = `49${p}${s}`;
          out = fmt(r.int(0, 2), () => `0${p} ${s}`, () => `+49 ${p} ${s}`, () => `+49${p}${s}`);
        }
      }
      const key = Number(digits);
      if (!this.usedPhones.has(key)) {
        this.usedPhones.add(key);
        return out;
      }
    }
  }

  private postcode(country: Country): string {
    const r = this.rng;
    if (country === "United States") {
      const z = String(r.int(10001, 99950));
      return r.chance(0.2) ? `${z}-${String(r.int(1, 9999)).padStart(4, "0")}` : z;
    }
    if (country === "Germany") return String(r.int(1067, 99998)).padStart(5, "0");
    const L = "ABDEFGHJLNPQRSTUWXYZ";
    const area = r.pick(["SW", "EC", "N", "M", "B", "LS", "BS", "W", "SE", "E"]);
    return `${area}${r.int(1, 19)} ${r.int(1, 9)}${L[r.int(0, L.length - 1)]}${L[r.int(0, L.length - 1)]}`;
  }

  private address(country: Country): [line1: string, city: string, region: string, postcode: string, country: Country] {
    const r = this.rng;
    const [city, region] = r.pick(CITIES[country]);
    const street = country === "Germany" ? `${r.pick(LAST)}straße ${r.int(1, 180)}` : `${r.int(1, 9999)} ${r.pick(LAST)} ${r.pick(country === "United States" ? ["Street", "Avenue", "Road", "Boulevard"] : ["Road", "Street", "Lane", "Way"])}`;
    return [street, city, region, this.postcode(country), country];
  }

  private uniqueEmail(local: string, domain: string): string {
    let e = `${local}@${domain}`;
    for (let k = 2; this.usedEmails.has(e); k++) e = `${local}${k}@${domain}`;
    this.usedEmails.add(e);
    return e;
  }

  /** Email with an injected defect or a valid address; returns the value. */
  private email(table: string, id: string, clean: boolean, local: string, domain: string): string | null {
    const r = this.rng;
    const x = clean ? 1 : r.float();
    if (x < RATES.missingEmail) {
      this.defect(table, id, "missingEmail", "emailaddress1");
      return null;
    }
    if (x < RATES.missingEmail + RATES.malformedEmail) {
      const spaced = local.includes(".") ? local.replace(".", " ") : `${local.slice(0, 1)} ${local.slice(1)}`;
      let v = r.pick([`${local}@`, `${local}.${domain}`, `${spaced}@${domain}`, `${local}@@${domain}`, `${local}@${domain.split(".")[0]}`, `${local}@${domain},`]);
      if (validator.isEmail(v)) v = `${local}@`; // never record a malformed address that is in fact valid
      this.defect(table, id, "malformedEmail", "emailaddress1", v);
      return v;
    }
    if (x < RATES.missingEmail + RATES.malformedEmail + RATES.placeholderEmail) {
      const v = r.pick(PLACEHOLDER_EMAILS);
      this.defect(table, id, "placeholderEmail", "emailaddress1", v);
      return v;
    }
    return this.uniqueEmail(local, domain);
  }

  private phoneValue(table: string, id: string, clean: boolean, country: Country, column = "telephone1"): string | null {
    const x = clean ? 1 : this.rng.float();
    if (x < RATES.missingPhone) {
      this.defect(table, id, "missingPhone", column);
      return null;
    }
    if (x < RATES.missingPhone + RATES.malformedPhone) {
      const v = this.rng.pick(MALFORMED_PHONES);
      this.defect(table, id, "malformedPhone", column, v);
      return v;
    }
    return this.phone(country);
  }

  /** Person name with optional placeholder / casing defect. */
  private personName(table: string, id: string, clean: boolean, allowLower = true): [string, string] {
    const r = this.rng;
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    const x = clean ? 1 : r.float();
    if (x < RATES.placeholderName) {
      const p = r.pick(PLACEHOLDER_PERSON);
      this.defect(table, id, "placeholderName", "fullname", p.join(" "));
      return p;
    }
    if (x < RATES.placeholderName + RATES.allCapsName) {
      this.defect(table, id, "allCapsName", "fullname", `${first} ${last}`.toUpperCase());
      return [first.toUpperCase(), last.toUpperCase()];
    }
    if (allowLower && x < RATES.placeholderName + RATES.allCapsName + RATES.lowercaseName) {
      this.defect(table, id, "lowercaseName", "fullname", `${first} ${last}`.toLowerCase());
      return [first.toLowerCase(), last.toLowerCase()];
    }
    return [first, last];
  }

  private companyName(country: Country): string {
    const r = this.rng;
    for (;;) {
      const n = r.chance(0.5)
        ? `${r.pick(LAST)} ${r.pick(NOUNS)} ${r.pick(SUFFIX[country])}`
        : `${r.pick(LAST)} & ${r.pick(LAST)} ${r.pick(SUFFIX[country])}`;
      if (!this.usedNames.has(n.toLowerCase())) {
        this.usedNames.add(n.toLowerCase());
        return n;
      }
    }
  }

  /** createdon/modifiedon for a record; returns [created, modified, stale decision]. */
  private recordDates(clean: boolean, minCreated?: number): { created: number; modified: number; stale: boolean } {
    const r = this.rng;
    const stale = !clean && r.chance(RATES.stale);
    let modified: number;
    let created: number;
    if (stale) {
      modified = this.now - r.int(370, 900) * DAY - r.int(0, 86_399) * 1000;
      created = modified - r.int(0, 500) * DAY;
    } else {
      const span = clean ? 45 : 300;
      modified = this.now - r.int(0, span) * DAY - r.int(0, 86_399) * 1000;
      created = modified - r.int(0, 700) * DAY;
    }
    if (minCreated !== undefined && created > minCreated) created = minCreated;
    return { created, modified, stale };
  }

  private noteFacts(id: string): Facts {
    let f = this.facts.get(id);
    if (!f) this.facts.set(id, (f = { lastActivity: -Infinity, hasOpen: false, nextDue: Infinity }));
    return f;
  }

  /**
   * Activities regarding a record. `recentOk` false keeps every activity older than 200 days
   * (stale records); `followUp` adds one open activity (future or overdue due date).
   */
  private activities(table: string, id: string, owner: Owner, created: number, o: { completed: number; recentOk: boolean; followUp: "none" | "future" | "any"; clean?: boolean; country: Country }): void {
    const r = this.rng;
    const f = this.noteFacts(id);
    const latest = o.recentOk ? this.now : this.now - 200 * DAY;
    const earliest = Math.min(created, latest - DAY);
    for (let k = 0; k < o.completed; k++) {
      let end: number;
      if (o.clean && k === 0) end = this.now - r.int(1, 25) * DAY - r.int(0, 86_399) * 1000;
      else {
        const x = r.float();
        const ageDays = x < 0.6 ? r.int(1, 90) : x < 0.85 ? r.int(91, 365) : r.int(366, 1000);
        end = Math.max(earliest, Math.min(latest, this.now - ageDays * DAY - r.int(0, 86_399) * 1000));
      }
      const type = r.weighted(DONE_TYPES, DONE_WEIGHTS);
      const canceled = !o.clean && r.chance(0.03);
      const row = this.activityRow(type, table, id, owner, canceled ? 2 : 1, end - r.int(0, 3) * DAY, end, canceled ? null : end, o.country);
      this.tables[type].push(row);
      f.lastActivity = Math.max(f.lastActivity, end);
    }
    if (o.followUp !== "none") {
      const overdue = o.followUp === "any" && (!o.recentOk || r.chance(0.3));
      const due = overdue ? (o.recentOk ? this.now - r.int(1, 60) * DAY : Math.max(earliest, latest - r.int(1, 200) * DAY)) : this.now + r.int(1, 30) * DAY;
      const createdOn = o.recentOk ? Math.min(due, this.now) - r.int(1, 20) * DAY : Math.min(due, latest) - r.int(1, 30) * DAY;
      const type = r.weighted(OPEN_TYPES, OPEN_WEIGHTS);
      this.tables[type].push(this.activityRow(type, table, id, owner, 0, Math.max(earliest, createdOn), due, null, o.country));
      f.hasOpen = true;
      f.nextDue = Math.min(f.nextDue, due);
      f.lastActivity = Math.max(f.lastActivity, Math.max(earliest, createdOn));
    }
  }

  private activityRow(type: string, table: string, regarding: string, owner: Owner, state: number, created: number, due: number, actualEnd: number | null, country: Country): Row {
    const r = this.rng;
    const row: Row = {
      activityid: r.guid(), subject: r.pick(SUBJECTS[type]), description: null,
      _regardingobjectid_value: regarding, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": table,
      scheduledstart: type === "appointment" ? iso(due - 3_600_000) : null, scheduledend: iso(due),
      actualstart: actualEnd === null ? null : iso(actualEnd - 1_800_000), actualend: actualEnd === null ? null : iso(actualEnd),
      prioritycode: 1, statecode: state, statuscode: state === 0 ? (type === "task" ? 2 : 1) : state === 1 ? (type === "task" ? 5 : type === "appointment" ? 3 : 2) : (type === "task" ? 6 : 3),
      _ownerid_value: owner.id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": owner.type, _owningbusinessunit_value: owner.bu, createdon: iso(Math.min(created, this.now)), modifiedon: iso(Math.min(this.now, Math.max(created, actualEnd ?? created))),
    };
    if (type === "email") {
      row.sender = `${r.pick(FIRST).toLowerCase()}@contoso.com`;
      row.torecipients = `${r.pick(FIRST).toLowerCase()}.${r.pick(LAST).toLowerCase()}@${r.pick(FREE_MAIL)}`;
      row.directioncode = r.chance(0.6);
    } else if (type === "phonecall") {
      row.phonenumber = this.phone(country);
      row.directioncode = r.chance(0.7);
    } else if (type === "appointment") {
      row.location = r.pick(["Microsoft Teams", "Customer site", "Head office", "Phone bridge"]);
      row.requiredattendees = null;
    } else {
      row.percentcomplete = state === 1 ? 100 : 0;
    }
    return row;
  }

  // --- tables -------------------------------------------------------------------------------

  private account(clean: boolean): void {
    const r = this.rng;
    const id = r.guid();
    if (clean) this.forcedClean.add(id);
    const owner = this.pickOwner("account", id, clean);
    const country = this.countryFor(owner);
    let name = this.companyName(country);
    const domain = `${name.toLowerCase().replace(/[^a-z]/g, "")}.${TLD[country]}`;
    const x = clean ? 1 : r.float();
    if (x < RATES.placeholderName) {
      name = r.pick(PLACEHOLDER_COMPANY);
      this.defect("account", id, "placeholderName", "name", name);
    } else if (x < RATES.placeholderName + RATES.allCapsName) {
      name = name.toUpperCase();
      this.defect("account", id, "allCapsName", "name", name);
    } else if (x < RATES.placeholderName + RATES.allCapsName + RATES.lowercaseName) {
      name = name.toLowerCase();
      this.defect("account", id, "lowercaseName", "name", name);
    }
    const d = this.recordDates(clean);
    const website = !clean && r.chance(RATES.missingWebsite) ? null : `https://www.${domain}`;
    if (website === null) this.defect("account", id, "missingWebsite", "websiteurl");
    const industry = !clean && r.chance(RATES.missingIndustry) ? null : r.int(1, 33);
    if (industry === null) this.defect("account", id, "missingIndustry", "industrycode");
    const adr = this.address(country);
    const row: Row = {
      accountid: id, name, accountnumber: `AC-${String(this.tables.account.length + 10001)}`,
      emailaddress1: this.email("account", id, clean, r.pick(["info", "sales", "contact", "hello", "office"]), domain),
      telephone1: this.phoneValue("account", id, clean, country), websiteurl: website, industrycode: industry,
      revenue: r.int(2, 5000) * 10000, numberofemployees: r.int(5, 20000), address1_line1: adr[0], address1_city: adr[1], address1_stateorprovince: adr[2], address1_postalcode: adr[3], address1_country: adr[4],
      _parentaccountid_value: null, _primarycontactid_value: null, description: null, statecode: 0, statuscode: 1,
      _ownerid_value: owner.id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": owner.type, _owningbusinessunit_value: owner.bu, createdon: iso(d.created), modifiedon: iso(d.modified),
    };
    this.tables.account.push(row);
    const info = { id, country, domain, owner, name };
    this.accountInfo.push(info);
    this.accountById.set(id, info);
    const acts = clean ? 2 : r.chance(0.4) ? r.int(1, 3) : 0;
    this.activities("account", id, owner, d.created, { completed: acts, recentOk: !d.stale, followUp: clean ? "future" : r.chance(0.08) ? "any" : "none", clean, country });
  }

  private contact(clean: boolean): void {
    const r = this.rng;
    const id = r.guid();
    if (clean) this.forcedClean.add(id);
    const noAccount = !clean && r.chance(RATES.contactWithoutAccount);
    const acct = noAccount ? null : r.pick(this.accountInfo);
    const owner = this.pickOwner("contact", id, clean, acct?.owner.region);
    const country = acct ? (r.chance(0.9) ? acct.country : this.countryFor(owner)) : this.countryFor(owner);
    const [first, last] = this.personName("contact", id, clean);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
    const domain = acct ? acct.domain : r.pick(FREE_MAIL);
    const d = this.recordDates(clean);
    const jobtitle = !clean && r.chance(RATES.missingJobTitle) ? null : r.pick(JOB_TITLES);
    if (jobtitle === null) this.defect("contact", id, "missingJobTitle", "jobtitle");
    if (noAccount) this.defect("contact", id, "contactWithoutAccount", "parentcustomerid");
    const adr = this.address(country);
    const row: Row = {
      contactid: id, firstname: first, lastname: last, fullname: `${first} ${last}`,
      emailaddress1: this.email("contact", id, clean, local, domain), telephone1: this.phoneValue("contact", id, clean, country),
      mobilephone: r.chance(0.3) ? this.phone(country) : null, jobtitle,
      _parentcustomerid_value: acct ? acct.id : null, "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": acct ? "account" : null,
      address1_line1: adr[0], address1_city: adr[1], address1_stateorprovince: adr[2], address1_postalcode: adr[3], address1_country: adr[4], description: null, statecode: 0, statuscode: 1,
      _ownerid_value: owner.id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": owner.type, _owningbusinessunit_value: owner.bu, createdon: iso(d.created), modifiedon: iso(d.modified),
    };
    this.tables.contact.push(row);
    if (acct) {
      const list = this.contactsByAccount.get(acct.id);
      if (list) list.push(id);
      else this.contactsByAccount.set(acct.id, [id]);
    }
    const acts = clean ? 2 : r.chance(0.55) ? r.int(1, 3) : 0;
    this.activities("contact", id, owner, d.created, { completed: acts, recentOk: !d.stale, followUp: clean ? "future" : r.chance(0.1) ? "any" : "none", clean, country });
  }

  private lead(clean: boolean, existingContact: Row | null): void {
    const r = this.rng;
    const id = r.guid();
    if (clean) this.forcedClean.add(id);
    const owner = this.pickOwner("lead", id, clean);
    const country = this.countryFor(owner);
    let first: string;
    let last: string;
    let email: string | null;
    let company: string;
    if (existingContact && typeof existingContact.emailaddress1 === "string" && /^[a-z.]+@[a-z.]+$/.test(existingContact.emailaddress1) && /^[A-Z][a-z]+$/.test(String(existingContact.firstname)) && /^[A-Z][a-z]+$/.test(String(existingContact.lastname))) {
      first = existingContact.firstname as string;
      last = existingContact.lastname as string;
      email = existingContact.emailaddress1;
      const acct = this.accountById.get(existingContact._parentcustomerid_value as string);
      company = acct?.name ?? this.companyName(country);
      this.defect("lead", id, "leadIsExistingContact", "emailaddress1", existingContact.contactid as string);
      this.truth.duplicatePairs.push({ table: "lead", a: id, b: existingContact.contactid as string, otherTable: "contact" });
    } else {
      [first, last] = this.personName("lead", id, clean);
      company = this.companyName(country);
      const domain = `${company.toLowerCase().replace(/[^a-z]/g, "")}.${TLD[country]}`;
      email = this.email("lead", id, clean, `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, ""), domain);
    }
    const d = this.recordDates(clean);
    const state = clean ? 0 : r.weighted([0, 1, 2], [75, 15, 10]);
    const adr = this.address(country);
    const row: Row = {
      leadid: id, subject: `${r.pick(["Interested in", "Inquiry about", "Demo request for", "Pricing for"])} ${r.pick(["CRM rollout", "service contract", "renewal", "expansion", "pilot"])}`,
      firstname: first, lastname: last, fullname: `${first} ${last}`, companyname: company, jobtitle: r.chance(0.8) ? r.pick(JOB_TITLES) : null,
      emailaddress1: email, telephone1: this.phoneValue("lead", id, clean, country), mobilephone: null, websiteurl: null,
      address1_line1: adr[0], address1_city: adr[1], address1_stateorprovince: adr[2], address1_postalcode: adr[3], address1_country: adr[4], leadsourcecode: r.int(1, 10), leadqualitycode: r.int(1, 3),
      estimatedamount: r.chance(0.7) ? r.int(1, 200) * 1000 : null, estimatedclosedate: null, purchasetimeframe: r.int(0, 4),
      budgetamount: r.chance(0.5) ? r.int(1, 200) * 1000 : null, decisionmaker: r.chance(0.4),
      _parentaccountid_value: null, _parentcontactid_value: null, _customerid_value: null, description: null,
      statecode: state, statuscode: state === 0 ? r.pick([1, 2]) : state === 1 ? 3 : r.pick([4, 5, 6, 7]),
      _ownerid_value: owner.id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": owner.type, _owningbusinessunit_value: owner.bu, createdon: iso(d.created), modifiedon: iso(d.modified),
    };
    if (existingContact === null && email && !clean && r.chance(0.1)) row.websiteurl = `https://www.${email.split("@")[1]}`;
    this.tables.lead.push(row);
    const open = state === 0;
    const noFollow = !clean && open && r.chance(RATES.noFollowUp);
    this.activities("lead", id, owner, d.created, {
      completed: clean ? 1 : r.int(0, 2), recentOk: !d.stale, followUp: open ? (noFollow ? "none" : clean ? "future" : "any") : "none", clean, country,
    });
    const stageStart = d.stale ? d.modified - r.int(0, 30) * DAY : clean ? Math.max(d.created, this.now - r.int(0, LEAD_QUALIFY_DAYS - 1) * DAY) : Math.max(d.created, this.now - r.int(0, 45) * DAY);
    this.tables.leadtoopportunitysalesprocess.push({
      businessprocessflowinstanceid: r.guid(), name: "Lead to Opportunity Sales Process", _activestageid_value: this.stageIds.lead[0],
      activestagestartedon: iso(stageStart), _processid_value: LEAD_PROCESS_ID, traversedpath: this.stageIds.lead[0],
      completedon: open ? null : iso(d.modified), duration: null, _bpf_leadid_value: id, _bpf_opportunityid_value: null,
      statecode: open ? 0 : 1, statuscode: open ? 1 : state === 1 ? 2 : 3, createdon: iso(d.created), modifiedon: iso(Math.max(stageStart, d.created)),
    });
  }

  private duplicates(table: "account" | "contact" | "lead", count: number): void {
    const r = this.rng;
    const rows = this.tables[table];
    const pk = `${table}id`;
    const eligible = (row: Row): boolean => {
      const id = row[pk] as string;
      if (this.forcedClean.has(id)) return false;
      for (const k of ["missingEmail", "malformedEmail", "placeholderEmail", "placeholderName", "allCapsName", "lowercaseName", "duplicate", "leadIsExistingContact", "missingPhone", "malformedPhone"] as const) if (this.has(id, k)) return false;
      return true;
    };
    let made = 0;
    for (let guard = 0; made < count && guard < count * 20; guard++) {
      const orig = rows[r.int(0, rows.length - 1)];
      if (!eligible(orig)) continue;
      const id = r.guid();
      const copy: Row = { ...orig, [pk]: id, versionnumber: undefined };
      const owner = this.pickOwner(table, id, false);
      copy._ownerid_value = owner.id;
      copy["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] = owner.type;
      copy._owningbusinessunit_value = owner.bu;
      const d = this.recordDates(false);
      copy.createdon = iso(d.created);
      copy.modifiedon = iso(d.modified);
      let detail: string;
      if (table === "account") {
        const v = r.int(0, 2);
        if (v === 0) {
          detail = "same name, same website";
        } else if (v === 1) {
          copy.name = String(orig.name).replace(/ (Inc|LLC|Ltd|GmbH|AG|Corp|plc|Group)$/, "");
          if (copy.name === orig.name) copy.name = `${String(orig.name)} Ltd`;
          detail = "name without/with legal suffix, same website";
        } else {
          copy.name = `${String(orig.name)}.`;
          copy.websiteurl = orig.websiteurl;
          detail = "trailing punctuation in name, same website";
        }
        if (!orig.websiteurl) copy.websiteurl = null;
        this.usedNames.add(String(copy.name).toLowerCase());
        const info = { ...this.accountById.get(orig.accountid as string)!, id, owner, name: String(copy.name) };
        this.accountInfo.push(info);
        this.accountById.set(id, info);
      } else {
        const v = r.int(0, 2);
        if (v === 0 || !orig.emailaddress1) {
          detail = "same name and email";
        } else if (v === 1) {
          const ln = String(orig.lastname);
          const i = r.int(1, Math.max(1, ln.length - 2));
          const typo = ln.length > 3 ? ln.slice(0, i) + ln[i + 1] + ln[i] + ln.slice(i + 2) : ln + ln[ln.length - 1];
          copy.lastname = typo === ln ? ln + ln[ln.length - 1] : typo;
          copy.fullname = `${String(copy.firstname)} ${String(copy.lastname)}`;
          detail = "last-name typo, same email";
        } else {
          copy.emailaddress1 = str(orig.emailaddress1).toUpperCase();
          detail = "same name, email in different case";
        }
      }
      if (copy.telephone1 && r.chance(0.5)) copy.telephone1 = null;
      // a copy keeps the original's contact data; a phone dropped on the copy is its own defect
      if (copy.telephone1 === null) this.defect(table, id, "missingPhone", "telephone1");
      for (const k of ["missingJobTitle", "missingWebsite", "missingIndustry", "contactWithoutAccount"] as const) {
        if (this.has(orig[pk] as string, k)) {
          const col = { missingJobTitle: "jobtitle", missingWebsite: "websiteurl", missingIndustry: "industrycode", contactWithoutAccount: "parentcustomerid" }[k];
          this.defect(table, id, k, col);
        }
      }
      rows.push(copy);
      this.defect(table, id, "duplicate", undefined, `${String(orig[pk])}: ${detail}`);
      if (!this.has(orig[pk] as string, "duplicate")) this.defect(table, orig[pk] as string, "duplicate", undefined, `${id}: ${detail}`);
      this.truth.duplicatePairs.push({ table, a: orig[pk] as string, b: id });
      const country = (copy.address1_country as Country) ?? "United States";
      this.activities(table, id, owner, d.created, { completed: r.int(0, 1), recentOk: !d.stale, followUp: table === "lead" && copy.statecode === 0 && r.chance(0.8) ? "any" : "none", country });
      if (table === "lead") {
        this.tables.leadtoopportunitysalesprocess.push({
          businessprocessflowinstanceid: r.guid(), name: "Lead to Opportunity Sales Process", _activestageid_value: this.stageIds.lead[0],
          activestagestartedon: iso(d.created), _processid_value: LEAD_PROCESS_ID, traversedpath: this.stageIds.lead[0], completedon: null,
          duration: null, _bpf_leadid_value: id, _bpf_opportunityid_value: null, statecode: copy.statecode === 0 ? 0 : 1,
          statuscode: copy.statecode === 0 ? 1 : 2, createdon: iso(d.created), modifiedon: iso(d.created),
        });
      }
      made++;
    }
  }

  private opportunity(clean: boolean): void {
    const r = this.rng;
    const id = r.guid();
    if (clean) this.forcedClean.add(id);
    const acct = r.pick(this.accountInfo);
    const contacts = this.contactsByAccount.get(acct.id);
    const contactId = contacts && r.chance(0.85) ? r.pick(contacts) : null;
    const owner = this.pickOwner("opportunity", id, clean, acct.owner.region);
    const state = clean ? 0 : r.weighted([0, 1, 2], [70, 15, 15]);
    const open = state === 0;
    const stage = open ? (clean ? r.int(1, 2) : r.weighted([0, 1, 2, 3], [30, 30, 25, 15])) : 3;
    const stale = !clean && r.chance(RATES.stale);
    const stuck = !clean && open && r.chance(RATES.stuckDeal);
    let stageStart: number;
    let modified: number;
    if (stale) {
      modified = this.now - r.int(370, 800) * DAY - r.int(0, 86_399) * 1000;
      stageStart = modified - r.int(0, 60) * DAY;
    } else {
      stageStart = stuck ? this.now - r.int(61, 300) * DAY : this.now - r.int(clean ? 1 : 0, clean ? 30 : 55) * DAY;
      stageStart -= r.int(0, 86_399) * 1000;
      modified = Math.max(stageStart, this.now - r.int(0, clean ? 20 : 120) * DAY - r.int(0, 86_399) * 1000);
    }
    const created = stageStart - r.int(0, 180) * DAY - r.int(0, 86_399) * 1000;
    const est = open && !clean && r.chance(RATES.missingEstimatedValue) ? null : r.int(5, 500) * 1000;
    if (est === null) this.defect("opportunity", id, "missingEstimatedValue", "estimatedvalue");
    let closeDate: string | null;
    if (open) {
      const x = clean ? 1 : r.float();
      if (x < RATES.missingCloseDate) closeDate = null;
      else if (x < RATES.missingCloseDate + RATES.pastCloseDate) closeDate = dateOnly(this.now - r.int(1, 150) * DAY);
      else closeDate = dateOnly(this.now + r.int(1, 180) * DAY);
    } else closeDate = dateOnly(modified);
    const exitGap = open && stage >= 1 && !clean && r.chance(RATES.stageWithoutExitCriteria);
    const need = stage >= 1 || r.chance(0.4) ? r.pick(["Replace legacy CRM", "Consolidate suppliers", "Cut onboarding time", "Expand to new region", "Improve forecast accuracy"]) : null;
    const solution = stage >= 2 || (stage === 1 && r.chance(0.5)) ? r.pick(["Enterprise subscription, 3 years", "Pilot then rollout", "Managed service bundle", "Premium support add-on"]) : null;
    const name = `${acct.name.split(" ")[0]} - ${r.pick(["Renewal", "Expansion", "New business", "Upgrade", "Pilot", "Services"])} ${r.int(2023, 2027)}`;
    const row: Row = {
      opportunityid: id, name, estimatedvalue: est, estimatedclosedate: closeDate,
      actualvalue: state === 1 ? est : null, actualclosedate: open ? null : dateOnly(modified), closeprobability: open ? [10, 30, 60, 80][stage] : state === 1 ? 100 : 0,
      customerneed: need, proposedsolution: solution, currentsituation: stage >= 1 ? "Evaluating vendors" : null,
      identifycompetitors: stage >= 1, developproposal: stage >= 2, completeinternalreview: stage >= 2 && r.chance(0.7), presentproposal: stage >= 3,
      finaldecisiondate: open ? null : dateOnly(modified), purchasetimeframe: r.int(0, 4), purchaseprocess: r.int(0, 2),
      budgetamount: r.chance(0.6) ? r.int(5, 600) * 1000 : null, decisionmaker: r.chance(0.5),
      salesstage: stage, stepname: `${stage + 1}-${STAGES[stage]}`,
      _parentaccountid_value: acct.id, _parentcontactid_value: contactId,
      _customerid_value: acct.id, "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "account", _originatingleadid_value: null, description: null,
      statecode: state, statuscode: state === 0 ? (r.chance(0.9) ? 1 : 2) : state === 1 ? 3 : r.pick([4, 5]),
      _ownerid_value: owner.id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": owner.type, _owningbusinessunit_value: owner.bu, createdon: iso(created), modifiedon: iso(modified),
    };
    // The exit criteria of every stage the deal has left are met (the default pack's process is the
    // one definition of them), except where a stageWithoutExitCriteria defect leaves one out.
    const left = OPPORTUNITY_STAGES.slice(0, stage).flatMap((s) => s.exitCriteria);
    for (const c of left) {
      if (c.column.startsWith("_")) continue; // lookups (contact, account) are real links, never invented
      if (c.equals !== undefined) row[c.column] = c.equals;
      else if (row[c.column] == null || row[c.column] === "") row[c.column] = this.exitValue(c.column, r);
    }
    if (exitGap) {
      const c = r.pick(left.filter((x) => !x.column.startsWith("_")));
      row[c.column] = c.equals === true ? false : null;
    }
    this.tables.opportunity.push(row);
    const noFollow = open && !clean && r.chance(RATES.noFollowUp);
    this.activities("opportunity", id, owner, created, {
      completed: clean ? 2 : r.int(0, 3), recentOk: !stale, followUp: open ? (noFollow ? "none" : clean ? "future" : "any") : "none", clean, country: acct.country,
    });
    const path = this.stageIds.opportunity.slice(0, stage + 1).join(",");
    this.tables.opportunitysalesprocess.push({
      businessprocessflowinstanceid: r.guid(), name: "Opportunity Sales Process", _activestageid_value: this.stageIds.opportunity[stage],
      activestagestartedon: iso(stageStart), _processid_value: OPPORTUNITY_PROCESS_ID, traversedpath: path,
      completedon: open ? null : iso(modified), duration: open ? null : Math.round((modified - created) / DAY), _bpf_opportunityid_value: id,
      statecode: open ? 0 : 1, statuscode: open ? 1 : state === 1 ? 2 : 3, createdon: iso(created), modifiedon: iso(Math.max(stageStart, created)),
    });
  }

  /** A plausible value for an exit-criterion column that the deal has filled in. */
  private exitValue(column: string, r: Rng): unknown {
    switch (column) {
      case "budgetamount":
        return r.int(5, 600) * 1000;
      case "purchasetimeframe":
        return r.int(0, 3);
      case "purchaseprocess":
        return r.int(0, 1);
      case "customerneed":
        return "Replace legacy CRM";
      case "proposedsolution":
        return "Pilot then rollout";
      case "finaldecisiondate":
        return dateOnly(this.now + r.int(1, 60) * DAY);
      default:
        return "Recorded";
    }
  }

  /** Derives the defects that follow from the data (dates, activities, stages) and picks clean records. */
  private finish(): void {
    const now = this.now;
    // Primary contacts: most accounts name one of their active contacts.
    const firstContact = new Map<string, string>();
    for (const c of this.tables.contact) {
      const acct = c._parentcustomerid_value as string | null;
      if (acct && c.statecode === 0 && !firstContact.has(acct)) firstContact.set(acct, c.contactid as string);
    }
    for (const a of this.tables.account) {
      const id = a.accountid as string;
      const contact = firstContact.get(id);
      if (contact && (this.forcedClean.has(id) || !this.rng.chance(MISSING_PRIMARY_CONTACT))) a._primarycontactid_value = contact;
      if (a.statecode === 0 && !a._primarycontactid_value) this.defect("account", id, "missingPrimaryContact", "primarycontactid");
    }
    const staleBefore = now - 365 * DAY;
    const recentAfter = now - 180 * DAY;
    const today = dateOnly(now);
    const bpfByOpp = new Map<string, Row>();
    for (const b of this.tables.opportunitysalesprocess) bpfByOpp.set(b._bpf_opportunityid_value as string, b);
    const bpfByLead = new Map<string, Row>();
    for (const b of this.tables.leadtoopportunitysalesprocess) bpfByLead.set(b._bpf_leadid_value as string, b);
    for (const table of ["account", "contact", "lead", "opportunity"] as const) {
      const pk = `${table}id`;
      for (const row of this.tables[table]) {
        const id = row[pk] as string;
        const f = this.facts.get(id);
        const modified = Date.parse(row.modifiedon as string);
        if (modified < staleBefore && !(f && f.lastActivity >= recentAfter)) {
          this.defect(table, id, "staleRecord", "modifiedon", `modified ${String(row.modifiedon)}, last activity ${f && f.lastActivity > -Infinity ? iso(f.lastActivity) : "none"}`);
        }
        const open = row.statecode === 0;
        if ((table === "opportunity" || table === "lead") && open && !(f && f.hasOpen)) this.defect(table, id, "noFollowUp");
        else if ((table === "opportunity" || table === "lead") && open && f && f.nextDue < now) this.defect(table, id, "overdueFollowUp", undefined, `due ${iso(f.nextDue)}`);
        if (table === "lead" && open) {
          const bpf = bpfByLead.get(id);
          const entered = bpf ? Date.parse(bpf.activestagestartedon as string) : NaN;
          if (Math.floor((now - entered) / DAY) > LEAD_QUALIFY_DAYS) this.defect(table, id, "stuckLead", "activestagestartedon", `Qualify since ${String(bpf!.activestagestartedon)}`);
        }
        if (table === "opportunity" && open) {
          if (row.estimatedclosedate === null) this.defect(table, id, "missingCloseDate", "estimatedclosedate");
          else if ((row.estimatedclosedate as string) < today) this.defect(table, id, "pastCloseDate", "estimatedclosedate", row.estimatedclosedate as string);
          const bpf = bpfByOpp.get(id);
          const entered = bpf ? Date.parse(bpf.activestagestartedon as string) : NaN;
          const limit = OPPORTUNITY_STAGES[row.salesstage as number]?.maxDays;
          if (limit !== undefined && Math.floor((now - entered) / DAY) > limit) this.defect(table, id, "stuckDeal", "activestagestartedon", `${STAGES[row.salesstage as number]} since ${String(bpf!.activestagestartedon)}, limit ${limit} days`);
          const st = row.salesstage as number;
          const missing = OPPORTUNITY_STAGES.slice(0, st)
            .flatMap((s) => s.exitCriteria)
            .filter((c) => (c.equals !== undefined ? row[c.column] !== c.equals : row[c.column] == null || row[c.column] === "" || row[c.column] === false));
          if (missing.length) this.defect(table, id, "stageWithoutExitCriteria", missing[0].column, `${STAGES[st]}: missing ${missing.map((m) => m.label).join(", ")}`);
        }
      }
      let n = 0;
      for (const row of this.tables[table]) {
        const id = row[pk] as string;
        if (!this.forcedClean.has(id) || this.recordDefects.has(id)) continue;
        this.truth.clean.push({ table, id });
        if (++n >= 5) break;
      }
    }
  }
}
