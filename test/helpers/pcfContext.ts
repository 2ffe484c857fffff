/**
 * One small, typed mock of the PCF context for every control test, plus a fake Web API that
 * answers the panel's queries from fixtures and records what was asked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { IInputs } from "../../controls/RecordVitals/generated/ManifestTypes";
import type { WebApiPort, WebApiRow } from "../../plugins-ts/client/webApiPort";

const STRINGS_DIR = join(__dirname, "..", "..", "controls", "RecordVitals", "strings");

/** The `<data name><value>` pairs of a control's resx file. */
export function loadResx(lcid: 1033 | 1031 = 1033): Record<string, string> {
  const xml = readFileSync(join(STRINGS_DIR, `RecordVitals.${lcid}.resx`), "utf8");
  const out: Record<string, string> = {};
  const unescape = (s: string): string => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  for (const m of xml.matchAll(/<data name="([^"]+)"[^>]*>\s*<value>([\s\S]*?)<\/value>/g)) out[m[1]] = unescape(m[2]);
  return out;
}

export interface MockContextOptions {
  table?: string | null;
  id?: string | null;
  formFactor?: number;
  allocatedWidth?: number;
  disabled?: boolean;
  /** false: the bound column is masked by column security. */
  readable?: boolean;
  updatedProperties?: string[];
  webAPI?: WebApiPort;
  openForm?: jest.Mock;
  lcid?: 1033 | 1031;
}

export type MockContext = ComponentFramework.Context<IInputs>;

export function mockContext(o: MockContextOptions = {}): MockContext {
  const strings = loadResx(o.lcid ?? 1033);
  const openForm = o.openForm ?? jest.fn(() => Promise.resolve({ savedEntityReference: [] }));
  const context = {
    parameters: {
      boundColumn: {
        raw: "x",
        formatted: "x",
        error: false,
        errorMessage: "",
        type: "SingleLine.Text",
        security: { readable: o.readable ?? true, editable: true, secured: o.readable === false },
      },
    },
    mode: {
      allocatedWidth: o.allocatedWidth ?? 800,
      allocatedHeight: -1,
      isControlDisabled: o.disabled ?? false,
      isVisible: true,
      label: "Vitals",
      setControlState: () => true,
      setFullScreen: () => undefined,
      trackContainerResize: jest.fn(),
      contextInfo: { entityTypeName: o.table === null ? undefined : (o.table ?? "opportunity"), entityId: o.id === null ? "" : (o.id ?? OPPORTUNITY_ID) },
    },
    client: { getFormFactor: () => o.formFactor ?? 1, getClient: () => "Web", isOffline: () => false, disableScroll: false, isNetworkAvailable: () => true },
    resources: {
      getString: (key: string) => strings[key] ?? `!${key}!`,
      getResource: () => undefined,
    },
    navigation: { openForm },
    formatting: { formatDateShort: (d: Date) => d.toISOString().slice(0, 10) },
    webAPI: o.webAPI ?? fakeWebApi({}).api,
    updatedProperties: o.updatedProperties ?? [],
    factory: { requestRender: jest.fn() },
  };
  return context as unknown as MockContext;
}

export const OPPORTUNITY_ID = "11111111-2222-3333-4444-555555555555";
export const CONTACT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/** What a fixture answers: rows by table, or an error to throw. */
export interface Fixture {
  /** Rows returned by retrieveRecord, by table logical name. */
  records?: Record<string, WebApiRow>;
  /** Rows returned by retrieveMultipleRecords, by table logical name. */
  lists?: Record<string, WebApiRow[]>;
  /** Makes every call for a table reject with this error. */
  fail?: Record<string, unknown>;
}

/** PCF and Xrm reject with objects like {errorCode, message}; keep their fields on a real Error. */
function asError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const fields = typeof reason === "object" && reason !== null ? (reason as Record<string, unknown>) : { message: String(reason) };
  return Object.assign(new Error(typeof fields.message === "string" ? fields.message : "request failed"), fields);
}

export interface FakeWebApi {
  api: WebApiPort;
  calls: { method: "retrieveRecord" | "retrieveMultipleRecords"; table: string; options: string }[];
  fixture: Fixture;
}

export function fakeWebApi(fixture: Fixture): FakeWebApi {
  const calls: FakeWebApi["calls"] = [];
  const api: WebApiPort = {
    retrieveRecord(table, _id, options = "") {
      calls.push({ method: "retrieveRecord", table, options });
      if (fixture.fail?.[table] !== undefined) return Promise.reject(asError(fixture.fail[table]));
      const row = fixture.records?.[table];
      return row ? Promise.resolve({ ...row }) : Promise.reject(asError({ errorCode: -2147220969, message: `${table} not found` }));
    },
    retrieveMultipleRecords(table, options = "") {
      calls.push({ method: "retrieveMultipleRecords", table, options });
      if (fixture.fail?.[table] !== undefined) return Promise.reject(asError(fixture.fail[table]));
      return Promise.resolve({ entities: (fixture.lists?.[table] ?? []).map((r) => ({ ...r })) });
    },
  };
  return { api, calls, fixture };
}

/** A day relative to the tests' fixed clock. */
export const NOW = new Date("2026-11-23T12:00:00Z");
export function daysAgo(n: number): string {
  return new Date(NOW.getTime() - n * 86_400_000).toISOString();
}

/** An opportunity in Develop with a gap: no customer need, proposal not done; a stale activity. */
export function opportunityFixture(overrides: WebApiRow = {}): Fixture {
  return {
    records: {
      opportunity: {
        opportunityid: OPPORTUNITY_ID,
        name: "Contoso fleet renewal",
        statecode: 0,
        _parentaccountid_value: "99999999-0000-0000-0000-000000000001",
        parentaccountid: { accountid: "99999999-0000-0000-0000-000000000001", statecode: 0, name: "Contoso" },
        _parentcontactid_value: "99999999-0000-0000-0000-000000000002",
        purchasetimeframe: 1,
        budgetamount: 50000,
        decisionmaker: true,
        customerneed: null,
        proposedsolution: "Fleet lease",
        identifycustomercontacts: true,
        developproposal: false,
        presentproposal: false,
        finaldecisiondate: null,
        filedebrief: false,
        estimatedclosedate: "2027-01-31",
        estimatedvalue: 120000,
        closeprobability: 40,
        actualclosedate: null,
        actualvalue: null,
        createdon: daysAgo(60),
        modifiedon: daysAgo(2),
        versionnumber: 1001,
        _ownerid_value: "99999999-0000-0000-0000-0000000000aa",
        owninguser: { isdisabled: false, fullname: "Dana Seller" },
        owningteam: null,
        ...overrides,
      },
    },
    lists: {
      activitypointer: [
        { state: 1, lastdone: daysAgo(40), nextdue: null },
        { state: 0, lastdone: null, nextdue: daysAgo(-5) },
      ],
      opportunitysalesprocess: [{ activestagestartedon: daysAgo(50), statecode: 0, activestageid: { stagename: "Develop" } }],
    },
  };
}
