/** How the panel orders and groups findings: failures by severity first, waived marked, passed and not evaluated apart. Pure. */
import { SEVERITIES, type Finding, type Severity } from "../../plugins-ts/engine";

export interface FindingGroups {
  /** Failed findings (waived ones included, marked), grouped by severity, most severe first; empty groups omitted. */
  failed: { severity: Severity; findings: Finding[] }[];
  notEvaluated: Finding[];
  passed: Finding[];
  /** Failed and not waived. */
  failedCount: number;
}

export function groupFindings(findings: readonly Finding[]): FindingGroups {
  const failed = SEVERITIES.map((severity) => ({
    severity,
    // Waived failures after the open ones of the same severity.
    findings: findings.filter((f) => f.outcome === "failed" && f.severity === severity).sort((a, b) => Number(!!a.waived) - Number(!!b.waived)),
  })).filter((g) => g.findings.length > 0);
  return {
    failed,
    notEvaluated: findings.filter((f) => f.outcome === "notEvaluated"),
    passed: findings.filter((f) => f.outcome === "passed"),
    failedCount: findings.filter((f) => f.outcome === "failed" && !f.waived).length,
  };
}
