/**
 * The Governance Center's data layer: everything the views read and write, behind one small
 * interface (`GovernanceData`) so the views can be tested with a fake. The real implementation
 * (`createGovernanceData`) is a thin layer over the Dataverse gateway and `runAudit`: it never
 * builds requests of its own.
 */
import type { AuditOptions, AuditProgress, AuditResult, AuditScope } from "../../audit/run";
import { parseScopeKey } from "../../audit/scope";
import { loadEngineLibs } from "../../engine/engineLibs";
import type { AggregateReport } from "../../audit/aggregates";
import { packColumnErrors } from "../../audit/packcolumns";
import type { CompactFinding } from "../../audit/health";
import { GRADE_OF_VALUE, RUN_MODE, RUN_STATUS, STATECODE_ACTIVE, WAIVER_STATUS } from "../../audit/model";
import waiverJson from "../../../solution/src/tables/vit_waiver.json";
import { etagOf, type CoverageReport, type DataverseGateway, type Row } from "../../dataverse/gateway";
import { f, guid } from "../../dataverse/requests";
import { updateIfUnchanged } from "../../dataverse/ownwrite";
import { defaultRulePack } from "../../engine/packs";
import { parseRulePack, validateRulePack, type PackError } from "../../engine/pack/validate";
import type { RulePack } from "../../engine/pack/types";

export const RULE_PACK_VARIABLE = "vit_RulePack";
export const CADENCE_VARIABLE = "vit_AuditCadenceDays";

export type RunStatus = "running" | "completed" | "failed" | "cancelled" | "unknown";

export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  mode: "full" | "incremental";
  startedOn: string | null;
  finishedOn: string | null;
  recordsScanned: number | null;
  overallScore: number | null;
  grade: string | null;
  /** The scope the run audited (null when its stored scope is unreadable). */
  scope: AuditScope | null;
  /** Running or failed with a checkpoint: can be resumed. */
  resumable: boolean;
  error: string | null;
}

export interface RunDetails {
  report: AggregateReport;
  coverage: CoverageReport[];
}

export interface Directory {
  users: ReadonlyMap<string, { name: string; disabled: boolean }>;
  teams: ReadonlyMap<string, string>;
  businessUnits: ReadonlyMap<string, string>;
}

export interface PackState {
  defaultPack: RulePack;
  /** The variable's text (its value, else its definition's default); null when unset. */
  organisationText: string | null;
  /** The pack audits use now: the organisation's when it validates, else the default. */
  inForce: RulePack;
  source: "organisation" | "default";
  /** Why the organisation's pack is not in force although it is set. */
  fallbackReason?: string;
  /** Version (ETag) of the organisation's value row as read; null when it has none. Saving sends it back. */
  valueVersion: string | null;
}

export interface Cadence {
  /** Whole days between audits; null when unset or not a number. */
  days: number | null;
  /** The text of the variable (value, else default), for messages. */
  raw: string | null;
}

export interface DrillRow {
  table: string;
  recordId: string;
  name: string;
  score: number | null;
  grade: string | null;
  observed: string;
  expected: string;
  ownerId: string | null;
}

export type WaiverStatus = "requested" | "approved" | "rejected" | "expired";

export interface Waiver {
  id: string;
  name: string;
  table: string;
  recordId: string;
  ruleId: string;
  reason: string;
  /** As stored. */
  storedStatus: WaiverStatus;
  /** What applies now: an approved waiver past its expiry shows as expired. */
  status: WaiverStatus;
  expiresOn: string | null;
  approvedOn: string | null;
  approvedById: string | null;
  ownerId: string | null;
  createdOn: string | null;
  /** The version read (`W/"<versionnumber>"`): a decision is saved only if nobody changed the waiver since. */
  etag: string | null;
}

export interface WaiverRequest {
  table: string;
  recordId: string;
  ruleId: string;
  reason: string;
}

export interface StartAuditOptions {
  scope: AuditScope;
  mode: "full" | "incremental";
  resume?: string;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
}

