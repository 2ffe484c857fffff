/**
 * The demo organisation's people: business units, teams, users, their roles and bearer tokens.
 * Everything is derived from the seed, so tokens are stable for a given seed (see README).
 */
import { createHash } from "node:crypto";
import { DEMO_ROLES } from "../emulator/roles";
import type { Row } from "../emulator/store";
import { Rng } from "./rng";

export interface DemoUser {
  key: string;
  fullname: string;
  systemuserid: string;
  domainname: string;
  token: string;
  role: string;
  isdisabled: boolean;
  businessunitid: string;
}

/** A demo user plus what the emulator needs internally (role key, team ids). */
export interface DemoUserInternal extends DemoUser {
  roleKey: "admin" | "governance" | "regionalGovernance" | "manager" | "salesperson" | "marketing";
  firstname: string;
  lastname: string;
  title: string;
  teamIds: string[];
  /** "na" | "eu" | "root" */
  region: "root" | "na" | "eu";
}

export interface DemoPeople {
  organizationId: string;
  users: DemoUserInternal[];
  rows: { businessunit: Row[]; team: Row[]; teammembership: Row[]; systemuser: Row[]; role: Row[]; systemuserroles: Row[] };
  businessUnits: { root: string; na: string; eu: string };
  teams: { keyAccountsNa: string; keyAccountsEu: string };
}

const ROLE_LABEL: Record<DemoUserInternal["roleKey"], string> = {
  admin: "System Administrator",
  governance: "Vitals Governance Owner",
  regionalGovernance: "Vitals Governance Owner (business unit)",
  manager: "Sales Manager",
  salesperson: "Salesperson",
  marketing: "Marketing Professional (no opportunity access)",
};

const PEOPLE: [key: string, first: string, last: string, role: DemoUserInternal["roleKey"], region: DemoUserInternal["region"], disabled: boolean, title: string][] = [
  ["admin", "Dana", "Whitfield", "admin", "root", false, "CRM Administrator"],
  ["govowner", "Priya", "Raman", "governance", "root", false, "Head of Revenue Operations"],
  ["auditsvc", "Vitals", "Audit Service", "governance", "root", false, "Application user"],
  ["manager", "Marcus", "Bell", "manager", "na", false, "Sales Director, North America"],
  ["rep1", "Jordan", "Lee", "salesperson", "na", false, "Account Executive"],
  ["rep2", "Sofia", "Alvarez", "salesperson", "na", false, "Account Executive"],
  ["rep3", "Ethan", "Brooks", "salesperson", "na", false, "Sales Development Rep"],
  ["manager2", "Hannah", "Schulz", "manager", "eu", false, "Sales Director, Europe"],
  ["rep4", "Oliver", "Grant", "salesperson", "eu", false, "Account Executive"],
  ["rep5", "Lena", "Hoffmann", "salesperson", "eu", false, "Account Executive"],
  ["marketer", "Nina", "Patel", "marketing", "na", false, "Marketing Manager"],
  ["former1", "Greg", "Tanner", "salesperson", "na", true, "Account Executive (left)"],
  ["former2", "Claire", "Dubois", "salesperson", "eu", true, "Account Executive (left)"],
  ["govowner_eu", "Mads", "Nielsen", "regionalGovernance", "eu", false, "Revenue Operations Lead, Europe"],
];

/** Deterministic bearer token of a demo user: `emu_` + 40 hex characters of sha256(seed:key). */
export function demoToken(seed: number, key: string): string {
  return "emu_" + createHash("sha256").update(`crm-vitals-emulator:${seed}:${key}`).digest("hex").slice(0, 40);
}

