import * as React from "react";
import { TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { RunRow } from "../data";
import { formatDate, formatDateTime, strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

const W = 640;
const H = 220;
const PAD = { left: 40, right: 16, top: 12, bottom: 32 };

export interface TrendPoint {
  runId: string;
  date: string;
  score: number;
  grade: string | null;
}

/** Completed runs with a score, oldest first. */
export function trendPoints(runs: readonly RunRow[]): TrendPoint[] {
  return runs
    .filter((r) => r.status === "completed" && r.startedOn && r.overallScore !== null)
    .map((r) => ({ runId: r.id, date: r.startedOn!, score: r.overallScore!, grade: r.grade }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** An accessible SVG line chart of the organisation score (0–100) over runs, with a data table alternative. */
export function TrendChart(props: { runs: readonly RunRow[] }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const points = trendPoints(props.runs);
  const n = points.length;
  const x = (i: number): number => PAD.left + (n <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (score: number): number => PAD.top + ((100 - score) * (H - PAD.top - PAD.bottom)) / 100;
  const desc = strings.trendDesc(n, n ? formatDate(points[0].date) : "", n ? formatDate(points[n - 1].date) : "");
  return (
    <section aria-labelledby="trend-heading" className={classes.section}>
      <h3 id="trend-heading" className={classes.h3}>
        {strings.trendHeading}
      </h3>
      <svg className={classes.chart} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="trend-title" aria-describedby="trend-desc">
        <title id="trend-title">{strings.trendTitle}</title>
        <desc id="trend-desc">{desc}</desc>
        {[0, 25, 50, 75, 100].map((v) => (
          <g key={v}>
            <line className={classes.chartGrid} x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text className={classes.chartLabel} x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <line className={classes.chartAxis} x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        {n > 1 && <polyline className={classes.chartLine} points={points.map((p, i) => `${x(i)},${y(p.score)}`).join(" ")} />}
        {points.map((p, i) => (
          <circle key={p.runId} className={classes.chartPoint} cx={x(i)} cy={y(p.score)} r={4}>
            <title>{`${formatDateTime(p.date)}: ${p.score}${p.grade ? ` (${p.grade})` : ""}`}</title>
          </circle>
        ))}
        {points.length > 0 && (
          <>
            <text className={classes.chartLabel} x={x(0)} y={H - 10} textAnchor={n > 1 ? "start" : "middle"}>
              {formatDate(points[0].date)}
            </text>
            {n > 1 && (
              <text className={classes.chartLabel} x={x(n - 1)} y={H - 10} textAnchor="end">
                {formatDate(points[n - 1].date)}
              </text>
            )}
          </>
        )}
      </svg>
      <details>
        <summary>{strings.trendTable}</summary>
        <HeadedTable label={strings.trendTitle} fitContent={false} columns={[strings.colDate, strings.colScore, strings.colGrade]}>
          {points.map((p) => (
            <TableRow key={p.runId}>
              <TableCell>{formatDateTime(p.date)}</TableCell>
              <TableCell className={classes.numberCell}>{p.score}</TableCell>
              <TableCell>{p.grade ? strings.grade(p.grade) : strings.noGrade}</TableCell>
            </TableRow>
          ))}
        </HeadedTable>
      </details>
    </section>
  );
}
