/**
 * FetchXML (`GET /<set>?fetchXml=…`) and `$apply` aggregates, answered with the documented
 * response shape: formatted-value and lookup annotations, paging cookie and morerecords for
 * FetchXML, and 0x8004E023 (AggregateQueryRecordLimit) for an aggregate over more than 50,000 rows.
 * The queries themselves run in fetchxml.ts and odata.ts.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { executeFetch } from "./fetchxml";
import { FORMATTED, formatValue, lookupName, type Preferences } from "./format";
import { aggregateRows, parseApply } from "./odata";
import { isLookupType, type ResolvedTable } from "./schema";
import type { Row } from "./store";
import { comparableOf, compare, str } from "./values";
import { COUNT_CAP, json, type Emulator, type Req, type Res, type UserEntry } from "./context";

export function readApply(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry): Res {
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
  return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}`, value: out.map((row) => ({ "@odata.id": null, ...row })) });
}

export function readFetchXml(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, xml: string, prefs: Preferences): Res {
  em.count("fetchxml");
  const result = executeFetch(xml, t, { store: em.store, ctx: em.ctx(p), readFilter: (tt) => em.sec(p, tt) });
  const ann = prefs.annotations;
  const value = result.rows.map((row, i) => {
    if (result.aggregate) return { ...row };
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
    body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = `<cookie pagenumber="${result.page + 1}" pagingcookie="" istracking="False" />`;
    body["@Microsoft.Dynamics.CRM.morerecords"] = result.moreRecords;
  }
  return json(200, body, ann ? { "Preference-Applied": ann.applied } : {});
}
