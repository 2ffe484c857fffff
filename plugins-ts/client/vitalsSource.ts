/**
 * Loads what a rule pack needs to score one record, through any `WebApiPort` (PCF
 * `context.webAPI`, `Xrm.WebApi`, a test fake), in at most five requests:
 *
 *  1. the record: `$select` of the pack's columns (plus the stage's exit-criteria columns and the
 *     matcher's columns when duplicates are scored) and `$expand` of the owner
 *     (`owninguser`: isdisabled, fullname; `owningteam`: name) and of the parent lookups the pack
 *     reads (statecode, primary name, the columns its rules compare with);
 *  2. its activities: one FetchXML aggregate grouped by state — max(actualend) of completed,
 *     min(scheduledend) of open activities;
 *  3. its business-process-flow instance with the active stage's name (leads and opportunities);
 *  4. likely duplicates: the engine's targeted candidate query on the same table (same e-mail,
 *     same phone, same surname + given name …), scored and explained by the engine's matcher.
 *
 *  5. contacts: the last activity-capture comparison with Outlook (`vit_activitygap`, keyed by the
 *     contact's id), when the pack has an engagement-captured rule.
 *
 * 1–3 and 5 start together (over ./batchPort, as one `$batch`; on a form open with the rule pack's
 * lookup, ./openRecord); 4 needs the record's own values, so it starts as soon as 1 arrives.
 * Only what the pack asks for is fetched: a fact the pack does not use stays `undefined`.
 */
import type { CompiledPack, EngineRecord, ColumnValue, RelatedFacts, RelatedRecord, StageFact, DuplicateCandidate } from "../engine";
import type { MatchRecord } from "../engine/duplicates/fields";
// The duplicate matcher through the engine's library seam: the panel's bundle reads it from the
// vitals.libs.js web resource, loaded before anything is planned or scored (./rulePackSource).
import { engineLibs } from "../engine/engineLibs";
import { sessionRulePack, type PackChoice } from "./rulePackSource";
import { openRecord, type Opened } from "./openRecord";
import { classifyError } from "./errors";
import { pruneFilter } from "./odataPrune";
import { normaliseId, xmlEscape, type WebApiPort, type WebApiRow } from "./webApiPort";
import { GAP_COLUMNS, GAP_SELECT, GAP_TABLE, gapFactFromRow } from "../graph/model";
import { ACTIVITY_COMPLETED, BPF_TABLES, isoOf, LOOKUP_TARGETS, OPEN_ACTIVITY_STATES, PRIMARY_NAME } from "./facts";

export interface VitalsSnapshot {
  /** What the engine scores: the saved record with the related facts the pack needs. */
  record: EngineRecord;
  /** The record's primary name, when the table has one. */
  name: string | null;
  /** Row version (`versionnumber`, else `modifiedon`): tells a save from an unrelated refresh. */
  version: string | null;
  /** Whether likely duplicates were looked for (the pack asks and the table is supported). */
  duplicatesChecked: boolean;
  /** Web API calls this load made (over ./batchPort several of them travel in one `$batch`). */
  requests: number;
  /** Related data that could not be read (no privilege, unknown column): its rules are not evaluated. */
  partial: { fact: string; reason: string }[];
}

export interface VitalsDataSource {
  /** The rule pack in force (read once per session). */
  rulePack(): Promise<PackChoice>;
  /** Everything the pack needs to score the record. */
  load(table: string, id: string, compiled: CompiledPack): Promise<VitalsSnapshot>;
  /**
   * A form open: the pack in force and, when it has rules for the table, the record's snapshot —
   * the pack's lookup travelling with the facts (./openRecord). The panel's way in.
   */
  open(table: string, id: string): Promise<Opened<VitalsSnapshot>>;
  /** The saved row version only (one small request), to see whether a reload is worth it. */
  version(table: string, id: string): Promise<string | null>;
}

function primaryKey(table: string): string {
  return `${table}id`;
}

function versionOf(row: WebApiRow): string | null {
  const v = row.versionnumber ?? row.modifiedon;
  return typeof v === "string" || typeof v === "number" ? String(v) : null;
}

