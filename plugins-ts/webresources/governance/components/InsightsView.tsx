/**
 * The Outcomes tab: stages that slid back (per owner and stage, with the day each slid), data
 * health against outcomes (win rate by grade with 95 % intervals, the dimensions that differ
 * most), and the waiver burn-down. Every chart has its table behind it; the words come from
 * insightStrings in the user's language. Reads through InsightSource (the gateway in Dynamics and
 * the sandbox; a fake in tests) and the Governance Center's own waiver list.
 */
import * as React from "react";
import { Field, MessageBar, MessageBarBody, Select, Spinner, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { DataverseGateway } from "../../../dataverse/gateway";
import { waiverBurndown } from "../../../readiness/burndown";
import { readClosedOpportunities, readRegressions } from "../../../readiness/insights";
import { outcomesBy, type ClosedOpportunity, type OutcomeGroup } from "../../../readiness/outcomes";
import { groupRegressions, type Regression } from "../../../readiness/regressions";
import type { Directory, GovernanceData } from "../data";
import { insightStrings, type InsightStrings } from "../insightStrings";
import type { RecordLink } from "../connection";
import { IntervalBars, LineChart } from "./InsightCharts";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { useLoad } from "./GovernanceCenter/useGovernanceCenter";

export interface InsightSource {
  regressions(): Promise<Regression[]>;
  closedOpportunities(): Promise<ClosedOpportunity[]>;
}

export function createInsightSource(gateway: DataverseGateway): InsightSource {
  return { regressions: () => readRegressions(gateway), closedOpportunities: () => readClosedOpportunities(gateway) };
}

export interface InsightsViewProps {
  source: InsightSource;
  data: GovernanceData;
  directory: Directory | null;
  languageId?: number;
  now: () => Date;
  linkTo: (table: string, id: string) => RecordLink;
}

const ownerName = (t: InsightStrings, directory: Directory | null, id: string | null): string => (id ? (directory?.users.get(id.toLowerCase())?.name ?? directory?.teams.get(id.toLowerCase()) ?? id) : t.noOwner);

function Regressions(props: InsightsViewProps & { t: InsightStrings }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { t } = props;
  const list = useLoad(() => props.source.regressions(), 0);
  if (list.error) return <MessageBar intent="error">
      <MessageBarBody>{t.loadError(t.regressionsHeading, list.error)}</MessageBarBody>
    </MessageBar>;
  if (!list.value) return <Spinner size="tiny" label={t.loading} />;
  if (!list.value.length) return <p>{t.regressionsNone}</p>;
  return (
    <>
      {groupRegressions(list.value).map((g) => {
        const label = t.regressionsGroup(ownerName(t, props.directory, g.ownerId), g.stage, g.regressions.length);
        return (
          <div key={`${g.ownerId ?? ""}|${g.stage}`} className={classes.tableWrap}>
            <h4 className={classes.h3}>{label}</h4>
            <HeadedTable label={label} columns={[t.colRecord, t.colCriterion, t.colSlidOn]}>
              {g.regressions.map((r) => {
                const link = props.linkTo(r.table, r.recordId);
                return (
                  <TableRow key={`${r.recordId}|${r.criterion}`}>
                    <TableCell>{link.href ? <a href={link.href} onClick={link.open ? (e) => (e.preventDefault(), link.open!()) : undefined}>{r.name}</a> : r.name}</TableCell>
                    <TableCell>{t.criterionOf(r.criterion, r.criterionOf)}</TableCell>
                    <TableCell>{r.slidOn}</TableCell>
                  </TableRow>
                );
              })}
            </HeadedTable>
          </div>
        );
      })}
    </>
  );
}

const groupParts = (g: OutcomeGroup): { n: number; rate: number | null; lo: number | null; hi: number | null } => ({ n: g.n, rate: g.winRate, lo: g.interval?.[0] ?? null, hi: g.interval?.[1] ?? null });

function Outcomes(props: InsightsViewProps & { t: InsightStrings }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { t } = props;
  const closed = useLoad(() => props.source.closedOpportunities(), 0);
  const [basis, setBasis] = React.useState("first");
  if (closed.error) return <MessageBar intent="error">
      <MessageBarBody>{t.loadError(t.outcomesHeading, closed.error)}</MessageBarBody>
    </MessageBar>;
  if (!closed.value) return <Spinner size="tiny" label={t.loading} />;
  const stages = [...new Set(closed.value.flatMap((o) => o.entries.map((e) => e.s)))];
  const report = outcomesBy(closed.value, basis);
  const basisText = basis === "first" ? t.basisFirst : t.basisStage(basis);
  const cell = (g: OutcomeGroup): string => (g.winRate === null ? `${t.tooFew} (${g.n})` : `${t.rate(g.winRate)} (${g.n})`);
  const groups = [...report.split, ...report.byGrade];
  return (
    <>
      <Field label={t.basisLabel}>
        <Select value={basis} onChange={(_, d) => setBasis(d.value)}>
          <option value="first">{t.basisFirst}</option>
          {stages.map((s) => (
            <option key={s} value={s}>
              {t.basisStage(s)}
            </option>
          ))}
        </Select>
      </Field>
      {report.withEntry === 0 ? (
        <p>{t.noClosed}</p>
      ) : (
        <>
          <p>
            <strong>{t.headline(basisText, groupParts(report.split[0]), groupParts(report.split[1]))}</strong> {t.association}
          </p>
          <IntervalBars
            id="win-by-grade"
            title={t.winChartTitle}
            desc={t.winChartDesc(report.closed, report.withEntry)}
            bars={groups.map((g) => ({ label: g.label, value: g.winRate, interval: g.interval, n: g.n }))}
            format={t.rate}
            tooFew="n < 10"
            tableLabel={t.asTable}
            table={
              <HeadedTable label={t.winChartTitle} columns={[t.colGrade, t.colClosed, t.colWon, t.colWinRate, t.colInterval, t.colDays]}>
                {groups.map((g) => (
                  <TableRow key={g.key}>
                    <TableCell>{g.label}</TableCell>
                    <TableCell className={classes.numberCell}>{g.n}</TableCell>
                    <TableCell className={classes.numberCell}>{g.won}</TableCell>
                    <TableCell className={classes.numberCell}>{g.winRate === null ? t.tooFew : t.rate(g.winRate)}</TableCell>
                    <TableCell>{g.interval ? t.interval(g.interval[0], g.interval[1]) : ""}</TableCell>
                    <TableCell className={classes.numberCell}>{g.medianDaysToClose ?? ""}</TableCell>
                  </TableRow>
                ))}
              </HeadedTable>
            }
          />
          <h4 className={classes.h3}>{t.dimensionsHeading}</h4>
          {report.dimensions.length === 0 ? (
            <p>{t.dimensionsNone}</p>
          ) : (
            <HeadedTable label={t.dimensionsHeading} columns={[t.colDimension, t.colHealthy, t.colWeak, t.colDifference]}>
              {report.dimensions.map((d) => (
                <TableRow key={d.dimension}>
                  <TableCell>{t.dimension[d.dimension] ?? d.dimension}</TableCell>
                  <TableCell>{cell(d.healthy)}</TableCell>
                  <TableCell>{cell(d.weak)}</TableCell>
                  <TableCell>{`${t.points(d.difference)}; ${d.clear ? t.clear : t.overlap}`}</TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          )}
        </>
      )}
    </>
  );
}

function Burndown(props: InsightsViewProps & { t: InsightStrings }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { t } = props;
  const waivers = useLoad(() => props.data.waivers(), 0);
  if (waivers.error) return <MessageBar intent="error">
      <MessageBarBody>{t.loadError(t.burndownHeading, waivers.error)}</MessageBarBody>
    </MessageBar>;
  if (!waivers.value) return <Spinner size="tiny" label={t.loading} />;
  const b = waiverBurndown(waivers.value, props.now());
  const last = b.points[b.points.length - 1];
  return (
    <>
      <LineChart
        id="waiver-burndown"
        title={t.burndownTitle}
        desc={t.burndownDesc(b.points.length, last?.inForce ?? 0, last?.waiting ?? 0)}
        series={[
          { label: t.seriesInForce, points: b.points.map((p) => ({ date: p.date, value: p.inForce })) },
          { label: t.seriesWaiting, points: b.points.map((p) => ({ date: p.date, value: p.waiting })), tone: 1 },
        ]}
        tableLabel={t.asTable}
        dateLabel={t.colDate}
      />
      {b.undated > 0 && <p className={classes.muted}>{t.undated(b.undated)}</p>}
      <div className={classes.grid2}>
        <section className={classes.section} aria-labelledby="expiring-heading">
          <h4 id="expiring-heading" className={classes.h3}>
            {t.expiringHeading}
          </h4>
          {b.expiring.length === 0 ? (
            <p>{t.expiringNone}</p>
          ) : (
            <HeadedTable label={t.expiringHeading} columns={[t.colWaiver, t.colRule, t.colExpires]}>
              {b.expiring.map((w) => (
                <TableRow key={w.id}>
                  <TableCell>{w.name}</TableCell>
                  <TableCell>{w.ruleId}</TableCell>
                  <TableCell>{w.expiresOn.slice(0, 10)}</TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          )}
        </section>
        <section className={classes.section} aria-labelledby="byrule-heading">
          <h4 id="byrule-heading" className={classes.h3}>
            {t.byRuleHeading}
          </h4>
          <HeadedTable label={t.byRuleHeading} columns={[t.colRule, t.colInForce, t.colExpiring, t.colWaiting]}>
            {b.byRule.map((r) => (
              <TableRow key={r.ruleId}>
                <TableCell>{r.ruleId}</TableCell>
                <TableCell className={classes.numberCell}>{r.inForce}</TableCell>
                <TableCell className={classes.numberCell}>{r.expiring}</TableCell>
                <TableCell className={classes.numberCell}>{r.waiting}</TableCell>
              </TableRow>
            ))}
          </HeadedTable>
        </section>
      </div>
    </>
  );
}

export function InsightsView(props: InsightsViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const t = insightStrings(props.languageId);
  const section = (id: string, heading: string, intro: string | null, body: React.ReactNode): React.ReactElement => (
    <section aria-labelledby={id} className={classes.section}>
      <h3 id={id} className={classes.h2}>
        {heading}
      </h3>
      {intro && <p className={classes.muted}>{intro}</p>}
      {body}
    </section>
  );
  return (
    <div className={classes.panel} lang={props.languageId === 1031 ? "de" : "en"}>
      <p className={classes.muted}>{t.intro}</p>
      {section("regressions-heading", t.regressionsHeading, t.regressionsIntro, <Regressions {...props} t={t} />)}
      {section("outcomes-heading", t.outcomesHeading, null, <Outcomes {...props} t={t} />)}
      {section("burndown-heading", t.burndownHeading, null, <Burndown {...props} t={t} />)}
    </div>
  );
}
