import {
  aggregateByLookupFetchXml,
  alternateKeySegment,
  chunkForFilter,
  chunkIdsForIn,
  dateOnly,
  f,
  formatLiteral,
  guid,
  logicalColumn,
  lookupValueColumn,
  preferHeader,
  toQueryString,
  toWebApiRequest,
} from "../../plugins-ts/dataverse/requests";
import { fallbackTableInfo, pluralise, tableInfoFromDefinition, TableInfoCache } from "../../plugins-ts/dataverse/entitysets";
import { testGuid } from "../helpers/gateway";

describe("filter builder", () => {
  it("escapes single quotes in string literals", () => {
    expect(f.eq("lastname", "O'Brien").odata).toBe("lastname eq 'O''Brien'");
    expect(f.contains("name", "it's 'quoted'").odata).toBe("contains(name,'it''s ''quoted''')");
  });

  it("writes GUIDs unquoted and normalised, refuses non-GUIDs", () => {
    expect(f.eq("_ownerid_value", guid("{AAAAAAAA-0000-4000-8000-00000000000F}")).odata).toBe("_ownerid_value eq aaaaaaaa-0000-4000-8000-00000000000f");
    expect(() => guid("not-a-guid")).toThrow("GUID literal 'not-a-guid' is not a GUID");
  });

  it("formats dates as Dataverse UTC and date-only literals", () => {
    expect(formatLiteral(new Date(Date.UTC(2024, 2, 1, 13, 5, 9)))).toBe("2024-03-01T13:05:09Z");
    expect(formatLiteral(new Date(Date.UTC(2024, 2, 1, 13, 5, 9, 120)))).toBe("2024-03-01T13:05:09.120Z");
    expect(f.ge("createdon", dateOnly("2024-02-29")).odata).toBe("createdon ge 2024-02-29");
    expect(() => dateOnly("2024-13-01")).toThrow("not a valid YYYY-MM-DD date");
    expect(() => formatLiteral(new Date("nope"))).toThrow("invalid Date");
  });

  it("formats numbers, booleans and null, refusing NaN", () => {
    expect(f.and(f.eq("statecode", 0), f.eq("donotemail", false), f.isNull("emailaddress1")).odata).toBe(
      "statecode eq 0 and donotemail eq false and emailaddress1 eq null",
    );
    expect(() => f.eq("revenue", Number.NaN)).toThrow("not finite");
  });

  it("parenthesises nested and/or and not", () => {
    const x = f.and(f.eq("a", 1), f.or(f.eq("b", 2), f.eq("c", 3)));
    expect(x.odata).toBe("a eq 1 and (b eq 2 or c eq 3)");
    expect(f.not(x).odata).toBe("not (a eq 1 and (b eq 2 or c eq 3))");
    expect(f.or(f.eq("a", 1)).odata).toBe("a eq 1");
  });

  it("builds In() with quoted values and rejects bad column names", () => {
    expect(f.in("_parentcustomerid_value", [guid(testGuid(1)), "x'y"]).odata).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='_parentcustomerid_value',PropertyValues=['${testGuid(1)}','x''y'])`,
    );
    expect(() => f.eq("name eq 'x' or 1", 1)).toThrow("is not a valid Dataverse column name");
    expect(() => f.in("a", [])).toThrow("needs at least one value");
  });
});

describe("query requests", () => {
  it("selects only the asked columns and encodes the query string", () => {
    const q = { entitySet: "contacts", columns: ["fullname", "emailaddress1", "fullname"], filter: f.eq("lastname", "O'Brien"), orderBy: ["createdon desc"], pageSize: 500 };
    expect(toWebApiRequest(q)).toEqual({
      collection: "contacts",
      select: ["fullname", "emailaddress1"],
      filter: "lastname eq 'O''Brien'",
      orderBy: ["createdon desc"],
      maxPageSize: 500,
    });
    expect(toQueryString(q)).toBe("?$select=fullname,emailaddress1&$filter=lastname%20eq%20'O''Brien'&$orderby=createdon%20desc");
  });

  it("validates page size, orderBy and empty selects", () => {
    expect(() => toWebApiRequest({ entitySet: "contacts", columns: ["a"], pageSize: 5001 })).toThrow("pageSize 5001 must be an integer from 1 to 5000");
    expect(() => toWebApiRequest({ entitySet: "contacts", columns: ["a"], orderBy: ["a; drop"] })).toThrow("orderBy clause");
    expect(() => toWebApiRequest({ entitySet: "contacts", columns: [] })).toThrow("names no columns");
    expect(preferHeader(5000, "*")).toBe('odata.maxpagesize=5000,odata.include-annotations="*"');
  });
});

describe("chunking id filters", () => {
  const ids = Array.from({ length: 5000 }, (_, i) => testGuid(i));

  it("keeps every encoded In filter under the limit and loses no id", () => {
    const chunks = chunkIdsForIn("_regardingobjectid_value", ids, 8000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(ids);
    for (const c of chunks) {
      const encoded = encodeURIComponent(f.in("_regardingobjectid_value", c.map((id) => guid(id))).odata).length;
      expect(encoded).toBeLessThanOrEqual(8000);
    }
    // Greedy: one more id would not have fitted.
    const first = chunks[0];
    const withNext = [...first, chunks[1][0]];
    expect(encodeURIComponent(f.in("_regardingobjectid_value", withNext.map((id) => guid(id))).odata).length).toBeGreaterThan(8000);
  });

  it("de-duplicates ids case-insensitively", () => {
    expect(chunkIdsForIn("x", [testGuid(1), testGuid(1).toUpperCase()])).toEqual([[testGuid(1)]]);
    expect(chunkIdsForIn("x", [])).toEqual([]);
  });

  it("chunks arbitrary or-filters by their rendered length", () => {
    const names = Array.from({ length: 200 }, (_, i) => `name ${i}`);
    const render = (c: readonly string[]) => f.or(...c.map((n) => f.eq("name", n))).odata;
    const chunks = chunkForFilter(names, render, 1000);
    expect(chunks.flat()).toEqual(names);
    for (const c of chunks) expect(encodeURIComponent(render(c)).length).toBeLessThanOrEqual(1000);
  });
});

describe("FetchXML and keys", () => {
  it("builds a grouped aggregate with escaped values", () => {
    const xml = aggregateByLookupFetchXml({
      table: "activitypointer",
      aggregate: "max",
      attribute: "actualend",
      groupBy: "regardingobjectid",
      conditions: [
        { attribute: "statecode", operator: "eq", value: 1 },
        { attribute: "regardingobjectid", operator: "in", values: [testGuid(1), "<x&y>"] },
      ],
    });
    expect(xml).toBe(
      '<fetch aggregate="true"><entity name="activitypointer"><attribute name="regardingobjectid" alias="group" groupby="true"/>' +
        '<attribute name="actualend" alias="value" aggregate="max"/><filter type="and"><condition attribute="statecode" operator="eq" value="1"/>' +
        `<condition attribute="regardingobjectid" operator="in"><value>${testGuid(1)}</value><value>&lt;x&amp;y&gt;</value></condition></filter></entity></fetch>`,
    );
  });

  it("formats alternate keys with quotes doubled and separators encoded", () => {
    expect(alternateKeySegment({ vit_table: "contact", vit_recordid: testGuid(3) }, ["vit_table", "vit_recordid"])).toBe(`vit_table='contact',vit_recordid='${testGuid(3)}'`);
    expect(alternateKeySegment({ code: "O'B,1/2", n: 7 }, ["code", "n"])).toBe("code='O''B%2C1%2F2',n=7");
    expect(() => alternateKeySegment({ vit_table: "contact" }, ["vit_table", "vit_recordid"])).toThrow("row has no value for alternate key column vit_recordid");
  });

  it("maps lookup names both ways", () => {
    expect(lookupValueColumn("parentcustomerid")).toBe("_parentcustomerid_value");
    expect(lookupValueColumn("_ownerid_value")).toBe("_ownerid_value");
    expect(logicalColumn("_ParentCustomerId_value")).toBe("parentcustomerid");
  });
});

describe("entity set names", () => {
  it("knows the irregular tables and pluralises the rest", () => {
    expect(fallbackTableInfo("opportunity")).toEqual({ logicalName: "opportunity", entitySetName: "opportunities", primaryIdAttribute: "opportunityid" });
    expect(fallbackTableInfo("activitypointer").primaryIdAttribute).toBe("activityid");
    expect(fallbackTableInfo("vit_recordhealth").entitySetName).toBe("vit_recordhealths");
    expect(pluralise("vit_policy")).toBe("vit_policies");
    expect(pluralise("vit_box")).toBe("vit_boxes");
    expect(fallbackTableInfo("new_thing")).toEqual({ logicalName: "new_thing", entitySetName: "new_things", primaryIdAttribute: "new_thingid" });
  });

  it("prefers EntitySetName, then LogicalCollectionName from metadata", () => {
    expect(tableInfoFromDefinition("new_thing", { EntitySetName: "new_thingset", PrimaryIdAttribute: "new_thingid" }).entitySetName).toBe("new_thingset");
    expect(tableInfoFromDefinition("new_thing", { EntitySetName: null, LogicalCollectionName: "new_thingz" }).entitySetName).toBe("new_thingz");
  });

  it("caches one metadata read per table and falls back when it fails", async () => {
    const load = jest.fn((name: string) => (name === "bad" ? Promise.reject(new Error("403")) : Promise.resolve({ EntitySetName: `${name}_set` })));
    const cache = new TableInfoCache(load);
    await cache.get("thing");
    expect((await cache.get("Thing")).entitySetName).toBe("thing_set");
    expect(load).toHaveBeenCalledTimes(1);
    expect((await cache.get("bad")).entitySetName).toBe("bads");
  });
});
