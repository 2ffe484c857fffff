/**
 * Related facts in bulk, against an in-memory QueryPort that evaluates the OData filters and
 * FetchXML aggregates the module sends (so a wrong filter or a per-record query shows up here).
 */
import { XMLParser } from "fast-xml-parser";
import { fallbackTableInfo } from "../../plugins-ts/dataverse/entitysets";
import { DataverseError } from "../../plugins-ts/dataverse/errors";
import { fetchRelatedFactsWith, type QueryPort } from "../../plugins-ts/dataverse/related";
import { compileFilter, testGuid, type StubRow } from "../helpers/gateway";

const opp = (i: number) => testGuid(i, "0");
const user = (i: number) => testGuid(i, "e");
const team = testGuid(1, "7");
const acct = (i: number) => testGuid(i, "a");
const stage = (i: number) => testGuid(i, "5");

function data(): Record<string, StubRow[]> {
  return {
    opportunity: [
      { opportunityid: opp(1), _ownerid_value: user(1), _parentaccountid_value: acct(1) },
      { opportunityid: opp(2), _ownerid_value: user(2), _parentaccountid_value: acct(2) },
      { opportunityid: opp(3), _ownerid_value: team, _parentaccountid_value: null },
      { opportunityid: opp(4), _ownerid_value: user(9), _parentaccountid_value: acct(9) },
    ],
    activitypointer: [
      { activityid: testGuid(1, "b"), _regardingobjectid_value: opp(1), statecode: 1, actualend: "2026-01-10T10:00:00Z", scheduledend: null },
      { activityid: testGuid(2, "b"), _regardingobjectid_value: opp(1), statecode: 1, actualend: "2026-03-01T09:00:00Z", scheduledend: null },
      { activityid: testGuid(3, "b"), _regardingobjectid_value: opp(1), statecode: 0, actualend: null, scheduledend: "2026-12-01T00:00:00Z" },
      { activityid: testGuid(4, "b"), _regardingobjectid_value: opp(1), statecode: 3, actualend: null, scheduledend: "2026-11-01T00:00:00Z" },
      { activityid: testGuid(5, "b"), _regardingobjectid_value: opp(2), statecode: 2, actualend: "2026-05-01T00:00:00Z", scheduledend: "2026-04-01T00:00:00Z" },
      { activityid: testGuid(6, "b"), _regardingobjectid_value: opp(3), statecode: 1, actualend: "2025-07-07T07:07:07Z", scheduledend: null },
    ],
    opportunitysalesprocess: [
      { businessprocessflowinstanceid: testGuid(1, "f"), _bpf_opportunityid_value: opp(1), _activestageid_value: stage(1), activestagestartedon: "2026-02-01T00:00:00Z", statecode: 1, modifiedon: "2026-02-02T00:00:00Z" },
      { businessprocessflowinstanceid: testGuid(2, "f"), _bpf_opportunityid_value: opp(1), _activestageid_value: stage(2), activestagestartedon: "2026-03-05T00:00:00Z", statecode: 0, modifiedon: "2026-01-01T00:00:00Z" },
      { businessprocessflowinstanceid: testGuid(3, "f"), _bpf_opportunityid_value: opp(2), _activestageid_value: stage(1), activestagestartedon: null, statecode: 0, modifiedon: "2026-01-01T00:00:00Z" },
    ],
    processstage: [
      { processstageid: stage(1), stagename: "Qualify" },
      { processstageid: stage(2), stagename: "Develop" },
    ],
    systemuser: [
      { systemuserid: user(1), isdisabled: false, fullname: "Ada Active" },
      { systemuserid: user(2), isdisabled: true, fullname: "Dana Disabled" },
    ],
    team: [{ teamid: team, name: "Sales Team" }],
    account: [
      { accountid: acct(1), statecode: 0, name: "Contoso", websiteurl: "contoso.com" },
      { accountid: acct(2), statecode: 1, name: "Fabrikam", websiteurl: null },
    ],
  };
}

interface Call {
  table: string;
  kind: "odata" | "fetch";
  text: string;
}

