/**
 * Two accessible SVG charts for the outcome insight, each with its data as a table behind it
 * (a <details> under the chart): a dated line chart (solid series, dashed projections, an optional
 * threshold line) and bars with interval whiskers. The SVG is role="img" with a title and a
 * description; the table carries the same numbers for screen readers and for reading exactly.
 */
import * as React from "react";
import { makeStyles, TableCell, TableRow, tokens } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

const W = 640;
const H = 220;
const PAD = { left: 44, right: 96, top: 12, bottom: 32 };
const DAY = 86_400_000;

const useChartStyles = makeStyles({
  second: { fill: "none", stroke: tokens.colorPaletteDarkOrangeForeground1, strokeWidth: "2" },
  secondPoint: { fill: tokens.colorPaletteDarkOrangeForeground1 },
  dashed: { strokeDasharray: "6 4" },
  threshold: { stroke: tokens.colorPaletteRedForeground1, strokeWidth: "1", strokeDasharray: "2 3" },
  bar: { fill: tokens.colorBrandBackground },
  barMuted: { fill: tokens.colorNeutralBackground5 },
  whisker: { stroke: tokens.colorNeutralForeground1, strokeWidth: "1.5" },
  legend: { display: "flex", columnGap: tokens.spacingHorizontalL, flexWrap: "wrap", margin: 0, padding: 0, listStyleType: "none", fontSize: tokens.fontSizeBase200 },
  swatch: { display: "inline-block", width: "18px", height: "0", borderTopWidth: "3px", borderTopStyle: "solid", verticalAlign: "middle", marginRight: tokens.spacingHorizontalXS },
});

export interface Series {
  label: string;
  points: readonly { date: string; value: number }[];
  /** Drawn dashed (a projection). */
  dashed?: boolean;
  /** Colour group: 0 brand, 1 second colour. */
  tone?: 0 | 1;
}

export interface LineChartProps {
  id: string;
  title: string;
  desc: string;
  series: readonly Series[];
  threshold?: { value: number; label: string };
  tableLabel: string;
  dateLabel: string;
  format?: (v: number) => string;
}

const time = (d: string): number => Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d);

/** Four grid steps of 1, 2, 2.5 or 5 × 10^k that cover `max`. */
function niceTicks(max: number): number[] {
  const raw = Math.max(max, 1e-9) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return [0, 1, 2, 3, 4].map((i) => Math.round(i * step * 1e6) / 1e6);
}

