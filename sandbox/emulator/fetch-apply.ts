/**
 * FetchXML (`GET /<set>?fetchXml=…`) and `$apply` aggregates, answered with the documented
 * response shape: formatted-value and lookup annotations, paging cookie and morerecords for
 * FetchXML, and 0x8004E023 (AggregateQueryRecordLimit) for an aggregate over more than 50,000 rows.
 * The queries themselves run in fetchxml.ts and odata.ts.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { executeFetch, type AggregateColumn } from "./fetchxml";
import { FORMATTED, formatValue, lookupName, type AnnotationPrefs, type Preferences } from "./format";
import { aggregateRows, parseApply } from "./odata";
import { isLookupType, type ResolvedTable } from "./schema";
import type { EmulatorStore, Row } from "./store";
import { comparableOf, compare, str } from "./values";
import { COUNT_CAP, json, type Emulator, type Req, type Res, type UserEntry } from "./context";

/**
 * Formatted values of an aggregate row, as Dataverse adds them with Prefer: odata.include-annotations:
 * a grouped column as the column shows it (choice label, lookup name), a count as a whole number, a
 * sum/avg/min/max in its column's format (currency for money).
 */
function annotateAggregate(store: EmulatorStore, row: Row, cols: AggregateColumn[], ann: AnnotationPrefs | null): Row {
  if (!ann?.formatted) return { ...row };
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v;
    const c = cols.find((x) => x.alias === k);
    if (!c || v === null || v === undefined) continue;
    let f: string | undefined;
    if (c.fn === "count" || c.fn === "countcolumn" || c.fn === "countdistinct") f = formatValue({ ...c.col, type: "integer" }, v);
    else if (c.fn === null && isLookupType(c.col.type)) f = lookupName(store, c.col.targets?.length === 1 ? c.col.targets[0] : null, str(v));
    else f = formatValue(c.fn === "avg" && c.col.type === "integer" ? { ...c.col, type: "decimal" } : c.col, v);
    if (f !== undefined) out[`${k}@${FORMATTED}`] = f;
  }
  return out;
}

/**
 * The paging cookie as Dataverse writes it ("Page large result sets with FetchXml"): the inner
 * `<cookie page="N"><id last="{…}" first="{…}" /></cookie>` of the page just read, URL-encoded twice.
 */
function pagingCookie(t: ResolvedTable, page: Row[], pageNumber: number): string {
  let inner = "";
  if (page.length) {
    const id = (row: Row): string => `{${str(row[t.primaryId]).toUpperCase()}}`;
    const xml = `<cookie page="${pageNumber}"><${t.primaryId} last="${id(page[page.length - 1])}" first="${id(page[0])}" /></cookie>`;
    inner = encodeURIComponent(encodeURIComponent(xml));
  }
  return `<cookie pagenumber="${pageNumber + 1}" pagingcookie="${inner}" istracking="False" />`;
}

export function readApply(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, prefs: Preferences): Res {
  em.count("aggregate");
  const spec = parseApply(r.query.get("$apply")!, t, em.ctx(p));
  const sec = em.sec(p, t);
  const rows: Row[] = [];
  for (const row of em.store.scan(t.logicalName)) if ((!sec || sec(row)) && spec.filters.every((f) => f(row))) rows.push(row);
  if (spec.aggregates.length === 0 && spec.groupBy.length === 0) throw badQuery("$apply needs groupby(...) or aggregate(...).");
  if (spec.aggregates.length > 0 && rows.length > 50_000) {
    throw new ODataError(400, CODES.aggregateLimit, "AggregateQueryRecordLimit exceeded. Cannot perform this operation.");
  }
  const out = aggregateRows(
    rows,
    spec.groupBy.map((g) => ({ key: g.prop, read: (row: Row) => row[g.prop] })),
    spec.aggregates.map((a) => ({ alias: a.alias, fn: a.fn, read: a.prop ? (row: Row) => row[a.prop!] : null })),
  );
  if (spec.groupBy.length) {
    out.sort((a, b) => {
      for (const g of spec.groupBy) {
        const c = compare(comparableOf(g.col, a[g.prop]), comparableOf(g.col, b[g.prop]));
        if (c) return c;
      }
      return 0;
    });
  }
  const cols: AggregateColumn[] = [
    ...spec.groupBy.map((g) => ({ alias: g.prop, col: g.col, fn: null })),
    ...spec.aggregates.map((a) => ({ alias: a.alias, col: a.col ?? { name: a.alias, type: "integer" as const, label: a.alias }, fn: a.fn })),
  ];
  // Dataverse answers aggregate rows without "@odata.id" (they are not entities).
  const value = out.map((row) => annotateAggregate(em.store, row, cols, prefs.annotations));
  return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}`, value }, prefs.annotations ? { "Preference-Applied": prefs.annotations.applied } : {});
}

export function readFetchXml(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, xml: string, prefs: Preferences): Res {
  em.count("fetchxml");
  const result = executeFetch(xml, t, { store: em.store, ctx: em.ctx(p), readFilter: (tt) => em.sec(p, tt) });
  const ann = prefs.annotations;
  const value = result.rows.map((row, i) => {
    if (result.aggregate) return annotateAggregate(em.store, row, result.aggregateColumns ?? [], ann);
    const main = result.mainRows[i];
    const out: Row = { "@odata.etag": `W/"${str(main.versionnumber)}"` };
    for (const [k, v] of Object.entries(row)) {
      const dot = k.indexOf(".");
      if (ann && v !== null && dot < 0) {
        const c = t.byProperty.get(k);
        if (c && isLookupType(c.type)) {
          const target = em.store.lookupTarget(t, main, c.name);
          if (ann.formatted) {
            const name = lookupName(em.store, target, v as string);
            if (name !== undefined) out[`${k}@${FORMATTED}`] = name;
          }
          if (ann.lookupName && target) out[`${k}@Microsoft.Dynamics.CRM.lookuplogicalname`] = target;
        } else if (c && ann.formatted) {
          const f = formatValue(c, v);
          if (f !== undefined) out[`${k}@${FORMATTED}`] = f;
        }
      }
      out[k] = v;
    }
    return out;
  });
  em.stats.rowsRead += value.length;
  const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}`, value };
  if (result.totalRecordCount !== null) {
    body["@Microsoft.Dynamics.CRM.totalrecordcount"] = Math.min(result.totalRecordCount, COUNT_CAP);
    body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = result.totalRecordCount > COUNT_CAP;
  }
  if (!result.aggregate) {
    body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = pagingCookie(t, result.mainRows, result.page);
    body["@Microsoft.Dynamics.CRM.morerecords"] = result.moreRecords;
  }
  return json(200, body, ann ? { "Preference-Applied": ann.applied } : {});
}
