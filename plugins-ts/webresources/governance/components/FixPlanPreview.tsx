/**
 * The preview of a fix plan: counts per rule and table, before → after samples with a tick box
 * each, a tick box per rule that leaves all its fixes out, and what needs a person. Pure render of
 * the plan; unticking calls `include`, which keeps the entry in the plan with `include: false`.
 */
import * as React from "react";
import { Badge, Checkbox, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { FixPlan } from "../../../fix";
import { formatDateTime } from "../strings";
import { fixStrings } from "../fixStrings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

/** Samples shown per rule (the rest are counted). */
export const SAMPLES_PER_RULE = 6;

export interface FixPlanPreviewProps {
  plan: FixPlan;
  proposer: string;
  titleOf: (ruleId: string) => string;
  include: (keys: ReadonlySet<string>, on: boolean) => void;
  disabled: boolean;
}

const shown = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined || v === "" ? "(empty)" : String(v));

function byRule<T extends { ruleId: string }>(entries: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const e of entries) m.set(e.ruleId, [...(m.get(e.ruleId) ?? []), e]);
  return m;
}

export function FixPlanPreview(props: FixPlanPreviewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { plan } = props;
  const groups = byRule(plan.entries);
  const records = new Set(plan.entries.map((e) => `${e.table}:${e.recordId}`)).size;
  return (
    <section aria-labelledby="fix-preview-heading" className={classes.section}>
      <h2 id="fix-preview-heading" className={classes.h2}>
        {fixStrings.previewHeading}
      </h2>
      <p>{fixStrings.previewSummary(plan.entries.length, records, plan.entries.filter((e) => e.safe).length, plan.blocked.length)}</p>
      <p className={classes.muted}>{fixStrings.proposedBy(props.proposer, formatDateTime(plan.createdOn))}</p>
      {plan.entries.length === 0 && <p>{fixStrings.empty}</p>}
      {plan.entries.length > 0 && (
        <div className={classes.tableWrap}>
          <HeadedTable label={fixStrings.countsCaption} columns={[fixStrings.colRule, fixStrings.colTable, { text: fixStrings.colFixes, numeric: true }, { text: fixStrings.colSafe, numeric: true }, { text: fixStrings.colIncluded, numeric: true }]}>
            {[...groups].map(([ruleId, list]) => {
              const included = list.filter((e) => e.include).length;
              return (
                <TableRow key={ruleId}>
                  <TableCell>
                    <Checkbox
                      checked={included === list.length ? true : included === 0 ? false : "mixed"}
                      onChange={(_, d) => props.include(new Set(list.map((e) => e.key)), d.checked === true)}
                      disabled={props.disabled}
                      aria-label={fixStrings.includeRule(ruleId)}
                      label={
                        <span>
                          {props.titleOf(ruleId)} <span className={classes.ruleId}>{ruleId}</span>
                        </span>
                      }
                    />
                  </TableCell>
                  <TableCell>{list[0].table}</TableCell>
                  <TableCell className={classes.numberCell}>{list.length.toLocaleString("en-US")}</TableCell>
                  <TableCell className={classes.numberCell}>{list.filter((e) => e.safe).length.toLocaleString("en-US")}</TableCell>
                  <TableCell className={classes.numberCell}>{included.toLocaleString("en-US")}</TableCell>
                </TableRow>
              );
            })}
          </HeadedTable>
        </div>
      )}
      {[...groups].map(([ruleId, list]) => (
        <div key={ruleId} className={classes.section}>
          <h3 className={classes.h3}>{fixStrings.samplesHeading(props.titleOf(ruleId))}</h3>
          <div className={classes.tableWrap}>
            <HeadedTable label={fixStrings.samplesHeading(ruleId)} columns={[fixStrings.colRecord, fixStrings.colBefore, fixStrings.colAfter, fixStrings.colWhy]}>
              {list.slice(0, SAMPLES_PER_RULE).map((e) => (
                <TableRow key={e.key}>
                  <TableCell>
                    <Checkbox checked={e.include} onChange={(_, d) => props.include(new Set([e.key]), d.checked === true)} disabled={props.disabled} aria-label={fixStrings.includeEntry(e.name ?? e.recordId)} label={e.name ?? e.recordId} />
                  </TableCell>
                  <TableCell>{e.changes.map((c) => shown(c.before)).join(", ")}</TableCell>
                  <TableCell>
                    <strong>{e.action === "task" ? e.task?.subject : e.changes.map((c) => shown(c.after)).join(", ")}</strong>
                  </TableCell>
                  <TableCell>
                    {e.why} {!e.safe && <Badge appearance="outline" color="warning">review</Badge>}
                  </TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          </div>
          {list.length > SAMPLES_PER_RULE && <p className={classes.muted}>{fixStrings.moreEntries(list.length - SAMPLES_PER_RULE)}</p>}
        </div>
      ))}
      <h3 className={classes.h3}>{fixStrings.blockedHeading}</h3>
      {plan.blocked.length === 0 ? (
        <p className={classes.muted}>{fixStrings.blockedNone}</p>
      ) : (
        <ul>
          {[...byRule(plan.blocked)].map(([ruleId, list]) => (
            <li key={ruleId}>
              {props.titleOf(ruleId)}: {list.length.toLocaleString("en-US")} — {list[0].reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