/** A dated line chart: x is time, y from 0 to a round number above the largest value (or threshold). */
export function LineChart(p: LineChartProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const c = useChartStyles();
  const fmt = p.format ?? ((v: number) => String(Math.round(v * 10) / 10));
  const all = p.series.flatMap((s) => s.points);
  const ts = all.map((x) => time(x.date));
  const t0 = ts.length ? Math.min(...ts) : 0;
  const t1 = ts.length ? Math.max(...ts, t0 + DAY) : DAY;
  const ticks = niceTicks(Math.max(1, ...all.map((x) => x.value), p.threshold?.value ?? 0));
  const top = ticks[ticks.length - 1];
  const x = (d: string): number => PAD.left + ((time(d) - t0) * (W - PAD.left - PAD.right)) / (t1 - t0);
  const y = (v: number): number => PAD.top + ((top - v) * (H - PAD.top - PAD.bottom)) / top;
  const dates = [...new Set(all.map((a) => a.date))].sort();
  return (
    <figure style={{ margin: 0 }}>
      <svg className={classes.chart} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${p.id}-title`} aria-describedby={`${p.id}-desc`}>
        <title id={`${p.id}-title`}>{p.title}</title>
        <desc id={`${p.id}-desc`}>{p.desc}</desc>
        {ticks.map((v) => (
          <g key={v}>
            <line className={classes.chartGrid} x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text className={classes.chartLabel} x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {fmt(v)}
            </text>
          </g>
        ))}
        <line className={classes.chartAxis} x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
        {p.threshold && (
          <g>
            <line className={c.threshold} x1={PAD.left} x2={W - PAD.right} y1={y(p.threshold.value)} y2={y(p.threshold.value)} />
            <text className={classes.chartLabel} x={W - PAD.right + 4} y={y(p.threshold.value) + 4}>
              {p.threshold.label}
            </text>
          </g>
        )}
        {p.series.map((s) => {
          const line = `${s.tone === 1 ? c.second : classes.chartLine}${s.dashed ? ` ${c.dashed}` : ""}`;
          return (
            <g key={s.label}>
              {s.points.length > 1 && <polyline className={line} points={s.points.map((q) => `${x(q.date)},${y(q.value)}`).join(" ")} />}
              {!s.dashed &&
                s.points.map((q) => (
                  <circle key={q.date} className={s.tone === 1 ? c.secondPoint : classes.chartPoint} cx={x(q.date)} cy={y(q.value)} r={3}>
                    <title>{`${s.label}, ${q.date}: ${fmt(q.value)}`}</title>
                  </circle>
                ))}
            </g>
          );
        })}
        {dates.length > 0 && (
          <>
            <text className={classes.chartLabel} x={x(dates[0])} y={H - 10} textAnchor="start">
              {dates[0]}
            </text>
            <text className={classes.chartLabel} x={x(dates[dates.length - 1])} y={H - 10} textAnchor="end">
              {dates[dates.length - 1]}
            </text>
          </>
        )}
      </svg>
      <ul className={c.legend} aria-hidden="true">
        {p.series.map((s) => (
          <li key={s.label}>
            <span className={c.swatch} style={{ borderTopStyle: s.dashed ? "dashed" : "solid", borderTopColor: s.tone === 1 ? tokens.colorPaletteDarkOrangeForeground1 : tokens.colorBrandForeground1 }} />
            {s.label}
          </li>
        ))}
      </ul>
      <details>
        <summary>{p.tableLabel}</summary>
        <HeadedTable label={p.title} columns={[p.dateLabel, ...p.series.map((s) => s.label)]}>
          {dates.map((d) => (
            <TableRow key={d}>
              <TableCell>{d}</TableCell>
              {p.series.map((s) => {
                const v = s.points.find((q) => q.date === d);
                return (
                  <TableCell key={s.label} className={classes.numberCell}>
                    {v ? fmt(v.value) : ""}
                  </TableCell>
                );
              })}
            </TableRow>
          ))}
        </HeadedTable>
      </details>
    </figure>
  );
}

export interface Bar {
  label: string;
  /** share 0–1, or null when too few to show */
  value: number | null;
  interval: [number, number] | null;
  n: number;
}

export interface IntervalBarsProps {
  id: string;
  title: string;
  desc: string;
  bars: readonly Bar[];
  /** The table behind the chart: its header and rows are given by the caller (more columns than the chart shows). */
  table: React.ReactNode;
  tableLabel: string;
  format: (share: number) => string;
  tooFew: string;
}

/** Bars of shares (0–100 %) with 95 % interval whiskers; a bar with too few cases is drawn empty and labelled. */
export function IntervalBars(p: IntervalBarsProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const c = useChartStyles();
  const slot = (W - PAD.left - PAD.right) / Math.max(1, p.bars.length);
  const y = (v: number): number => PAD.top + ((1 - v) * (H - PAD.top - PAD.bottom));
  return (
    <figure style={{ margin: 0 }}>
      <svg className={classes.chart} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${p.id}-title`} aria-describedby={`${p.id}-desc`}>
        <title id={`${p.id}-title`}>{p.title}</title>
        <desc id={`${p.id}-desc`}>{p.desc}</desc>
        {[0, 0.25, 0.5, 0.75, 1].map((v) => (
          <g key={v}>
            <line className={classes.chartGrid} x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text className={classes.chartLabel} x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {p.format(v)}
            </text>
          </g>
        ))}
        {p.bars.map((b, i) => {
          const cx = PAD.left + slot * i + slot / 2;
          const w = Math.min(56, slot * 0.6);
          return (
            <g key={b.label}>
              {b.value !== null ? (
                <rect className={c.bar} x={cx - w / 2} y={y(b.value)} width={w} height={y(0) - y(b.value)}>
                  <title>{`${b.label}: ${p.format(b.value)} (n = ${b.n})`}</title>
                </rect>
              ) : (
                <text className={classes.chartLabel} x={cx} y={y(0) - 6} textAnchor="middle">
                  {p.tooFew}
                </text>
              )}
              {b.interval && (
                <g className={c.whisker}>
                  <line x1={cx} x2={cx} y1={y(b.interval[0])} y2={y(b.interval[1])} />
                  <line x1={cx - 8} x2={cx + 8} y1={y(b.interval[0])} y2={y(b.interval[0])} />
                  <line x1={cx - 8} x2={cx + 8} y1={y(b.interval[1])} y2={y(b.interval[1])} />
                </g>
              )}
              <text className={classes.chartLabel} x={cx} y={H - 10} textAnchor="middle">
                {`${b.label} (n = ${b.n})`}
              </text>
            </g>
          );
        })}
        <line className={classes.chartAxis} x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      </svg>
      <details>
        <summary>{p.tableLabel}</summary>
        {p.table}
      </details>
    </figure>
  );
}