function toColumnValue(v: unknown): ColumnValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

/** The navigation properties to expand for a lookup, with the table each one reaches. */
function navigationsOf(lookup: string): { nav: string; table: string | null }[] {
  const targets = LOOKUP_TARGETS[lookup];
  if (!targets) return [{ nav: lookup, table: null }];
  if (targets.length === 1) return [{ nav: lookup, table: targets[0] }];
  return targets.map((t) => ({ nav: `${lookup}_${t}`, table: t }));
}

export interface ExpandSpec {
  nav: string;
  /** Table the navigation property reaches (null when unknown). */
  target: string | null;
  select: string[];
}

export interface RecordQuery {
  select: string[];
  /** The columns the pack's rules and the process's exit criteria read (select also has the matcher's). */
  packColumns: string[];
  expand: ExpandSpec[];
  /** Lookup name → the navigation properties to read its parent from. */
  parents: Record<string, { nav: string; table: string | null; columns: string[] }[]>;
  owner: boolean;
  activities: boolean;
  stage: boolean;
  duplicates: boolean;
  /** The activity-capture comparison is asked for (contacts only; other tables get null). */
  engagementGap: boolean;
}

/** What to ask for, from the pack's requirements for the table. Pure. */
export function planRecordQuery(table: string, compiled: CompiledPack): RecordQuery {
  const { columnsOf, isDuplicateTable } = engineLibs().duplicates;
  const req = compiled.requirements(table);
  const facts = new Set(req.facts);
  const select = new Set<string>(req.columns);
  const process = compiled.process(table);
  for (const s of process?.stages ?? []) for (const e of s.exitCriteria) select.add(e.column);
  const packColumns = [...select].sort();
  const duplicates = facts.has("duplicates") && isDuplicateTable(table);
  if (duplicates && isDuplicateTable(table)) columnsOf(table).forEach((c) => select.add(c));
  const name = PRIMARY_NAME[table];
  if (name) select.add(name);
  select.add("modifiedon");
  select.add("versionnumber");
  const expand: ExpandSpec[] = [];
  const owner = facts.has("ownerEnabled") || facts.has("ownerName");
  if (owner) {
    select.add("_ownerid_value");
    expand.push({ nav: "owninguser", target: "systemuser", select: ["isdisabled", "fullname"] }, { nav: "owningteam", target: "team", select: ["name"] });
  }
  const parents: RecordQuery["parents"] = {};
  if (facts.has("parents")) {
    for (const [lookup, cols] of Object.entries(req.parentColumns)) {
      select.add(`_${lookup}_value`);
      parents[lookup] = navigationsOf(lookup).map(({ nav, table: target }) => {
        const columns = [...new Set(["statecode", ...(target ? [primaryKey(target)] : []), ...(target && PRIMARY_NAME[target] ? [PRIMARY_NAME[target]] : []), ...cols])];
        expand.push({ nav, target, select: columns });
        return { nav, table: target, columns: cols };
      });
    }
  }
  return {
    select: [...select].sort(),
    packColumns,
    expand,
    parents,
    owner,
    activities: facts.has("lastActivityOn") || facts.has("nextActivityDueOn"),
    stage: facts.has("stage") && BPF_TABLES[table] !== undefined,
    duplicates,
    engagementGap: facts.has("engagementGap"),
  };
}

/** Columns and navigation properties the service said do not exist, by table (learned per data source). */
export type UnknownProperties = Map<string, Set<string>>;

/** `$select`/`$expand` of request 1 without what the service does not know. */
export function recordQueryOptions(table: string, plan: RecordQuery, unknown: UnknownProperties = new Map()): { options: string; select: string[] } {
  const gone = (t: string | null, c: string): boolean => t !== null && (unknown.get(t)?.has(c) ?? false);
  const select = plan.select.filter((c) => !gone(table, c));
  const expand = plan.expand
    .filter((e) => !gone(table, e.nav))
    .map((e) => `${e.nav}($select=${e.select.filter((c) => !gone(e.target, c)).join(",")})`);
  return { options: `?$select=${select.join(",")}${expand.length ? `&$expand=${expand.join(",")}` : ""}`, select };
}

