/**
 * Related facts for a page of records, in bulk: a few queries per page and fact kind (ids chunked so
 * URLs stay well under the service's limit), never a query per record. Adapter-neutral: it needs
 * only "run this OData query to the end" and "run this FetchXML", which both adapters provide.
 */
import type { EngagementGapFact, RelatedFacts, RelatedRecord, StageFact } from "../engine/types";
import { GAP_COLUMNS, GAP_SELECT, GAP_TABLE, gapFactFromRow } from "../graph/model";
import { ACTIVITY_COMPLETED as COMPLETED, BPF_TABLES, laterStageInstance, OPEN_ACTIVITY_STATES, PRIMARY_NAME } from "../client/facts";
import { AGGREGATE_LIMIT_CODE, DataverseError } from "./errors";
import type { TableInfo } from "./entitysets";
import type { FactsRequest, FetchRelatedFactsOptions, ParentSpec, Row } from "./gateway";
import {
  aggregateByLookupFetchXml,
  chunkIdsForIn,
  DEFAULT_MAX_FILTER_CHARS,
  f,
  type Filter,
  guid,
  lookupValueColumn,
  normaliseGuid,
} from "./requests";

export interface QueryPort {
  tableInfo(table: string): Promise<TableInfo>;
  /** Every row of an OData query (following nextLink), raw (annotations kept). */
  queryAll(table: string, columns: readonly string[], filter: Filter, describe: string, annotations?: string): Promise<Array<Record<string, unknown>>>;
  /** Rows of a FetchXML query (one page is enough for the aggregates built here). */
  fetchXml(table: string, fetchXml: string, describe: string): Promise<Array<Record<string, unknown>>>;
  /**
   * Several queries of one table at once (e.g. the id chunks of one fact kind in one `$batch`),
   * each followed to its last page. Optional: without it the queries run one by one.
   */
  queryAllMany?(table: string, columns: readonly string[], filters: readonly Filter[], describe: string): Promise<Array<Array<Record<string, unknown>>>>;
  /** Several FetchXML queries at once; a query that failed yields its DataverseError. */
  fetchXmlMany?(table: string, fetchXmls: readonly string[], describe: string): Promise<Array<Array<Record<string, unknown>> | DataverseError>>;
  maxFilterChars?: number;
}

/** FetchXML `in` values cost ~63 URL characters per GUID; leave room for the rest of the query. */
function chunkForFetchIn(ids: readonly string[], maxChars: number): string[][] {
  const perId = encodeURIComponent("<value>00000000-0000-0000-0000-000000000000</value>").length;
  const per = Math.max(1, Math.floor((maxChars - 1500) / perId));
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += per) out.push(ids.slice(i, i + per));
  return out;
}

function isoValue(v: unknown): string | null {
  if (v == null) return null;
  if (v instanceof Date) return v.toISOString().replace(/\.000Z$/, "Z");
  return typeof v === "string" ? v : JSON.stringify(v);
}

function idOf(v: unknown): string | null {
  if (typeof v !== "string" || v === "") return null;
  try {
    return normaliseGuid(v);
  } catch {
    return null;
  }
}

/** Rows of `table` whose `column` is one of `ids`, ids chunked to keep each filter short enough. */
async function queryIn(
  port: QueryPort,
  table: string,
  columns: readonly string[],
  column: string,
  ids: readonly string[],
  describe: string,
  extra?: Filter,
): Promise<Array<Record<string, unknown>>> {
  if (!ids.length) return [];
  const budget = (port.maxFilterChars ?? DEFAULT_MAX_FILTER_CHARS) - (extra ? encodeURIComponent(extra.odata).length + 10 : 0);
  const chunks = chunkIdsForIn(column, ids, budget);
  const filters = chunks.map((chunk) => f.and(extra, f.in(column, chunk.map((id) => guid(id)))));
  const what = `${describe} (${ids.length} ids${chunks.length > 1 ? ` in ${chunks.length} chunks` : ""})`;
  if (port.queryAllMany && filters.length > 1) return (await port.queryAllMany(table, columns, filters, what)).flat();
  const parts = await Promise.all(filters.map((filter, i) => port.queryAll(table, columns, filter, chunks.length > 1 ? `${what}, chunk ${i + 1}` : what)));
  return parts.flat();
}

