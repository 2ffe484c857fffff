/**
 * The scorecard's projections (AI readiness tab): for each AI feature's prerequisite, a line chart
 * of the count at every audit date with the projection at the last 90 days' rate dashed and the
 * documented minimum as a threshold, the status in words and the inputs it rests on; then the
 * data-quality floors over the audits. A table behind every chart; words from insightStrings.
 */
import * as React from "react";
import { TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import { moreNeeded, type FeatureProjection, type FloorProjection, type ReadinessProjections } from "../../../readiness/projection";
import { insightStrings, type InsightStrings } from "../insightStrings";
import { LineChart } from "./InsightCharts";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

function statusText(t: InsightStrings, p: FeatureProjection): string {
  if (p.status === "eligible") return t.eligible(p.feature);
  if (p.status === "eligibleIn") return t.eligibleIn(p.feature, p.days ?? 0);
  if (p.status === "tooLittleHistory") return t.tooLittleHistory(p.feature);
  const needs = p.series
    .filter((s) => s.days === null && s.ratePer30Needed !== null)
    .map((s) => t.needsMore(moreNeeded(s), s.label, s.ratePer30Needed!, s.ratePer30));
  return t.notAtThisRate(p.feature, needs.join(" + "));
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, "-");

function FeatureChart({ p, t }: { p: FeatureProjection; t: InsightStrings }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  return (
    <section className={classes.section} aria-label={p.feature}>
      <p>
        <strong>{statusText(t, p)}</strong>
      </p>
      <p className={classes.muted}>{t.inputs(p.inputs)}</p>
      <div className={classes.grid2}>
        {p.series.map((s) => (
          <LineChart
            key={s.label}
            id={`projection-${slug(p.feature)}-${slug(s.label)}`}
            title={t.projectionTitle(p.feature, s.label)}
            desc={t.projectionDesc(s.today, s.needed, s.trend.length - 1)}
            series={[
              { label: t.seriesCount, points: s.trend },
              ...(s.projected.length ? [{ label: t.seriesProjected, points: s.projected, dashed: true, tone: 1 as const }] : []),
            ]}
            threshold={{ value: s.needed, label: t.needed(s.needed) }}
            tableLabel={t.asTable}
            dateLabel={t.colDate}
          />
        ))}
      </div>
    </section>
  );
}

function Floors({ floors, t }: { floors: FloorProjection[]; t: InsightStrings }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  return (
    <>
      <h4 className={classes.h3}>{t.floorsHeading}</h4>
      <HeadedTable label={t.floorsHeading} columns={[t.colMeasure, t.colToday, t.colFloor, t.colSlope, t.colStatus]}>
        {floors.map((f) => (
          <TableRow key={f.label}>
            <TableCell>{f.label}</TableCell>
            <TableCell className={classes.numberCell}>{f.today ?? ""}</TableCell>
            <TableCell className={classes.numberCell}>{f.floor}</TableCell>
            <TableCell className={classes.numberCell}>{f.slopePer30 ?? ""}</TableCell>
            <TableCell>{(t.floorStatus[f.status] ?? f.status).replace("{0}", String(f.days ?? ""))}</TableCell>
          </TableRow>
        ))}
      </HeadedTable>
      <div className={classes.grid2}>
        {floors
          .filter((f) => f.trend.length > 0)
          .map((f) => (
            <LineChart
              key={f.label}
              id={`floor-${slug(f.label)}`}
              title={t.floorTitle(f.label)}
              desc={f.inputs}
              series={[{ label: f.label, points: f.trend }, ...(f.projected.length ? [{ label: t.seriesProjected, points: f.projected, dashed: true, tone: 1 as const }] : [])]}
              threshold={{ value: f.floor, label: String(f.floor) }}
              tableLabel={t.asTable}
              dateLabel={t.colDate}
            />
          ))}
      </div>
    </>
  );
}

export function ProjectionsView(props: { projections: ReadinessProjections; languageId?: number }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const t = insightStrings(props.languageId);
  return (
    <section aria-labelledby="projection-heading" className={classes.section} lang={props.languageId === 1031 ? "de" : "en"}>
      <h3 id="projection-heading" className={classes.h3}>
        {t.projectionHeading}
      </h3>
      <p className={classes.muted}>{t.projectionIntro}</p>
      {props.projections.features.map((p) => (
        <FeatureChart key={p.feature} p={p} t={t} />
      ))}
      <Floors floors={props.projections.floors} t={t} />
    </section>
  );
}