/** "Could not find a property named 'x' on type 'Microsoft.Dynamics.CRM.account'" (0x80060888) → { table, property }. */
export function unknownPropertyOf(err: unknown): { table: string; property: string } | null {
  const message = err instanceof Error ? err.message : typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string" ? (err as { message: string }).message : "";
  const m = /Could not find a property named '([^']+)' on type 'Microsoft\.Dynamics\.CRM\.([^']+)'/.exec(message);
  return m ? { property: m[1], table: m[2] } : null;
}

/** The FetchXML aggregate behind request 2. */
export function activityFetchXml(id: string): string {
  return (
    `<fetch aggregate="true"><entity name="activitypointer">` +
    `<attribute name="statecode" alias="state" groupby="true"/>` +
    `<attribute name="actualend" alias="lastdone" aggregate="max"/>` +
    `<attribute name="scheduledend" alias="nextdue" aggregate="min"/>` +
    `<filter type="and"><condition attribute="regardingobjectid" operator="eq" value="${xmlEscape(id)}"/></filter>` +
    `</entity></fetch>`
  );
}

/** last completed / next open activity dates out of the aggregate's rows (one per state). */
export function readActivityRows(rows: readonly WebApiRow[]): { lastActivityOn: string | null; nextActivityDueOn: string | null } {
  let last: string | null = null;
  let next: string | null = null;
  for (const r of rows) {
    const state = typeof r.state === "number" ? r.state : Number(r.state);
    if (state === ACTIVITY_COMPLETED) {
      const v = isoOf(r.lastdone);
      if (v && (last === null || Date.parse(v) > Date.parse(last))) last = v;
    } else if (OPEN_ACTIVITY_STATES.includes(state)) {
      const v = isoOf(r.nextdue);
      if (v && (next === null || Date.parse(v) < Date.parse(next))) next = v;
    }
  }
  return { lastActivityOn: last, nextActivityDueOn: next };
}

function readParent(row: WebApiRow, lookup: string, navs: RecordQuery["parents"][string]): RelatedRecord | null {
  for (const { nav, table, columns } of navs) {
    const p = row[nav];
    if (p === null || p === undefined || typeof p !== "object") continue;
    const parent = p as WebApiRow;
    const target = table ?? (typeof row[`_${lookup}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] === "string" ? (row[`_${lookup}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] as string) : lookup);
    const id = parent[primaryKey(target)] ?? row[`_${lookup}_value`];
    const nameCol = PRIMARY_NAME[target];
    const values: Record<string, ColumnValue> = {};
    for (const c of columns) values[c] = toColumnValue(parent[c]);
    return {
      table: target,
      id: typeof id === "string" ? id.toLowerCase() : "",
      active: parent.statecode === 0,
      ...(nameCol && typeof parent[nameCol] === "string" ? { name: parent[nameCol] } : {}),
      values,
    };
  }
  return null;
}

/** Engine record and facts out of the record row (request 1). Pure. */
export function readRecordRow(
  table: string,
  id: string,
  row: WebApiRow,
  plan: RecordQuery,
  select: readonly string[] = plan.select,
): { values: EngineRecord["values"]; related: RelatedFacts; name: string | null; version: string | null } {
  const values: EngineRecord["values"] = {};
  // Only what was selected: a column the service does not have stays absent ("not fetched").
  for (const c of select) values[c] = toColumnValue(row[c]);
  const related: RelatedFacts = {};
  if (plan.owner && ("owninguser" in row || "owningteam" in row)) {
    const user = row.owninguser as WebApiRow | null | undefined;
    const team = row.owningteam as WebApiRow | null | undefined;
    if (user && typeof user === "object") {
      related.ownerEnabled = user.isdisabled !== true;
      related.ownerName = typeof user.fullname === "string" ? user.fullname : null;
    } else if (team && typeof team === "object") {
      related.ownerEnabled = true; // teams count as enabled owners
      related.ownerName = typeof team.name === "string" ? team.name : null;
    } else {
      related.ownerEnabled = null;
      related.ownerName = null;
    }
  }
  if (Object.keys(plan.parents).length) {
    related.parents = {};
    for (const [lookup, navs] of Object.entries(plan.parents)) {
      // A lookup whose navigation properties were all dropped stays "not fetched".
      if (navs.some((n) => n.nav in row)) related.parents[lookup] = readParent(row, lookup, navs);
    }
  }
  const nameCol = PRIMARY_NAME[table];
  const rawName = nameCol ? row[nameCol] : undefined;
  const name = typeof rawName === "string" ? rawName : null;
  return { values, related, name, version: versionOf(row) };
}