/** max(actualend) of completed / min(scheduledend) of open activities per regarding record. */
async function activityDates(port: QueryPort, ids: readonly string[], kind: "last" | "next"): Promise<Map<string, string | null>> {
  const attribute = kind === "last" ? "actualend" : "scheduledend";
  const stateCondition =
    kind === "last"
      ? { attribute: "statecode", operator: "eq" as const, value: COMPLETED }
      : { attribute: "statecode", operator: "in" as const, values: OPEN_ACTIVITY_STATES };
  const result = new Map<string, string | null>();
  const better = (a: string | null | undefined, b: string): boolean => a == null || (kind === "last" ? b > a : b < a);
  const chunks = chunkForFetchIn(ids, port.maxFilterChars ?? DEFAULT_MAX_FILTER_CHARS);
  const describe = `activity ${kind === "last" ? "max(actualend)" : "min(scheduledend)"} for ${ids.length} records${chunks.length > 1 ? ` in ${chunks.length} chunks` : ""}`;
  const xmls = chunks.map((chunk) =>
    aggregateByLookupFetchXml({
      table: "activitypointer",
      aggregate: kind === "last" ? "max" : "min",
      attribute,
      groupBy: "regardingobjectid",
      conditions: [stateCondition, { attribute: "regardingobjectid", operator: "in", values: chunk }],
    }),
  );
  const settle = async (p: Promise<Array<Record<string, unknown>>>): Promise<Array<Record<string, unknown>> | DataverseError> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof DataverseError) return err;
      throw err;
    }
  };
  const results: Array<Array<Record<string, unknown>> | DataverseError> =
    port.fetchXmlMany && xmls.length > 1
      ? await port.fetchXmlMany("activitypointer", xmls, describe)
      : await Promise.all(xmls.map((xml, i) => settle(port.fetchXml("activitypointer", xml, xmls.length > 1 ? `${describe}, chunk ${i + 1}` : describe))));
  const take = (id: string | null, value: string | null) => {
    if (id && value && better(result.get(id), value)) result.set(id, value);
  };
  await Promise.all(
    results.map(async (rows, i) => {
      if (!(rows instanceof DataverseError)) {
        for (const r of rows) take(idOf(r.group), isoValue(r.value));
        return;
      }
      if (rows.code !== AGGREGATE_LIMIT_CODE) throw rows;
      // More than 50,000 activities for this chunk: page through them and aggregate here.
      const stateFilter = kind === "last" ? f.eq("statecode", COMPLETED) : f.in("statecode", OPEN_ACTIVITY_STATES);
      const paged = await queryIn(port, "activitypointer", ["_regardingobjectid_value", attribute], "_regardingobjectid_value", chunks[i], `${describe}, chunk ${i + 1} paged after the aggregate limit`, f.and(stateFilter, f.notNull(attribute)));
      for (const r of paged) take(idOf(r._regardingobjectid_value), isoValue(r[attribute]));
    }),
  );
  return result;
}