function fakePort(tables: Record<string, StubRow[]>, opts: { aggregateLimit?: boolean; maxFilterChars?: number } = {}): QueryPort & { calls: Call[] } {
  const calls: Call[] = [];
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ["condition", "value", "attribute"].includes(name) });
  return {
    calls,
    maxFilterChars: opts.maxFilterChars,
    tableInfo: (t) => Promise.resolve(fallbackTableInfo(t)),
    queryAll(table, columns, filter) {
      calls.push({ table, kind: "odata", text: filter.odata });
      const pred = compileFilter(filter.odata);
      return Promise.resolve((tables[table] ?? []).filter(pred).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))));
    },
    fetchXml(table, xml) {
      calls.push({ table, kind: "fetch", text: xml });
      if (opts.aggregateLimit) return Promise.reject(new DataverseError({ status: 400, code: "0x8004e023", message: "AggregateQueryRecordLimit exceeded", request: "fetch" }));
      const doc = parser.parse(xml) as { fetch: { entity: { attribute: Array<Record<string, string>>; filter: { condition: Array<{ attribute: string; operator: string; value?: string | Array<string | number> }> } } } };
      const attrs = doc.fetch.entity.attribute;
      const group = attrs.find((a) => a.groupby === "true")!;
      const agg = attrs.find((a) => a.aggregate)!;
      const conds = doc.fetch.entity.filter.condition;
      const col = (name: string) => (name === "regardingobjectid" ? "_regardingobjectid_value" : name);
      const rows = (tables[table] ?? []).filter((r) =>
        conds.every((c) => {
          const v = String(r[col(c.attribute)]).toLowerCase();
          if (c.operator === "eq") return v === String(c.value);
          const values = (Array.isArray(c.value) ? c.value : [c.value]).map((x) => String(x).toLowerCase());
          return values.includes(v);
        }),
      );
      const out = new Map<string, string>();
      for (const r of rows) {
        const g = String(r[col(group.name)]);
        const v = r[agg.name];
        if (typeof v !== "string") continue;
        const cur = out.get(g);
        if (cur === undefined || (agg.aggregate === "max" ? v > cur : v < cur)) out.set(g, v);
      }
      return Promise.resolve([...out].map(([g, v]) => ({ group: g, value: v })));
    },
  };
}

