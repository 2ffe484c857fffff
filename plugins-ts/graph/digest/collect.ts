/**
 * Reads what the digests say from Dataverse: health rows with open findings grouped by owner
 * (streamed page by page; per owner only the worst records are kept), the owners' names and
 * addresses (by id, in chunks), the newest completed audit run with its stored aggregates, and the
 * score trend of that run's scope. Reads only; nothing is written.
 */
import { GRADE_OF_VALUE, RUN_MODE, RUN_STATUS, STATECODE_ACTIVE } from "../../audit/model";
import { parseScopeKey } from "../../audit/run";
import type { DataverseGateway, Row } from "../../dataverse/gateway";
import { chunkIdsForIn, f, guid, isGuid } from "../../dataverse/requests";
import type { Grade } from "../../engine/types";
import { createGovernanceData } from "../../webresources/governance/data";
import type { DigestData, DigestRecord, DigestRun, DigestScope, GovernanceDigest, LastRun, OwnerDigest } from "./types";

export interface CollectOptions {
  /** The caller's clock. */
  now: Date;
  /** Organisation URL for links to records (`https://contoso.crm.dynamics.com`); without it links are null. */
  orgUrl?: string;
  /** Completed runs in the trend; default 6. */
  trendRuns?: number;
  /** Records listed per owner (the worst); default 25. Counts always cover every record. */
  maxFindingsPerOwner?: number;
  /** Health rows read so far, after each page. */
  onProgress?: (rowsRead: number) => void;
}

const HEALTH_TABLE = "vit_recordhealth";
const RUN_TABLE = "vit_auditrun";

function text(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function grade(v: unknown): Grade | null {
  return typeof v === "number" ? (GRADE_OF_VALUE.get(v) ?? null) : null;
}

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`collectDigest: ${what} must be a whole number of at least 1, got ${String(value)}`);
  return value;
}