/** Current BPF stage per record: the active instance's stage name and activestagestartedon. */
async function stages(port: QueryPort, table: string, ids: readonly string[], stageNames: Map<string, string>): Promise<Map<string, StageFact | null>> {
  const bpf = BPF_TABLES[table];
  const result = new Map<string, StageFact | null>();
  if (!bpf) return result;
  const lookupCol = lookupValueColumn(bpf.lookup);
  const instances = await queryIn(port, bpf.table, [lookupCol, "_activestageid_value", "activestagestartedon", "statecode", "modifiedon"], lookupCol, ids, `${bpf.table} stages of ${table} records`);
  const chosen = new Map<string, Record<string, unknown>>();
  for (const inst of instances) {
    const id = idOf(inst[lookupCol]);
    if (!id) continue;
    const prev = chosen.get(id);
    chosen.set(id, prev ? laterStageInstance(prev, inst) : inst);
  }
  const missing = [...new Set([...chosen.values()].map((r) => idOf(r._activestageid_value)).filter((s): s is string => !!s && !stageNames.has(s)))];
  if (missing.length) {
    const rows = await queryIn(port, "processstage", ["processstageid", "stagename"], "processstageid", missing, "processstage names");
    for (const r of rows) {
      const id = idOf(r.processstageid);
      if (id && typeof r.stagename === "string") stageNames.set(id, r.stagename);
    }
  }
  for (const [id, inst] of chosen) {
    const stageId = idOf(inst._activestageid_value);
    const name = stageId ? stageNames.get(stageId) : undefined;
    result.set(id, name ? { name, enteredOn: isoValue(inst.activestagestartedon) } : null);
  }
  return result;
}

/** The stored activity-capture comparison per contact (one `vit_activitygap` row each, keyed by contact id). */
async function engagementGaps(port: QueryPort, ids: readonly string[]): Promise<Map<string, EngagementGapFact>> {
  const rows = await queryIn(port, GAP_TABLE, GAP_SELECT, GAP_COLUMNS.recordId, ids, "activity-capture gaps");
  const result = new Map<string, EngagementGapFact>();
  for (const r of rows) {
    const id = idOf(r[GAP_COLUMNS.recordId]);
    const fact = gapFactFromRow(r);
    if (id && fact) result.set(id, fact);
  }
  return result;
}

interface OwnerFact {
  enabled: boolean;
  name: string | null;
}

async function owners(port: QueryPort, ownerIds: readonly string[]): Promise<Map<string, OwnerFact>> {
  const result = new Map<string, OwnerFact>();
  if (!ownerIds.length) return result;
  const users = await queryIn(port, "systemuser", ["systemuserid", "isdisabled", "fullname"], "systemuserid", ownerIds, "systemusers owning records");
  for (const u of users) {
    const id = idOf(u.systemuserid);
    if (id) result.set(id, { enabled: u.isdisabled !== true, name: typeof u.fullname === "string" ? u.fullname : null });
  }
  const rest = ownerIds.filter((id) => !result.has(id));
  if (rest.length) {
    // Not a user: a team owns the record (teams count as enabled owners).
    const teams = await queryIn(port, "team", ["teamid", "name"], "teamid", rest, "teams owning records");
    for (const t of teams) {
      const id = idOf(t.teamid);
      if (id) result.set(id, { enabled: true, name: typeof t.name === "string" ? t.name : null });
    }
  }
  return result;
}

async function parentsOf(port: QueryPort, spec: ParentSpec, parentIds: readonly string[]): Promise<Map<string, RelatedRecord>> {
  const info = await port.tableInfo(spec.table);
  const nameColumn = spec.nameColumn ?? PRIMARY_NAME[info.logicalName] ?? "name";
  const columns = [...new Set([info.primaryIdAttribute, "statecode", nameColumn, ...(spec.columns ?? [])])];
  const rows = await queryIn(port, spec.table, columns, info.primaryIdAttribute, parentIds, `${spec.table} parents via ${spec.lookup}`);
  const result = new Map<string, RelatedRecord>();
  for (const r of rows) {
    const id = idOf(r[info.primaryIdAttribute]);
    if (!id) continue;
    const values: RelatedRecord["values"] = {};
    for (const c of spec.columns ?? []) {
      const v = r[c];
      values[c] = v instanceof Date ? isoValue(v) : v === undefined ? null : (v as string | number | boolean | null);
    }
    result.set(id, {
      table: info.logicalName,
      id,
      active: r.statecode === 0,
      ...(typeof r[nameColumn] === "string" ? { name: r[nameColumn] } : {}),
      values,
    });
  }
  return result;
}