/** Request 5's query options: the contact's row of `vit_activitygap`. */
export function engagementGapQuery(id: string): string {
  return `?$select=${GAP_SELECT.join(",")}&$filter=${GAP_COLUMNS.recordId} eq '${normaliseId(id)}'&$top=1`;
}

/** The stage out of the BPF instance rows (request 3). */
export function readStageRows(rows: readonly WebApiRow[]): StageFact | null {
  const inst = rows[0];
  if (!inst) return null;
  const stage = inst.activestageid as WebApiRow | null | undefined;
  const name = stage && typeof stage.stagename === "string" ? stage.stagename : null;
  return name ? { name, enteredOn: isoOf(inst.activestagestartedon) } : null;
}

export interface WebApiSourceOptions {
  /** Rows per duplicate query (default 50). */
  duplicateTop?: number;
}

/** How many unknown columns one record request may learn before it gives up. */
const MAX_UNKNOWN_RETRIES = 12;

/** The data source over a Web API port. */
export function createWebApiVitalsSource(api: WebApiPort, options: WebApiSourceOptions = {}): VitalsDataSource {
  const unknown: UnknownProperties = new Map();
  const learn = (err: unknown): boolean => {
    const u = unknownPropertyOf(err);
    if (!u) return false;
    const set = unknown.get(u.table) ?? new Set<string>();
    if (set.has(u.property)) return false;
    set.add(u.property);
    unknown.set(u.table, set);
    return true;
  };
  /** A secondary fact that cannot be read for want of privilege or a column is left unfetched, not fatal. */
  const soft = (err: unknown): string | null => {
    if (unknownPropertyOf(err)) return classifyError(err).message;
    const c = classifyError(err);
    return c.kind === "noAccess" ? c.message : null;
  };

  const source: VitalsDataSource = {
    rulePack: () => sessionRulePack(api),
    open: (table, id) => openRecord(api, table, id, (t, i, c) => source.load(t, i, c), planRecordQuery),

    async version(table, id) {
      const row = await api.retrieveRecord(table, normaliseId(id), "?$select=versionnumber,modifiedon");
      return versionOf(row);
    },

    async load(table, rawId, compiled) {
      const id = normaliseId(rawId);
      const plan = planRecordQuery(table, compiled);
      let requests = 0;
      const partial: VitalsSnapshot["partial"] = [];

      // 1. The record. A column or navigation property the organisation does not have (a custom
      //    pack, a trimmed schema) is learned from the 400 and left out: its rules are not evaluated.
      const recordP = (async () => {
        for (let attempt = 0; ; attempt++) {
          const q = recordQueryOptions(table, plan, unknown);
          requests++;
          try {
            return { row: await api.retrieveRecord(table, id, q.options), select: q.select };
          } catch (err) {
            if (attempt >= MAX_UNKNOWN_RETRIES || !learn(err)) throw err;
          }
        }
      })();
      // 2. Activities: one aggregate, grouped by state.
      const activityP = plan.activities
        ? (requests++, Promise.resolve(api.retrieveMultipleRecords("activitypointer", `?fetchXml=${encodeURIComponent(activityFetchXml(id))}`)))
        : undefined;
      // 3. The business process stage.
      const bpf = BPF_TABLES[table];
      const stageP =
        plan.stage && bpf
          ? (requests++,
            Promise.resolve(
              api.retrieveMultipleRecords(
                bpf.table,
                `?$select=activestagestartedon,statecode,modifiedon&$filter=_${bpf.lookup}_value eq ${id}&$expand=activestageid($select=stagename)&$orderby=statecode asc,modifiedon desc&$top=1`,
              ),
            ))
          : undefined;
      // 5. The last comparison with Outlook (contacts only).
      const gapP =
        plan.engagementGap && table === "contact" ? (requests++, Promise.resolve(api.retrieveMultipleRecords(GAP_TABLE, engagementGapQuery(id)))) : undefined;
      // 4. Likely duplicates, as soon as the record's own values are known.
      const duplicatesP = plan.duplicates
        ? recordP.then(async ({ row }) => {
            const { buildCandidateQueries, columnsOf, isDuplicateTable, scoreCandidates } = engineLibs().duplicates;
            if (!isDuplicateTable(table)) return null;
            const self: MatchRecord = { id, values: Object.fromEntries(columnsOf(table).filter((c) => c in row).map((c) => [c, toColumnValue(row[c])])) };
            const region = compiled.pack.defaultRegion ?? "US";
            const [query] = buildCandidateQueries(table, self, { targets: [table], region, top: options.duplicateTop ?? 50 });
            if (!query) return [] as DuplicateCandidate[];
            const missing = unknown.get(query.table) ?? new Set<string>();
            const known = query.select.filter((c) => !missing.has(c));
            const filter = pruneFilter(query.filter, missing);
            if (filter === null) return undefined;
            requests++;
            const found = await api.retrieveMultipleRecords(query.table, `?$select=${known.join(",")}&$filter=${filter}&$top=${query.top}`);
            const records: MatchRecord[] = found.entities
              .map((e) => {
                const key = e[primaryKey(query.table)];
                const values = Object.fromEntries(Object.entries(e).filter(([k]) => !k.includes("@")).map(([k, v]) => [k, toColumnValue(v)]));
                return { id: typeof key === "string" ? key.toLowerCase() : "", values };
              })
              .filter((r) => r.id !== "" && r.id !== id);
            return scoreCandidates(table, self, [{ table: query.table, records }], { region }).candidates;
          })
        : undefined;

      // Settle everything before reporting, so a failure does not leave requests running unseen.
      const [rowR, actR, stageR, dupR, gapR] = await Promise.allSettled([recordP, activityP, stageP, duplicatesP, gapP]);
      if (rowR.status === "rejected") throw rowR.reason;
      const read = readRecordRow(table, id, rowR.value.row, plan, rowR.value.select);
      const related = read.related;
      const settle = <T>(r: PromiseSettledResult<T>, fact: string, apply: (v: T) => void): void => {
        if (r.status === "fulfilled") return apply(r.value);
        const reason = soft(r.reason);
        if (reason === null) throw r.reason;
        partial.push({ fact, reason });
      };
      settle(actR, "activities", (v) => {
        if (v) Object.assign(related, readActivityRows(v.entities));
      });
      settle(stageR, "stage", (v) => {
        if (v) related.stage = readStageRows(v.entities);
      });
      settle(dupR, "duplicates", (v) => {
        if (v) related.duplicates = v;
      });
      if (plan.engagementGap) {
        if (table !== "contact") related.engagementGap = null;
        else
          settle(gapR, "engagementGap", (v) => {
            const row = v?.entities[0];
            related.engagementGap = row ? gapFactFromRow(row) : null;
          });
      }
      if (plan.duplicates && dupR.status === "fulfilled" && dupR.value === undefined) partial.push({ fact: "duplicates", reason: "the duplicate query needs columns this organisation lacks" });
      // Tell the user about the columns the rules wanted (not the matcher's optional extras).
      const unknownHere = [...(unknown.get(table) ?? [])].filter((c) => plan.packColumns.includes(c) || plan.expand.some((e) => e.nav === c));
      if (unknownHere.length) partial.push({ fact: "columns", reason: `not in this organisation: ${unknownHere.sort().join(", ")}` });
      return {
        record: { table, id, values: read.values, related },
        name: read.name,
        version: read.version,
        duplicatesChecked: plan.duplicates && related.duplicates !== undefined,
        requests,
        partial,
      };
    },
  };
  return source;
}