/** Thrown by saveRulePack for a pack that does not validate; nothing was written. */
export class InvalidRulePackError extends Error {
  constructor(readonly errors: PackError[]) {
    super(`the rule pack is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}) and was not saved`);
    this.name = "InvalidRulePackError";
  }
}

export interface GovernanceData {
  runs(): Promise<RunRow[]>;
  runDetails(runId: string): Promise<RunDetails | null>;
  directory(): Promise<Directory>;
  rulePack(): Promise<PackState>;
  /**
   * Validates and saves the organisation's pack (empty text clears it) over the version the page
   * loaded (`PackState.valueVersion`): someone else's save since is refused with "reload", never
   * overwritten. Throws InvalidRulePackError without writing.
   */
  saveRulePack(text: string, loadedVersion: string | null): Promise<void>;
  cadence(): Promise<Cadence>;
  startAudit(opts: StartAuditOptions): Promise<AuditResult>;
  drillDown(table: string, ruleId: string): Promise<DrillRow[]>;
  waivers(): Promise<Waiver[]>;
  requestWaiver(req: WaiverRequest): Promise<void>;
  /** Saves a decision with If-Match on the version read; 412 → "changed by someone else — reload". */
  decideWaiver(id: string, decision: "approved" | "rejected" | "expired", expiresOn: string | null, etag: string | null): Promise<void>;
}

/** What the validation of editor text says: parsed and valid, or every error. Empty text is valid (clears the pack). */
export type PackCheck = { ok: true; pack: RulePack | null } | { ok: false; errors: PackError[] };

export function checkPackText(text: string): PackCheck {
  if (text.trim() === "") return { ok: true, pack: null };
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    return { ok: false, errors: [{ path: "$", message: `not valid JSON: ${(err as Error).message}` }] };
  }
  const v = validateRulePack(data);
  return v.ok ? { ok: true, pack: v.pack } : { ok: false, errors: v.errors };
}

const STATUS_OF_VALUE = new Map<number, RunStatus>(Object.entries(RUN_STATUS).map(([k, v]) => [v, k as RunStatus]));
const WAIVER_OF_VALUE = new Map<number, WaiverStatus>(Object.entries(WAIVER_STATUS).map(([k, v]) => [v, k as WaiverStatus]));

/** `vit_ApprovedBy@odata.bind`: navigation properties are the lookups' schema names (solution source). */
const APPROVED_BY_BIND = `${(waiverJson as { columns: { schemaName: string; type: string }[] }).columns.find((c) => c.type === "lookup" && c.schemaName.toLowerCase() === "vit_approvedby")?.schemaName ?? "vit_ApprovedBy"}@odata.bind`;

/** Navigation property of environmentvariablevalue → its definition, as Dataverse names it. */
const DEFINITION_BIND = "EnvironmentVariableDefinitionId@odata.bind";

function text(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

async function readAll(gateway: DataverseGateway, opts: Parameters<DataverseGateway["streamTable"]>[0]): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of gateway.streamTable(opts)) rows.push(...page.rows);
  return rows;
}

function firstFailure(outcomes: { ok: boolean; error?: Error }[], what: string): void {
  const bad = outcomes.find((o) => !o.ok);
  if (bad) throw new Error(`${what}: ${bad.error?.message ?? "failed"}`);
}

export interface GovernanceDataOptions {
  /** The clock; default `() => new Date()`. */
  now?: () => Date;
  /** Records per page the audit reads; default the audit's (5,000). */
  pageSize?: number;
}

