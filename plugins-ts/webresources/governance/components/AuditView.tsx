import * as React from "react";
import { Button, Checkbox, Field, MessageBar, MessageBarBody, ProgressBar, Radio, RadioGroup, Select, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { AuditProgress, AuditScope } from "../../../audit/run";
import { gradeFor } from "../../../engine/score";
import type { Directory, GovernanceData, PackState, RunRow } from "../data";
import { duration, formatDateTime, strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { UserPicker } from "./UserPicker";

export interface AuditViewProps {
  data: GovernanceData;
  pack: PackState | null;
  directory: Directory | null;
  runs: readonly RunRow[];
  /** Called after a run ends (completed, cancelled or failed) so history and results reload. */
  onFinished: () => void;
}

type Outcome = { intent: "success" | "warning" | "error"; text: string } | null;

export function tablesOf(pack: PackState | null): string[] {
  if (!pack) return [];
  return [...new Set(pack.inForce.rules.filter((r) => r.enabled !== false).map((r) => r.table))];
}

function sortedOptions(map: ReadonlyMap<string, string> | undefined): [string, string][] {
  return [...(map ?? new Map<string, string>()).entries()].sort((a, b) => a[1].localeCompare(b[1]));
}

/** State and actions of the audit form: scope, mode, the run in progress, cancel and resume. */
export function useAuditRunner(props: AuditViewProps) {
  const allTables = tablesOf(props.pack);
  const [chosen, setChosen] = React.useState<Set<string> | null>(null);
  const tables = chosen ?? new Set(allTables);
  const [ownerId, setOwnerId] = React.useState("");
  const [teamId, setTeamId] = React.useState("");
  const [businessUnitId, setBusinessUnitId] = React.useState("");
  const [mode, setMode] = React.useState<"full" | "incremental">("full");
  const [running, setRunning] = React.useState(false);
  const [progress, setProgress] = React.useState<AuditProgress | null>(null);
  const [outcome, setOutcome] = React.useState<Outcome>(null);
  const abort = React.useRef<AbortController | null>(null);
  const mounted = React.useRef(true);
  React.useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const toggle = (t: string, on: boolean): void => {
    const next = new Set(tables);
    if (on) next.add(t);
    else next.delete(t);
    setChosen(next);
  };

  const run = async (scope: AuditScope, runMode: "full" | "incremental", resume?: string): Promise<void> => {
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setOutcome(null);
    setProgress(null);
    try {
      const result = await props.data.startAudit({ scope, mode: runMode, resume, signal: controller.signal, onProgress: (p) => mounted.current && setProgress(p) });
      if (!mounted.current) return;
      const avg = result.report.overall.average;
      const grade = avg === null ? null : gradeFor(avg, props.pack?.inForce.gradeBands);
      if (result.status === "completed") {
        const lines = [strings.auditCompleted(result.recordsScanned, result.report.overall.average, grade)];
        if (result.fullBecause) lines.push(strings.fullBecause(result.fullBecause));
        setOutcome({ intent: "success", text: lines.join(" ") });
      } else {
        setOutcome({ intent: "warning", text: strings.auditCancelled(result.recordsScanned) });
      }
    } catch (err) {
      if (mounted.current) setOutcome({ intent: "error", text: strings.auditFailed(err instanceof Error ? err.message : String(err)) });
    } finally {
      if (mounted.current) {
        setRunning(false);
        abort.current = null;
        props.onFinished();
      }
    }
  };

  const start = (): void => {
    if (tables.size === 0) return;
    const scope: AuditScope = { tables: allTables.filter((t) => tables.has(t)) };
    if (ownerId) scope.ownerId = ownerId;
    if (teamId) scope.teamId = teamId;
    if (businessUnitId) scope.businessUnitId = businessUnitId;
    void run(scope, mode);
  };
  const resume = (r: RunRow): void => {
    if (r.scope) void run(r.scope, r.mode, r.id);
  };
  const cancel = (): void => abort.current?.abort();

  return { allTables, tables, toggle, ownerId, setOwnerId, teamId, setTeamId, businessUnitId, setBusinessUnitId, mode, setMode, running, progress, outcome, start, resume, cancel };
}

export function AuditView(props: AuditViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const s = useAuditRunner(props);
  const users = props.directory ? [...props.directory.users.entries()].map(([id, u]) => [id, u.name] as [string, string]).sort((a, b) => a[1].localeCompare(b[1])) : [];
  const p = s.progress;
  const fraction = p && p.estimatedTotal ? Math.min(1, p.recordsScanned / p.estimatedTotal) : p?.phase === "done" ? 1 : undefined;
  const phase = p ? (strings.phase[p.phase] ?? p.phase) : "";
  const eta = strings.progressEta(p?.etaMs ?? null);
  const resumable = props.runs.filter((r) => r.resumable && r.scope);
  return (
    <div className={classes.panel}>
      <section aria-labelledby="audit-heading" className={classes.section}>
        <h2 id="audit-heading" className={classes.h2}>
          {strings.auditHeading}
        </h2>
        <fieldset className={classes.fieldset} disabled={s.running}>
          <legend className={classes.legend}>{strings.scopeLegend}</legend>
          {s.allTables.map((t) => (
            <Checkbox key={t} label={t} checked={s.tables.has(t)} onChange={(_, d) => s.toggle(t, d.checked === true)} disabled={s.running} />
          ))}
        </fieldset>
        {s.tables.size === 0 && (
          <p role="alert" className={classes.errors}>
            {strings.noTablesChosen}
          </p>
        )}
        <div className={classes.row}>
          <UserPicker label={strings.ownerLabel} anyLabel={strings.anyOption} value={s.ownerId} users={users} disabled={s.running} onChange={s.setOwnerId} className={classes.picker} />
          <Field label={strings.teamLabel} className={classes.picker}>
            <Select value={s.teamId} onChange={(_, d) => s.setTeamId(d.value)} disabled={s.running}>
              <option value="">{strings.anyOption}</option>
              {sortedOptions(props.directory?.teams).map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={strings.businessUnitLabel} className={classes.picker}>
            <Select value={s.businessUnitId} onChange={(_, d) => s.setBusinessUnitId(d.value)} disabled={s.running}>
              <option value="">{strings.anyOption}</option>
              {sortedOptions(props.directory?.businessUnits).map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Field label={strings.modeLabel}>
          <RadioGroup value={s.mode} onChange={(_, d) => s.setMode(d.value === "incremental" ? "incremental" : "full")} disabled={s.running}>
            <Radio value="full" label={strings.modeFull} />
            <Radio value="incremental" label={strings.modeIncremental} />
          </RadioGroup>
        </Field>
        <div className={classes.actions}>
          <Button appearance="primary" onClick={s.start} disabled={s.running || s.tables.size === 0 || !props.pack}>
            {strings.startAudit}
          </Button>
          <Button onClick={s.cancel} disabled={!s.running}>
            {strings.cancelAudit}
          </Button>
        </div>
      </section>

      {(s.running || p) && (
        <section aria-labelledby="progress-heading" className={classes.section}>
          <h2 id="progress-heading" className={classes.h2}>
            {strings.progressHeading}
          </h2>
          <Field label={strings.progressLabel} hint={phase + (p?.table ? ` · ${strings.progressTable(p.table, p.tableIndex + 1, p.tables)}` : "")}>
            <ProgressBar value={fraction} max={1} thickness="large" />
          </Field>
          {p && (
            <ul className={classes.stats} data-testid="progress-stats">
              <li>{strings.progressRecords(p.recordsScanned, p.estimatedTotal)}</li>
              <li>{strings.progressPages(p.pages)}</li>
              {p.phase !== "done" && <li>{eta}</li>}
              <li>{strings.progressRequests(p.requests)}</li>
              <li>{strings.progressThrottle(p.throttled, p.throttleWaitMs)}</li>
              <li>{duration(p.elapsedMs)}</li>
            </ul>
          )}
        </section>
      )}
      <div role="status" aria-live="polite" className={classes.visuallyHidden}>
        {p && s.running ? strings.progressLive(phase, p.recordsScanned, eta) : ""}
      </div>
      {s.outcome && (
        <MessageBar intent={s.outcome.intent} role={s.outcome.intent === "error" ? "alert" : "status"}>
          <MessageBarBody>{s.outcome.text}</MessageBarBody>
        </MessageBar>
      )}

      <section aria-labelledby="resume-heading" className={classes.section}>
        <h2 id="resume-heading" className={classes.h2}>
          {strings.resumeHeading}
        </h2>
        {resumable.length === 0 ? (
          <p className={classes.muted}>{strings.resumeNone}</p>
        ) : (
          <HeadedTable labelledBy="resume-heading" fitContent={false} columns={[strings.colRun, strings.colStatus, strings.colStarted, strings.colScanned, strings.colError, strings.colActions]}>
            {resumable.map((r) => (
              <TableRow key={r.id}>
                <TableCell>{r.name}</TableCell>
                <TableCell>{strings.runStatus[r.status] ?? r.status}</TableCell>
                <TableCell>{formatDateTime(r.startedOn)}</TableCell>
                <TableCell className={classes.numberCell}>{r.recordsScanned ?? ""}</TableCell>
                <TableCell>{r.error ?? ""}</TableCell>
                <TableCell>
                  <Button size="small" onClick={() => s.resume(r)} disabled={s.running} aria-label={strings.resumeRowLabel(r.name)}>
                    {strings.resumeRun}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </HeadedTable>
        )}
      </section>
    </div>
  );
}