describe("fetchRelatedFacts", () => {
  it("fetches every asked fact in bulk and marks absent facts null", async () => {
    const tables = data();
    const port = fakePort(tables);
    const ids = [opp(1), opp(2), opp(3), opp(4)];
    const facts = await fetchRelatedFactsWith(
      port,
      { table: "opportunity", ids, facts: { lastActivityOn: true, nextActivityDueOn: true, stage: true, owner: true, parents: [{ lookup: "parentaccountid", table: "account", columns: ["websiteurl"] }] } },
      new Map(),
    );
    expect(facts.get(opp(1))).toEqual({
      lastActivityOn: "2026-03-01T09:00:00Z",
      nextActivityDueOn: "2026-11-01T00:00:00Z",
      stage: { name: "Develop", enteredOn: "2026-03-05T00:00:00Z" },
      ownerEnabled: true,
      ownerName: "Ada Active",
      parents: { parentaccountid: { table: "account", id: acct(1), active: true, name: "Contoso", values: { websiteurl: "contoso.com" } } },
    });
    // Cancelled activities count neither as last nor as next.
    expect(facts.get(opp(2))).toMatchObject({ lastActivityOn: null, nextActivityDueOn: null, stage: { name: "Qualify", enteredOn: null }, ownerEnabled: false, ownerName: "Dana Disabled" });
    expect(facts.get(opp(2))!.parents!.parentaccountid).toMatchObject({ active: false, name: "Fabrikam" });
    // Team owners count as enabled; no parent lookup → null.
    expect(facts.get(opp(3))).toMatchObject({ lastActivityOn: "2025-07-07T07:07:07Z", stage: null, ownerEnabled: true, ownerName: "Sales Team", parents: { parentaccountid: null } });
    // Owner and parent not readable/existing → null.
    expect(facts.get(opp(4))).toMatchObject({ ownerEnabled: null, ownerName: null, parents: { parentaccountid: null } });
    // One query per fact kind for the whole page (plus the stage names and the record lookups).
    const perTable = port.calls.reduce<Record<string, number>>((m, c) => ((m[`${c.kind}:${c.table}`] = (m[`${c.kind}:${c.table}`] ?? 0) + 1), m), {});
    expect(perTable).toEqual({ "odata:opportunity": 1, "fetch:activitypointer": 2, "odata:opportunitysalesprocess": 1, "odata:processstage": 1, "odata:systemuser": 1, "odata:team": 1, "odata:account": 1 });
  });

  it("leaves facts not asked for undefined and reuses the caller's rows", async () => {
    const tables = data();
    const port = fakePort(tables);
    const rows = tables.opportunity.map((r) => ({ ...r }));
    const facts = await fetchRelatedFactsWith(port, { table: "opportunity", ids: [opp(1)], facts: { owner: true }, rows }, new Map());
    expect(facts.get(opp(1))).toEqual({ ownerEnabled: true, ownerName: "Ada Active" });
    expect(port.calls.map((c) => c.table)).toEqual(["systemuser"]);
  });

  it("chunks large id lists instead of querying per record", async () => {
    const tables = data();
    const many = Array.from({ length: 3000 }, (_, i) => testGuid(1000 + i, "0"));
    const port = fakePort(tables, { maxFilterChars: 20_000 });
    const facts = await fetchRelatedFactsWith(port, { table: "opportunity", ids: [opp(1), ...many], facts: { lastActivityOn: true, stage: true } }, new Map());
    expect(facts.size).toBe(3001);
    expect(facts.get(opp(1))!.lastActivityOn).toBe("2026-03-01T09:00:00Z");
    expect(facts.get(many[5])).toEqual({ lastActivityOn: null, stage: null });
    const fetches = port.calls.filter((c) => c.kind === "fetch");
    const bpf = port.calls.filter((c) => c.table === "opportunitysalesprocess");
    expect(fetches.length).toBeGreaterThan(1);
    expect(fetches.length).toBeLessThan(20);
    expect(bpf.length).toBeGreaterThan(1);
    expect(bpf.length).toBeLessThan(10);
    for (const c of [...fetches, ...bpf]) expect(encodeURIComponent(c.text).length).toBeLessThanOrEqual(20_000);
  });

  it("falls back to paging when the FetchXML aggregate limit is exceeded", async () => {
    const port = fakePort(data(), { aggregateLimit: true });
    const facts = await fetchRelatedFactsWith(port, { table: "opportunity", ids: [opp(1), opp(2)], facts: { lastActivityOn: true, nextActivityDueOn: true } }, new Map());
    expect(facts.get(opp(1))).toEqual({ lastActivityOn: "2026-03-01T09:00:00Z", nextActivityDueOn: "2026-11-01T00:00:00Z" });
    expect(facts.get(opp(2))).toEqual({ lastActivityOn: null, nextActivityDueOn: null });
    expect(port.calls.filter((c) => c.kind === "odata" && c.table === "activitypointer")).toHaveLength(2);
  });

  it("caches stage names across pages and rejects bad ids", async () => {
    const names = new Map<string, string>();
    const port = fakePort(data());
    await fetchRelatedFactsWith(port, { table: "opportunity", ids: [opp(1), opp(2)], facts: { stage: true } }, names);
    const second = await fetchRelatedFactsWith(port, { table: "opportunity", ids: [opp(2), opp(1)], facts: { stage: true } }, names);
    expect(second.get(opp(2))!.stage!.name).toBe("Qualify");
    expect(port.calls.filter((c) => c.table === "processstage")).toHaveLength(1);
    await expect(fetchRelatedFactsWith(port, { table: "opportunity", ids: ["nope"], facts: { stage: true } }, names)).rejects.toThrow("opportunity id 'nope' is not a GUID");
  });
});