function validateFacts(facts: FactsRequest): void {
  for (const p of facts.parents ?? []) {
    if (!p || typeof p.lookup !== "string" || typeof p.table !== "string") throw new Error("each parents entry needs { lookup, table }");
  }
}

/** The implementation shared by both adapters. */
export async function fetchRelatedFactsWith(port: QueryPort, opts: FetchRelatedFactsOptions, stageNames: Map<string, string>): Promise<Map<string, RelatedFacts>> {
  const { facts } = opts;
  validateFacts(facts);
  const table = opts.table.toLowerCase();
  const ids = [...new Set(opts.ids.map((id) => normaliseGuid(id, `${table} id`)))];
  const out = new Map<string, RelatedFacts>();
  for (const id of ids) out.set(id, {});
  if (!ids.length) return out;

  const info = await port.tableInfo(table);
  const lookupCols = [...(facts.owner ? ["_ownerid_value"] : []), ...(facts.parents ?? []).map((p) => lookupValueColumn(p.lookup))];
  let rowsById = new Map<string, Row>();
  if (lookupCols.length) {
    const given = opts.rows ?? [];
    const usable = given.length > 0 && given.every((r) => lookupCols.every((c) => c in r));
    const rows: Array<Record<string, unknown>> = usable
      ? [...given]
      : await queryIn(port, table, [info.primaryIdAttribute, ...lookupCols], info.primaryIdAttribute, ids, `${table} owner/parent lookups`);
    rowsById = new Map(rows.map((r) => [idOf(r[info.primaryIdAttribute]) ?? "", r as Row]));
  }

  const tasks: Array<Promise<void>> = [];
  if (facts.lastActivityOn) {
    tasks.push(activityDates(port, ids, "last").then((m) => ids.forEach((id) => (out.get(id)!.lastActivityOn = m.get(id) ?? null))));
  }
  if (facts.nextActivityDueOn) {
    tasks.push(activityDates(port, ids, "next").then((m) => ids.forEach((id) => (out.get(id)!.nextActivityDueOn = m.get(id) ?? null))));
  }
  if (facts.engagementGap) {
    if (table !== "contact") ids.forEach((id) => (out.get(id)!.engagementGap = null));
    else tasks.push(engagementGaps(port, ids).then((m) => ids.forEach((id) => (out.get(id)!.engagementGap = m.get(id) ?? null))));
  }
  if (facts.stage) {
    tasks.push(stages(port, table, ids, stageNames).then((m) => ids.forEach((id) => (out.get(id)!.stage = m.get(id) ?? null))));
  }
  if (facts.owner) {
    const ownerOf = new Map(ids.map((id) => [id, idOf(rowsById.get(id)?._ownerid_value)]));
    const ownerIds = [...new Set([...ownerOf.values()].filter((o): o is string => !!o))];
    tasks.push(
      owners(port, ownerIds).then((m) =>
        ids.forEach((id) => {
          const o = ownerOf.get(id);
          const fact = o ? m.get(o) : undefined;
          out.get(id)!.ownerEnabled = fact ? fact.enabled : null;
          out.get(id)!.ownerName = fact ? fact.name : null;
        }),
      ),
    );
  }
  for (const spec of facts.parents ?? []) {
    const col = lookupValueColumn(spec.lookup);
    const parentOf = new Map(ids.map((id) => [id, idOf(rowsById.get(id)?.[col])]));
    const parentIds = [...new Set([...parentOf.values()].filter((p): p is string => !!p))];
    const key = spec.lookup.replace(/^_(.+)_value$/, "$1");
    tasks.push(
      (parentIds.length ? parentsOf(port, spec, parentIds) : Promise.resolve(new Map<string, RelatedRecord>())).then((m) =>
        ids.forEach((id) => {
          const facts = out.get(id)!;
          const p = parentOf.get(id);
          facts.parents = { ...(facts.parents ?? {}), [key]: p ? (m.get(p) ?? null) : null };
        }),
      ),
    );
  }
  await Promise.all(tasks);
  return out;
}