/** A stable GUID for a name (role ids), so adding rows does not shift the seeded random sequence. */
function nameGuid(seed: number, name: string): string {
  const h = createHash("sha256").update(`crm-vitals-emulator:${seed}:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Security role rows (in the root business unit) and who holds which (systemuserroles). */
function roleRows(seed: number, users: DemoUserInternal[], rootBu: string, created: string): { role: Row[]; systemuserroles: Row[] } {
  const role = new Map<string, Row>();
  const systemuserroles: Row[] = [];
  for (const u of users) {
    for (const r of DEMO_ROLES[u.roleKey].roles) {
      const roleid = nameGuid(seed, `role:${r.name}`);
      if (!role.has(r.name)) role.set(r.name, { roleid, name: r.name, _businessunitid_value: rootBu, createdon: created, modifiedon: created });
      systemuserroles.push({ systemuserroleid: nameGuid(seed, `userrole:${u.key}:${r.name}`), systemuserid: u.systemuserid, roleid });
    }
  }
  return { role: [...role.values()], systemuserroles };
}

export function buildPeople(seed: number, nowIso: string): DemoPeople {
  const rng = new Rng(seed, "people");
  const organizationId = rng.guid();
  const created = new Date(Date.parse(nowIso) - 3 * 365 * 86_400_000).toISOString().slice(0, 19) + "Z";
  const bu = { root: rng.guid(), na: rng.guid(), eu: rng.guid() };
  const businessunit: Row[] = [
    { businessunitid: bu.root, name: "Contoso", _parentbusinessunitid_value: null, isdisabled: false, createdon: created, modifiedon: created },
    { businessunitid: bu.na, name: "Sales North America", _parentbusinessunitid_value: bu.root, isdisabled: false, createdon: created, modifiedon: created },
    { businessunitid: bu.eu, name: "Sales Europe", _parentbusinessunitid_value: bu.root, isdisabled: false, createdon: created, modifiedon: created },
  ];
  const defaultTeams = { root: rng.guid(), na: rng.guid(), eu: rng.guid() };
  const teams = { keyAccountsNa: rng.guid(), keyAccountsEu: rng.guid() };
  const users: DemoUserInternal[] = PEOPLE.map(([key, first, last, roleKey, region, disabled, title]) => {
    const id = rng.guid();
    const teamIds = [defaultTeams[region]];
    if (["rep1", "rep2", "manager"].includes(key)) teamIds.push(teams.keyAccountsNa);
    if (["rep4", "rep5", "manager2"].includes(key)) teamIds.push(teams.keyAccountsEu);
    return {
      key, firstname: first, lastname: last, fullname: `${first} ${last}`, systemuserid: id,
      domainname: key === "auditsvc" ? "app-vitals-audit@contoso.onmicrosoft.com" : `${first}.${last}@contoso.onmicrosoft.com`.toLowerCase().replace(/ /g, ""),
      token: demoToken(seed, key), role: ROLE_LABEL[roleKey], roleKey, isdisabled: disabled, businessunitid: bu[region],
      title, teamIds, region,
    };
  });
  const admin = users[0].systemuserid;
  const team: Row[] = [
    { teamid: defaultTeams.root, name: "Contoso", _businessunitid_value: bu.root, teamtype: 0, isdefault: true, _administratorid_value: admin },
    { teamid: defaultTeams.na, name: "Sales North America", _businessunitid_value: bu.na, teamtype: 0, isdefault: true, _administratorid_value: admin },
    { teamid: defaultTeams.eu, name: "Sales Europe", _businessunitid_value: bu.eu, teamtype: 0, isdefault: true, _administratorid_value: admin },
    { teamid: teams.keyAccountsNa, name: "Key Accounts NA", _businessunitid_value: bu.na, teamtype: 0, isdefault: false, _administratorid_value: users[3].systemuserid },
    { teamid: teams.keyAccountsEu, name: "Key Accounts EU", _businessunitid_value: bu.eu, teamtype: 0, isdefault: false, _administratorid_value: users[7].systemuserid },
  ].map((t) => ({ ...t, createdon: created, modifiedon: created }));
  const teammembership: Row[] = [];
  for (const u of users) for (const t of u.teamIds) teammembership.push({ teammembershipid: rng.guid(), teamid: t, systemuserid: u.systemuserid });
  const systemuser: Row[] = users.map((u) => ({
    systemuserid: u.systemuserid, firstname: u.firstname, lastname: u.lastname, fullname: u.fullname,
    domainname: u.domainname, internalemailaddress: u.key === "auditsvc" ? null : u.domainname, title: u.title,
    isdisabled: u.isdisabled, _businessunitid_value: u.businessunitid, azureactivedirectoryobjectid: rng.guid(),
    createdon: created, modifiedon: u.isdisabled ? new Date(Date.parse(nowIso) - 200 * 86_400_000).toISOString().slice(0, 19) + "Z" : created,
  }));
  return { organizationId, users, rows: { businessunit, team, teammembership, systemuser, ...roleRows(seed, users, bu.root, created) }, businessUnits: bu, teams };
}
