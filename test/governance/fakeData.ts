/**
 * An in-memory GovernanceData for component tests: runs, results, waivers, pack and cadence held
 * in plain objects; every call is recorded so tests can check what the views asked for.
 */
import type { AuditProgress, AuditResult } from "../../plugins-ts/audit/run";
import type { AggregateReport } from "../../plugins-ts/audit/aggregates";
import { defaultRulePack } from "../../plugins-ts/engine";
import { InvalidRulePackError, checkPackText, type Cadence, type Directory, type DrillRow, type GovernanceData, type PackState, type RunRow, type StartAuditOptions, type Waiver, type WaiverRequest } from "../../plugins-ts/webresources/governance/data";

export const USERS = {
  dana: "11111111-1111-1111-1111-111111111111",
  jordan: "22222222-2222-2222-2222-222222222222",
};
export const BUS = { root: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", europe: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" };

export function report(): AggregateReport {
  return {
    overall: { records: 120, scored: 120, average: 72.5, failed: 40 },
    grades: { A: 20, B: 30, C: 40, D: 20, F: 10, none: 0 },
    byTable: { account: { records: 40, average: 70, failed: 15 }, contact: { records: 80, average: 73.8, failed: 25 } },
    byDimension: { completeness: 80.5, validity: 64 },
    byRule: [
      { ruleId: "contact.email.format", failed: 12, waived: 1 },
      { ruleId: "account.website.required", failed: 0, waived: 0 },
    ],
    byOwner: { [USERS.dana]: { records: 70, average: 80, failed: 10 }, [USERS.jordan]: { records: 50, average: 61.2, failed: 30 } },
    byBusinessUnit: { [BUS.root]: { records: 70, average: 80, failed: 10 }, [BUS.europe]: { records: 50, average: 61.2, failed: 30 } },
  };
}

export function run(over: Partial<RunRow> = {}): RunRow {
  return {
    id: "r1",
    name: "Full audit 2026-11-01 10:00 (account, contact)",
    status: "completed",
    mode: "full",
    startedOn: "2026-11-01T10:00:00.000Z",
    finishedOn: "2026-11-01T10:05:00.000Z",
    recordsScanned: 120,
    overallScore: 72.5,
    grade: "C",
    scope: { tables: ["account", "contact"] },
    resumable: false,
    error: null,
    ...over,
  };
}

export interface FakeOptions {
  runs?: RunRow[];
  cadence?: Cadence;
  waivers?: Waiver[];
  drill?: DrillRow[];
  orgPackText?: string | null;
  /** What startAudit does; default: three progress events and a completed result. */
  audit?: (opts: StartAuditOptions) => Promise<AuditResult>;
}

export function progress(over: Partial<AuditProgress>): AuditProgress {
  return {
    runId: "new",
    phase: "records",
    table: "account",
    tableIndex: 0,
    tables: 2,
    pages: 1,
    recordsScanned: 40,
    recordsChanged: 40,
    estimatedTotal: 120,
    requests: 12,
    throttled: 0,
    throttleWaitMs: 0,
    elapsedMs: 1000,
    etaMs: 2000,
    ...over,
  };
}

export function result(over: Partial<AuditResult> = {}): AuditResult {
  return {
    runId: "new",
    status: "completed",
    mode: "full",
    resumed: false,
    scope: { tables: ["account", "contact"] },
    packVersion: "x",
    startedOn: "2026-11-23T10:00:00.000Z",
    finishedOn: "2026-11-23T10:01:00.000Z",
    recordsScanned: 120,
    recordsChanged: 120,
    healthRowsRetired: 0,
    requests: 30,
    throttled: 0,
    retried: 0,
    report: report(),
    coverage: [],
    ...over,
  };
}

export class FakeData implements GovernanceData {
  calls: string[] = [];
  audits: StartAuditOptions[] = [];
  saved: string[] = [];
  requests: WaiverRequest[] = [];
  decisions: { id: string; decision: string; expiresOn: string | null }[] = [];
  runList: RunRow[];
  waiverList: Waiver[];
  constructor(readonly o: FakeOptions = {}) {
    this.runList = o.runs ?? [run()];
    this.waiverList = o.waivers ?? [];
  }
  runs(): Promise<RunRow[]> {
    this.calls.push("runs");
    return Promise.resolve(this.runList);
  }
  runDetails(runId: string): Promise<{ report: AggregateReport; coverage: [] } | null> {
    this.calls.push(`runDetails ${runId}`);
    return Promise.resolve({ report: report(), coverage: [] });
  }
  directory(): Promise<Directory> {
    return Promise.resolve({
      users: new Map([
        [USERS.dana, { name: "Dana Whitfield", disabled: false }],
        [USERS.jordan, { name: "Jordan Lee", disabled: false }],
      ]),
      teams: new Map([["cccccccc-cccc-cccc-cccc-cccccccccccc", "Key Accounts NA"]]),
      businessUnits: new Map([
        [BUS.root, "Contoso"],
        [BUS.europe, "Sales Europe"],
      ]),
    });
  }
  rulePack(): Promise<PackState> {
    const d = defaultRulePack();
    return Promise.resolve({ defaultPack: d, organisationText: this.o.orgPackText ?? null, inForce: d, source: "default", valueVersion: null });
  }
  saveRulePack(text: string, _loadedVersion: string | null): Promise<void> {
    const c = checkPackText(text);
    if (!c.ok) return Promise.reject(new InvalidRulePackError(c.errors));
    this.saved.push(text);
    return Promise.resolve();
  }
  cadence(): Promise<Cadence> {
    return Promise.resolve(this.o.cadence ?? { days: 30, raw: "30" });
  }
  async startAudit(opts: StartAuditOptions): Promise<AuditResult> {
    this.audits.push(opts);
    if (this.o.audit) return this.o.audit(opts);
    const tick = (): Promise<void> => new Promise((ok) => setTimeout(ok, 5));
    opts.onProgress?.(progress({ phase: "preparing", recordsScanned: 0, pages: 0, etaMs: null }));
    await tick();
    opts.onProgress?.(progress({}));
    await tick();
    opts.onProgress?.(progress({ phase: "done", table: null, recordsScanned: 120, pages: 2, etaMs: null }));
    return result();
  }
  drillDown(table: string, ruleId: string): Promise<DrillRow[]> {
    this.calls.push(`drill ${table} ${ruleId}`);
    return Promise.resolve(this.o.drill ?? []);
  }
  waivers(): Promise<Waiver[]> {
    return Promise.resolve(this.waiverList);
  }
  requestWaiver(req: WaiverRequest): Promise<void> {
    this.requests.push(req);
    return Promise.resolve();
  }
  decideWaiver(id: string, decision: "approved" | "rejected" | "expired", expiresOn: string | null, _etag: string | null): Promise<void> {
    this.decisions.push({ id, decision, expiresOn });
    return Promise.resolve();
  }
}
