import * as React from "react";
import { Badge, Button, Field, Select, Spinner, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { AggregateReport } from "../../../audit/aggregates";
import { gradeFor } from "../../../engine/score";
import type { Rule } from "../../../engine";
import type { CenterSettings, RecordLink } from "../connection";
import { csvFileName, downloadCsv, toCsv, type CsvCell } from "../csv";
import type { Directory, DrillRow, GovernanceData, PackState, RunRow } from "../data";
import { formatDateTime, strings } from "../strings";
import { DrillDown } from "./DrillDown";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { useLoad } from "./GovernanceCenter/useGovernanceCenter";
import { TrendChart } from "./TrendChart";

export interface ResultsViewProps {
  data: GovernanceData;
  runs: readonly RunRow[];
  pack: PackState | null;
  directory: Directory | null;
  settings: CenterSettings;
  linkTo: (table: string, id: string) => RecordLink;
  now: () => Date;
  onRequestWaiver: (row: DrillRow, ruleId: string) => void;
}

/** A rule of the pack in force, else of the default pack (a run may predate a pack change). */
function ruleLookup(pack: PackState | null): (id: string) => Rule | undefined {
  const map = new Map<string, Rule>();
  for (const r of pack?.defaultPack.rules ?? []) map.set(r.id, r);
  for (const r of pack?.inForce.rules ?? []) map.set(r.id, r);
  return (id) => map.get(id);
}

function nameOf(directory: Directory | null, kind: "user" | "bu", id: string): string {
  if (id === "(none)") return strings.noneName;
  const key = id.toLowerCase();
  if (kind === "bu") return directory?.businessUnits.get(key) ?? strings.unknownName(id);
  return directory?.users.get(key)?.name ?? directory?.teams.get(key) ?? strings.unknownName(id);
}

/** The results as one CSV: a row per table, dimension, rule and business unit (and owner when ranking is on). */
export function resultsCsv(report: AggregateReport, rule: (id: string) => Rule | undefined, directory: Directory | null, personRanking: boolean): string {
  const header = ["Section", "Key", "Name", "Records", "Average score", "Failed findings", "Waived findings"];
  const rows: CsvCell[][] = [["Organisation", "overall", "Organisation", report.overall.records, report.overall.average, report.overall.failed, null]];
  for (const [t, v] of Object.entries(report.byTable)) rows.push(["Table", t, t, v.records, v.average, v.failed, null]);
  for (const [d, v] of Object.entries(report.byDimension)) rows.push(["Dimension", d, strings.dimensionNames[d] ?? d, null, v ?? null, null, null]);
  for (const r of report.byRule) rows.push(["Rule", r.ruleId, rule(r.ruleId)?.title ?? r.ruleId, null, null, r.failed, r.waived]);
  for (const [id, v] of Object.entries(report.byBusinessUnit)) rows.push(["Business unit", id, nameOf(directory, "bu", id), v.records, v.average, v.failed, null]);
  if (personRanking) for (const [id, v] of Object.entries(report.byOwner)) rows.push(["Owner", id, nameOf(directory, "user", id), v.records, v.average, v.failed, null]);
  return toCsv(header, rows);
}

export function ResultsView(props: ResultsViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const completed = props.runs.filter((r) => r.status === "completed");
  const [chosen, setChosen] = React.useState<string | null>(null);
  const runId = chosen && completed.some((r) => r.id === chosen) ? chosen : (completed[0]?.id ?? null);
  const run = completed.find((r) => r.id === runId) ?? null;
  const details = useLoad(() => (runId ? props.data.runDetails(runId) : Promise.resolve(null)), runId ?? "");
  const [drill, setDrill] = React.useState<{ table: string; ruleId: string } | null>(null);
  const rule = ruleLookup(props.pack);
  const report = details.value?.report ?? null;
  const ranking = props.settings.personRanking;

  if (completed.length === 0) return <p className={classes.muted}>{strings.noResults}</p>;
  const avg = report?.overall.average ?? null;
  const grade = avg === null ? null : (run?.grade ?? gradeFor(avg, props.pack?.inForce.gradeBands));
  const owners = report ? Object.entries(report.byOwner).sort((a, b) => b[1].failed - a[1].failed || (a[1].average ?? 0) - (b[1].average ?? 0)) : [];
  return (
    <div className={classes.panel}>
      <section aria-labelledby="results-heading" className={classes.section}>
        <h2 id="results-heading" className={classes.h2}>
          {strings.resultsHeading}
        </h2>
        <div className={classes.row}>
          <Field label={strings.runPicker} className={classes.picker}>
            <Select value={runId ?? ""} onChange={(_, d) => setChosen(d.value)}>
              {completed.map((r) => (
                <option key={r.id} value={r.id}>
                  {`${formatDateTime(r.startedOn)} · ${r.name}`}
                </option>
              ))}
            </Select>
          </Field>
          <Button onClick={() => report && downloadCsv(csvFileName("results", props.now()), resultsCsv(report, rule, props.directory, ranking))} disabled={!report}>
            {strings.exportResults}
          </Button>
        </div>
        {details.loading && <Spinner size="tiny" label={strings.loading} />}
        {details.error && (
          <p role="alert" className={classes.errors}>
            {strings.loadError("the audit results", details.error)}
          </p>
        )}
        {report && (
          <div className={classes.scoreCard} data-testid="org-score">
            <div>
              <div className={classes.muted}>{strings.orgScore}</div>
              <div className={classes.bigScore}>{avg ?? "—"}</div>
            </div>
            <Badge className={classes.grade} size="extra-large" appearance="filled" color={grade === "A" || grade === "B" ? "success" : grade === "C" ? "warning" : "danger"}>
              {grade ? strings.grade(grade) : strings.noGrade}
            </Badge>
            <p className={classes.muted}>{strings.recordsScored(report.overall.records, report.overall.failed)}</p>
          </div>
        )}
      </section>

      <TrendChart runs={props.runs} />

      {report && (
        <div className={classes.grid2}>
          <ScoreTable
            id="bytable-heading"
            heading={strings.byTableHeading}
            nameHeader={strings.colTable}
            rows={Object.entries(report.byTable).map(([t, v]) => ({ key: t, name: t, ...v }))}
          />
          <section aria-labelledby="bydim-heading" className={classes.section}>
            <h3 id="bydim-heading" className={classes.h3}>
              {strings.byDimensionHeading}
            </h3>
            <HeadedTable labelledBy="bydim-heading" fitContent={false} columns={[strings.colDimension, strings.colScore]}>
              {Object.entries(report.byDimension).map(([d, v]) => (
                <TableRow key={d}>
                  <TableCell>{strings.dimensionNames[d] ?? d}</TableCell>
                  <TableCell className={classes.numberCell}>{v ?? "—"}</TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          </section>
        </div>
      )}

      {report && (
        <section aria-labelledby="byrule-heading" className={classes.section}>
          <h3 id="byrule-heading" className={classes.h3}>
            {strings.byRuleHeading}
          </h3>
          <div className={classes.tableWrap}>
            <HeadedTable labelledBy="byrule-heading" columns={[strings.colRule, strings.colTable, strings.colDimension, strings.colSeverity, strings.colFailed, strings.colWaived, strings.colMessage, strings.colActions]}>
              {report.byRule.map((r) => {
                const def = rule(r.ruleId);
                const title = def?.title ?? r.ruleId;
                const table = def?.table ?? r.ruleId.split(".")[0];
                return (
                  <TableRow key={r.ruleId}>
                    <TableCell>
                      {title}
                      <div className={classes.ruleId}>{r.ruleId}</div>
                    </TableCell>
                    <TableCell>{table}</TableCell>
                    <TableCell>{def ? (strings.dimensionNames[def.dimension] ?? def.dimension) : ""}</TableCell>
                    <TableCell>{def?.severity ?? ""}</TableCell>
                    <TableCell className={classes.numberCell}>{r.failed}</TableCell>
                    <TableCell className={classes.numberCell}>{r.waived}</TableCell>
                    <TableCell>{def?.message ?? ""}</TableCell>
                    <TableCell>
                      <Button size="small" disabled={r.failed === 0} onClick={() => setDrill({ table, ruleId: r.ruleId })} aria-label={strings.showRecordsFor(title)}>
                        {strings.showRecords}
                      </Button>
                    </TableCell>
                  </TableRow>
                );
              })}
            </HeadedTable>
          </div>
        </section>
      )}

      {drill && (
        <DrillDown
          key={`${drill.table}|${drill.ruleId}`}
          data={props.data}
          table={drill.table}
          ruleId={drill.ruleId}
          ruleTitle={rule(drill.ruleId)?.title ?? drill.ruleId}
          directory={props.directory}
          showOwners={ranking}
          linkTo={props.linkTo}
          onClose={() => setDrill(null)}
          onRequestWaiver={(row) => props.onRequestWaiver(row, drill.ruleId)}
          now={props.now}
        />
      )}

      {report && (
        <div className={classes.grid2}>
          <ScoreTable
            id="bybu-heading"
            heading={strings.byBusinessUnitHeading}
            nameHeader={strings.colBusinessUnit}
            rows={Object.entries(report.byBusinessUnit).map(([id, v]) => ({ key: id, name: nameOf(props.directory, "bu", id), ...v }))}
          />
          <section aria-labelledby="byowner-heading" className={classes.section}>
            <h3 id="byowner-heading" className={classes.h3}>
              {strings.byOwnerHeading}
            </h3>
            {!ranking ? (
              <>
                <p className={classes.muted}>{strings.ownerCount(owners.length)}</p>
                <p className={classes.muted}>{strings.rankingOff}</p>
              </>
            ) : (
              <ScoreTable
                id="byowner-heading"
                nameHeader={strings.colOwner}
                ranked
                rows={owners.map(([id, v]) => ({ key: id, name: nameOf(props.directory, "user", id), ...v }))}
              />
            )}
          </section>
        </div>
      )}
    </div>
  );
}

interface ScoreRow {
  key: string;
  name: string;
  records: number;
  average: number | null;
  failed: number;
}

/** One "score by …" table (table, business unit, owner): name, records, average, failed findings. */
function ScoreTable(props: { id: string; heading?: string; nameHeader: string; rows: ScoreRow[]; ranked?: boolean }): JSX.Element {
  const classes = useGovernanceCenterStyles();
  const table = (
    <HeadedTable labelledBy={props.id} fitContent={false} columns={[props.ranked && strings.colRank, props.nameHeader, strings.colRecords, strings.colAverage, strings.colFailed]}>
      {props.rows.map((r, i) => (
        <TableRow key={r.key}>
          {props.ranked && <TableCell className={classes.numberCell}>{i + 1}</TableCell>}
          <TableCell>{r.name}</TableCell>
          <TableCell className={classes.numberCell}>{r.records}</TableCell>
          <TableCell className={classes.numberCell}>{r.average ?? "—"}</TableCell>
          <TableCell className={classes.numberCell}>{r.failed}</TableCell>
        </TableRow>
      ))}
    </HeadedTable>
  );
  if (props.heading === undefined) return table;
  return (
    <section aria-labelledby={props.id} className={classes.section}>
      <h3 id={props.id} className={classes.h3}>
        {props.heading}
      </h3>
      {table}
    </section>
  );
}