/** Validates an organisation URL and drops trailing slashes. */
export function normaliseOrgUrl(orgUrl: string): string {
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch {
    throw new Error(`orgUrl '${orgUrl}' is not a URL (expected e.g. https://contoso.crm.dynamics.com)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`orgUrl '${orgUrl}' must be an http(s) URL`);
  return orgUrl.trim().replace(/\/+$/, "");
}

/** The Dynamics deep link to a record. */
export function recordLink(orgUrl: string, table: string, id: string): string {
  return `${orgUrl}/main.aspx?pagetype=entityrecord&etn=${encodeURIComponent(table)}&id=${encodeURIComponent(id)}`;
}

/** vit_name is "table: name" (audit/run.ts). */
function stripTablePrefix(name: string, table: string): string {
  return table && name.startsWith(`${table}: `) ? name.slice(table.length + 2) : name;
}

/** Worst first: lowest score (no score first), then most findings, then name. */
function worseFirst(a: DigestRecord, b: DigestRecord): number {
  const sa = a.score ?? -1;
  const sb = b.score ?? -1;
  return sa - sb || b.findings - a.findings || a.name.localeCompare(b.name) || a.recordId.localeCompare(b.recordId);
}

/** Inserts into a list kept sorted worst first and at most `max` long. */
function keepWorst(list: DigestRecord[], rec: DigestRecord, max: number): void {
  if (list.length >= max && worseFirst(rec, list[list.length - 1]) >= 0) return;
  let i = list.length;
  while (i > 0 && worseFirst(rec, list[i - 1]) < 0) i--;
  list.splice(i, 0, rec);
  if (list.length > max) list.pop();
}

interface Group {
  recordCount: number;
  findingCount: number;
  records: DigestRecord[];
}

async function readOpenHealth(gateway: DataverseGateway, orgUrl: string | null, max: number, onProgress?: (n: number) => void): Promise<Map<string, Group>> {
  const groups = new Map<string, Group>();
  let read = 0;
  for await (const page of gateway.streamTable({
    table: HEALTH_TABLE,
    columns: ["vit_name", "vit_table", "vit_recordid", "vit_score", "vit_grade", "vit_topissue", "vit_findingcount", "_ownerid_value"],
    filter: f.and(f.eq("statecode", STATECODE_ACTIVE), f.gt("vit_findingcount", 0)),
    orderBy: ["vit_score asc"],
  })) {
    for (const r of page.rows) {
      const ownerId = (text(r._ownerid_value) ?? "").toLowerCase();
      const table = text(r.vit_table) ?? "";
      const recordId = text(r.vit_recordid) ?? "";
      const findings = num(r.vit_findingcount) ?? 0;
      const rec: DigestRecord = {
        table,
        recordId,
        name: stripTablePrefix(text(r.vit_name) ?? recordId, table),
        score: num(r.vit_score),
        grade: grade(r.vit_grade),
        topIssue: text(r.vit_topissue),
        findings,
        link: orgUrl && table && recordId ? recordLink(orgUrl, table, recordId) : null,
      };
      let g = groups.get(ownerId);
      if (!g) groups.set(ownerId, (g = { recordCount: 0, findingCount: 0, records: [] }));
      g.recordCount++;
      g.findingCount += findings;
      keepWorst(g.records, rec, max);
    }
    read += page.rows.length;
    onProgress?.(read);
  }
  return groups;
}

async function readByIds(gateway: DataverseGateway, table: string, idColumn: string, columns: string[], ids: readonly string[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  for (const chunk of chunkIdsForIn(idColumn, ids)) {
    for await (const page of gateway.streamTable({ table, columns, filter: f.in(idColumn, chunk.map((id) => guid(id))) })) {
      for (const r of page.rows) out.set(String(r[idColumn]).toLowerCase(), r);
    }
  }
  return out;
}

async function resolveOwners(gateway: DataverseGateway, groups: Map<string, Group>): Promise<OwnerDigest[]> {
  const ids = [...groups.keys()].filter(isGuid);
  const users = ids.length ? await readByIds(gateway, "systemuser", "systemuserid", ["fullname", "internalemailaddress", "isdisabled"], ids) : new Map<string, Row>();
  const rest = ids.filter((id) => !users.has(id));
  const teams = rest.length ? await readByIds(gateway, "team", "teamid", ["name"], rest) : new Map<string, Row>();
  const owners: OwnerDigest[] = [];
  for (const [ownerId, g] of groups) {
    const user = users.get(ownerId);
    const team = teams.get(ownerId);
    const base = { ownerId, recordCount: g.recordCount, findingCount: g.findingCount, records: g.records };
    if (user) {
      owners.push({ ...base, kind: "user", name: text(user.fullname) ?? ownerId, email: text(user.internalemailaddress)?.trim() ?? null, disabled: user.isdisabled === true });
    } else if (team) {
      owners.push({ ...base, kind: "team", name: text(team.name) ?? ownerId, email: null, disabled: false });
    } else {
      owners.push({ ...base, kind: "unknown", name: ownerId || "(no owner)", email: null, disabled: false });
    }
  }
  return owners.sort((a, b) => b.recordCount - a.recordCount || a.name.localeCompare(b.name) || a.ownerId.localeCompare(b.ownerId));
}

/** A stored scope key (audit/run.ts `scopeKey`) as the digest shows it; null when it is not one. */
function readScope(v: unknown): DigestScope | null {
  const s = parseScopeKey(v);
  return s ? { tables: s.tables, ownerId: s.ownerId ?? null, teamId: s.teamId ?? null, businessUnitId: s.businessUnitId ?? null } : null;
}

async function readRuns(gateway: DataverseGateway, trendRuns: number): Promise<Pick<GovernanceDigest, "lastRun" | "trend">> {
  let last: Row | null = null;
  const sameScope: Row[] = [];
  // vit_scope is multiline text, which $filter cannot compare: runs are matched here, newest first,
  // and reading stops once the trend (plus one run for its first change) is complete.
  read: for await (const page of gateway.streamTable({
    table: RUN_TABLE,
    columns: ["vit_name", "vit_mode", "vit_scope", "vit_startedon", "vit_finishedon", "vit_recordsscanned", "vit_recordschanged", "vit_overallscore", "vit_overallgrade"],
    filter: f.eq("vit_status", RUN_STATUS.completed),
    orderBy: ["vit_startedon desc"],
    pageSize: 50,
  })) {
    for (const r of page.rows) {
      last ??= r;
      if (r.vit_scope !== last.vit_scope || num(r.vit_overallscore) === null || !text(r.vit_startedon)) continue;
      sameScope.push(r);
      if (sameScope.length > trendRuns) break read;
    }
  }
  if (!last) return { lastRun: null, trend: [] };

  const mode = (r: Row): "full" | "incremental" => (r.vit_mode === RUN_MODE.incremental ? "incremental" : "full");
  const oldestFirst = sameScope.reverse();
  const trend: DigestRun[] = oldestFirst.map((r, i) => {
    const score = num(r.vit_overallscore)!;
    const before = i > 0 ? oldestFirst[i - 1] : null;
    const prev = before ? num(before.vit_overallscore) : null;
    return {
      runId: String(r.vit_auditrunid),
      name: text(r.vit_name) ?? String(r.vit_auditrunid),
      mode: mode(r),
      startedOn: String(r.vit_startedon),
      finishedOn: text(r.vit_finishedon),
      score,
      grade: grade(r.vit_overallgrade),
      change: prev === null ? null : Math.round((score - prev) * 10) / 10,
      previousStartedOn: before ? String(before.vit_startedon) : null,
    };
  });

  const runId = String(last.vit_auditrunid);
  let report: LastRun["report"] = null;
  try {
    report = (await createGovernanceData(gateway).runDetails(runId))?.report ?? null;
  } catch (err) {
    throw new Error(`${RUN_TABLE} ${runId}: its stored aggregates (vit_aggregates) could not be read: ${(err as Error).message}`);
  }
  const lastRun: LastRun = {
    runId,
    name: text(last.vit_name) ?? runId,
    mode: mode(last),
    scope: readScope(last.vit_scope),
    startedOn: String(last.vit_startedon),
    finishedOn: text(last.vit_finishedon),
    overallScore: num(last.vit_overallscore),
    grade: grade(last.vit_overallgrade),
    recordsScanned: num(last.vit_recordsscanned),
    recordsChanged: num(last.vit_recordschanged),
    report,
  };
  return { lastRun, trend: trend.slice(-trendRuns) };
}

/** Reads everything both digests need. The gateway's principal should read all health rows (a governance owner or the audit service principal). */
export async function collectDigest(gateway: DataverseGateway, opts: CollectOptions): Promise<DigestData> {
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new Error("collectDigest: now must be a valid Date");
  const trendRuns = positiveInt(opts.trendRuns, 6, "trendRuns");
  const max = positiveInt(opts.maxFindingsPerOwner, 25, "maxFindingsPerOwner");
  const orgUrl = opts.orgUrl === undefined ? null : normaliseOrgUrl(opts.orgUrl);

  const groups = await readOpenHealth(gateway, orgUrl, max, opts.onProgress);
  const owners = await resolveOwners(gateway, groups);
  const runs = await readRuns(gateway, trendRuns);
  const sum = (kind: OwnerDigest["kind"]): number => owners.filter((o) => o.kind === kind).reduce((s, o) => s + o.recordCount, 0);
  return {
    generatedOn: opts.now.toISOString(),
    orgUrl,
    owners,
    governance: {
      ...runs,
      attention: {
        records: owners.reduce((s, o) => s + o.recordCount, 0),
        findings: owners.reduce((s, o) => s + o.findingCount, 0),
        users: owners.filter((o) => o.kind === "user").length,
        teamOwnedRecords: sum("team"),
        unknownOwnerRecords: sum("unknown"),
      },
    },
  };
}