export function createGovernanceData(gateway: DataverseGateway, options: GovernanceDataOptions = {}): GovernanceData {
  const now = options.now ?? (() => new Date());
  let directoryCache: Promise<Directory> | undefined;

  async function variable(schemaName: string): Promise<{ definitionId: string; defaultValue: string | null; valueId: string | null; value: string | null; valueVersion: string | null } | null> {
    const defs = await readAll(gateway, { table: "environmentvariabledefinition", columns: ["schemaname", "defaultvalue"], filter: f.eq("schemaname", schemaName) });
    const def = defs[0];
    if (!def) return null;
    const definitionId = String(def.environmentvariabledefinitionid);
    const values = await readAll(gateway, { table: "environmentvariablevalue", columns: ["value", "versionnumber"], filter: f.eq("_environmentvariabledefinitionid_value", guid(definitionId)) });
    const v = values[0];
    return { definitionId, defaultValue: text(def.defaultvalue), valueId: v ? String(v.environmentvariablevalueid) : null, value: v ? text(v.value) : null, valueVersion: v ? etagOf(v) : null };
  }

  const api: GovernanceData = {
    async runs() {
      const rows = await readAll(gateway, {
        table: "vit_auditrun",
        columns: ["vit_name", "vit_status", "vit_mode", "vit_startedon", "vit_finishedon", "vit_recordsscanned", "vit_overallscore", "vit_overallgrade", "vit_scope", "vit_error"],
        // Partitions of a run split over workers belong to their run, not to the history.
        filter: f.isNull("_vit_parentrun_value"),
        orderBy: ["vit_startedon desc"],
      });
      // Only interrupted runs carry a checkpoint worth reading (it is large).
      const open = await readAll(gateway, {
        table: "vit_auditrun",
        columns: ["vit_checkpoint"],
        filter: f.in("vit_status", [RUN_STATUS.running, RUN_STATUS.failed]),
      });
      const withCheckpoint = new Set(open.filter((r) => text(r.vit_checkpoint) !== null).map((r) => String(r.vit_auditrunid)));
      return rows.map((r) => {
        const id = String(r.vit_auditrunid);
        const status = typeof r.vit_status === "number" ? (STATUS_OF_VALUE.get(r.vit_status) ?? "unknown") : "unknown";
        return {
          id,
          name: text(r.vit_name) ?? id,
          status,
          mode: r.vit_mode === RUN_MODE.incremental ? "incremental" : "full",
          startedOn: text(r.vit_startedon),
          finishedOn: text(r.vit_finishedon),
          recordsScanned: num(r.vit_recordsscanned),
          overallScore: num(r.vit_overallscore),
          grade: typeof r.vit_overallgrade === "number" ? (GRADE_OF_VALUE.get(r.vit_overallgrade) ?? null) : null,
          scope: parseScopeKey(r.vit_scope),
          resumable: (status === "running" || status === "failed") && withCheckpoint.has(id),
          error: text(r.vit_error),
        } satisfies RunRow;
      });
    },

    async runDetails(runId) {
      const row = await gateway.retrieveRecord("vit_auditrun", runId, ["vit_aggregates"]);
      const agg = row ? text(row.vit_aggregates) : null;
      if (!agg) return null;
      const parsed = JSON.parse(agg) as { report?: AggregateReport; coverage?: CoverageReport[] };
      if (!parsed.report) throw new Error(`audit run ${runId}: its aggregates have no report`);
      return { report: parsed.report, coverage: parsed.coverage ?? [] };
    },

    directory() {
      directoryCache ??= (async () => {
        const [users, teams, bus] = await Promise.all([
          readAll(gateway, { table: "systemuser", columns: ["fullname", "isdisabled"] }),
          readAll(gateway, { table: "team", columns: ["name"] }),
          readAll(gateway, { table: "businessunit", columns: ["name"] }),
        ]);
        return {
          users: new Map(users.map((u) => [String(u.systemuserid).toLowerCase(), { name: text(u.fullname) ?? String(u.systemuserid), disabled: u.isdisabled === true }])),
          teams: new Map(teams.map((t) => [String(t.teamid).toLowerCase(), text(t.name) ?? String(t.teamid)])),
          businessUnits: new Map(bus.map((b) => [String(b.businessunitid).toLowerCase(), text(b.name) ?? String(b.businessunitid)])),
        };
      })();
      directoryCache.catch(() => (directoryCache = undefined));
      return directoryCache;
    },

    async rulePack() {
      const defaultPack = defaultRulePack();
      const v = await variable(RULE_PACK_VARIABLE);
      const organisationText = v ? (v.value ?? v.defaultValue) : null;
      const valueVersion = v?.valueVersion ?? null;
      if (!organisationText || organisationText.trim() === "") return { defaultPack, organisationText: null, inForce: defaultPack, source: "default", valueVersion };
      try {
        const pack = parseRulePack(organisationText, `environment variable ${RULE_PACK_VARIABLE}`);
        return { defaultPack, organisationText, inForce: pack, source: "organisation", valueVersion };
      } catch (err) {
        return { defaultPack, organisationText, inForce: defaultPack, source: "default", fallbackReason: (err as Error).message, valueVersion };
      }
    },

    async saveRulePack(packText, loadedVersion) {
      await loadEngineLibs();
      const check = checkPackText(packText);
      if (!check.ok) throw new InvalidRulePackError(check.errors);
      // A rule on a column the organisation does not have would never fire: refuse it here.
      const unknown = check.pack ? await packColumnErrors(gateway, check.pack) : [];
      if (unknown.length) throw new InvalidRulePackError(unknown);
      const v = await variable(RULE_PACK_VARIABLE);
      if (!v) throw new Error(`the environment variable ${RULE_PACK_VARIABLE} is not defined in this organisation: import the CRM Vitals solution`);
      const value = check.pack === null ? null : packText;
      const changedMeanwhile = new Error("The rule pack was not saved: someone else saved it since you loaded it — reload to see their version, then make your change again.");
      // Saved over the version this page loaded: a concurrent save is refused, never overwritten.
      if (v.valueId) {
        if (loadedVersion === null) throw changedMeanwhile;
        const out = await updateIfUnchanged(gateway, "environmentvariablevalue", "environmentvariablevalueid", v.valueId, { value }, loadedVersion).catch((e: unknown) => {
          throw new Error(`${RULE_PACK_VARIABLE}: ${e instanceof Error ? e.message : String(e)}`);
        });
        if (!out.written) throw changedMeanwhile;
        return;
      }
      if (loadedVersion !== null) throw changedMeanwhile;
      if (value === null) return;
      const out = await gateway.createMany("environmentvariablevalue", [
        { schemaname: RULE_PACK_VARIABLE, value, [DEFINITION_BIND]: `/environmentvariabledefinitions(${v.definitionId})` },
      ]);
      firstFailure(out, RULE_PACK_VARIABLE);
    },

    async cadence() {
      const v = await variable(CADENCE_VARIABLE);
      const raw = v ? (v.value ?? v.defaultValue) : null;
      if (raw === null || raw.trim() === "") return { days: null, raw: null };
      const days = Number(raw.trim());
      return { days: Number.isInteger(days) && days > 0 ? days : null, raw };
    },

    async startAudit(opts) {
      const { inForce } = await api.rulePack();
      const audit: AuditOptions = {
        gateway,
        pack: inForce,
        scope: opts.scope,
        mode: opts.mode,
        now: now(),
        resume: opts.resume,
        signal: opts.signal,
        onProgress: opts.onProgress,
        pageSize: options.pageSize,
      };
      // The audit runner and the engine's libraries load with the first audit, not with the page.
      const [{ runAudit }] = await Promise.all([import("../../audit/run"), loadEngineLibs()]);
      return runAudit(audit);
    },

    async drillDown(table, ruleId) {
      const out: DrillRow[] = [];
      const filter = f.and(f.eq("vit_table", table), f.eq("statecode", STATECODE_ACTIVE), f.gt("vit_findingcount", 0));
      for await (const page of gateway.streamTable({
        table: "vit_recordhealth",
        columns: ["vit_recordid", "vit_name", "vit_score", "vit_grade", "vit_findings", "_ownerid_value"],
        filter,
        orderBy: ["vit_score asc"],
      })) {
        for (const r of page.rows) {
          const findingsText = text(r.vit_findings);
          if (!findingsText || !findingsText.includes(ruleId)) continue;
          let findings: CompactFinding[];
          try {
            findings = JSON.parse(findingsText) as CompactFinding[];
          } catch {
            continue;
          }
          const hit = findings.find((x) => x.r === ruleId && x.o === "f");
          if (!hit) continue;
          const recordId = text(r.vit_recordid) ?? "";
          out.push({
            table,
            recordId,
            name: (text(r.vit_name) ?? recordId).replace(new RegExp(`^${table}: `), ""),
            score: num(r.vit_score),
            grade: typeof r.vit_grade === "number" ? (GRADE_OF_VALUE.get(r.vit_grade) ?? null) : null,
            observed: hit.v,
            expected: hit.e,
            ownerId: text(r._ownerid_value),
          });
        }
      }
      return out;
    },

    async waivers() {
      const rows = await readAll(gateway, {
        table: "vit_waiver",
        columns: ["vit_name", "vit_table", "vit_recordid", "vit_ruleid", "vit_reason", "vit_waiverstatus", "vit_expireson", "vit_approvedon", "_vit_approvedby_value", "_ownerid_value", "createdon", "versionnumber"],
        filter: f.eq("statecode", STATECODE_ACTIVE),
        orderBy: ["createdon desc"],
      });
      const t = now().getTime();
      return rows.map((r) => {
        const storedStatus = typeof r.vit_waiverstatus === "number" ? (WAIVER_OF_VALUE.get(r.vit_waiverstatus) ?? "requested") : "requested";
        const expiresOn = text(r.vit_expireson);
        const lapsed = storedStatus === "approved" && expiresOn !== null && new Date(expiresOn).getTime() <= t;
        return {
          id: String(r.vit_waiverid),
          name: text(r.vit_name) ?? `${String(r.vit_ruleid)} ${String(r.vit_recordid)}`,
          table: text(r.vit_table) ?? "",
          recordId: text(r.vit_recordid) ?? "",
          ruleId: text(r.vit_ruleid) ?? "",
          reason: text(r.vit_reason) ?? "",
          storedStatus,
          status: lapsed ? "expired" : storedStatus,
          expiresOn,
          approvedOn: text(r.vit_approvedon),
          approvedById: text(r._vit_approvedby_value),
          ownerId: text(r._ownerid_value),
          createdOn: text(r.createdon),
          etag: r.versionnumber == null ? null : `W/"${String(r.versionnumber)}"`,
        } satisfies Waiver;
      });
    },

    async requestWaiver(req) {
      const recordId = guid(req.recordId).value;
      // One waiver per record and rule (alternate key): a new request re-opens a decided one.
      const out = await gateway.upsertMany(
        "vit_waiver",
        [
          {
            vit_table: req.table,
            vit_recordid: recordId,
            vit_ruleid: req.ruleId,
            vit_name: `${req.ruleId} on ${req.table} ${recordId}`.slice(0, 200),
            vit_reason: req.reason,
            vit_waiverstatus: WAIVER_STATUS.requested,
            vit_approvedon: null,
            vit_expireson: null,
            [APPROVED_BY_BIND]: null,
          },
        ],
        { alternateKey: ["vit_table", "vit_recordid", "vit_ruleid"] },
      );
      firstFailure(out, "the waiver request could not be saved");
    },

    async decideWaiver(id, decision, expiresOn, etag) {
      const me = await gateway.whoAmI();
      const at = now().toISOString();
      const row: Row = { vit_waiverstatus: WAIVER_STATUS[decision] };
      if (decision === "approved") {
        row.vit_approvedon = at;
        row.vit_expireson = expiresOn;
        row[APPROVED_BY_BIND] = `/systemusers(${me.userId})`;
      } else if (decision === "expired") {
        row.vit_expireson = at;
      }
      const what = `the waiver could not be ${decision}`;
      if (!etag) {
        const [out] = await gateway.updateMany("vit_waiver", [{ ...row, vit_waiverid: id }]);
        firstFailure([out], what);
        return;
      }
      const out = await updateIfUnchanged(gateway, "vit_waiver", "vit_waiverid", id, row, etag).catch((e: unknown) => {
        throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      });
      if (!out.written) throw new Error(`The waiver could not be ${decision}: it was changed by someone else since you loaded it — reload to see the current decision.`);
    },
  };
  return api;
}
