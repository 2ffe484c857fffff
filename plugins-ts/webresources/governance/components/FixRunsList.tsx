/**
 * The fix runs (vit_fixrun) with their status, and one run's journal: counts per rule with "Undo
 * this rule", each fix with its outcome and "Undo" per record, and "Undo run". Undo restores only
 * columns that still hold what the fix wrote; the rest is listed as an undo conflict.
 */
import * as React from "react";
import { Badge, Button, MessageBar, MessageBarBody, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { EntryOutcome, FixRunStatus } from "../../../fix";
import { formatDateTime } from "../strings";
import { fixStrings } from "../fixStrings";
import type { FixPlansState } from "./useFixPlans";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

/** Fixes listed per run (the rest are counted). */
export const ENTRIES_SHOWN = 20;

const STATUS_COLOR: Record<FixRunStatus, "success" | "warning" | "danger" | "informative" | "subtle"> = {
  applying: "informative",
  applied: "success",
  completedWithIssues: "warning",
  failed: "danger",
  cancelled: "subtle",
  undoing: "informative",
  undone: "subtle",
  partlyUndone: "warning",
};

const OUTCOME_COLOR: Record<EntryOutcome, "success" | "warning" | "danger" | "informative" | "subtle"> = {
  pending: "informative",
  applied: "success",
  skippedChanged: "warning",
  failed: "danger",
  undoPending: "informative",
  undone: "subtle",
  undoConflict: "warning",
};

const UNDOABLE = new Set<FixRunStatus>(["applied", "completedWithIssues", "cancelled", "partlyUndone"]);

export function FixRunsList(props: { s: FixPlansState; nameOf: (id: string | null) => string }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { s } = props;
  const runs = s.runs?.allowed ? s.runs.runs : [];
  const open = s.openRun;
  const perRule = new Map<string, Partial<Record<EntryOutcome, number>>>();
  for (const e of open?.entries ?? []) {
    const c = perRule.get(e.ruleId) ?? {};
    c[e.outcome] = (c[e.outcome] ?? 0) + 1;
    perRule.set(e.ruleId, c);
  }
  return (
    <section aria-labelledby="fix-runs-heading" className={classes.section}>
      <h2 id="fix-runs-heading" className={classes.h2}>
        {fixStrings.runsHeading}
      </h2>
      {s.runs?.allowed && runs.length === 0 && <p className={classes.muted}>{fixStrings.runsNone}</p>}
      {runs.length > 0 && (
        <div className={classes.tableWrap}>
          <HeadedTable labelledBy="fix-runs-heading" columns={[fixStrings.colRun, fixStrings.colStatus, fixStrings.colProposed, fixStrings.colApproved, fixStrings.colWhen, { text: fixStrings.colFixes, numeric: true }, fixStrings.colActions]}>
            {runs.map((r) => (
              <TableRow key={r.id}>
                <TableCell>{r.name}</TableCell>
                <TableCell>
                  <Badge appearance="tint" color={STATUS_COLOR[r.status]}>
                    {fixStrings.status[r.status]}
                  </Badge>
                </TableCell>
                <TableCell>{props.nameOf(r.proposedBy)}</TableCell>
                <TableCell>{props.nameOf(r.approvedBy)}</TableCell>
                <TableCell>{formatDateTime(r.approvedOn)}</TableCell>
                <TableCell className={classes.numberCell}>{r.entryCount ?? ""}</TableCell>
                <TableCell>
                  <div className={classes.actions}>
                    <Button size="small" onClick={() => void s.showRun(r.id, r.name)} aria-label={fixStrings.detailsLabel(r.name)}>
                      {fixStrings.details}
                    </Button>
                    <Button size="small" onClick={() => void s.undo(r.id, r.name)} disabled={s.undoBusy || !UNDOABLE.has(r.status)} aria-label={fixStrings.undoRunLabel(r.name)}>
                      {fixStrings.undoRun}
                    </Button>
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </HeadedTable>
        </div>
      )}
      {s.undoBusy && <p role="status">{fixStrings.undoing}</p>}
      {s.undoMessage && (
        <MessageBar intent={s.undoMessage.intent} role={s.undoMessage.intent === "error" ? "alert" : "status"}>
          <MessageBarBody>{s.undoMessage.text}</MessageBarBody>
        </MessageBar>
      )}
      {open && (
        <section aria-labelledby="fix-entries-heading" className={classes.section}>
          <h3 id="fix-entries-heading" className={classes.h3}>
            {fixStrings.entriesHeading(open.name)}
          </h3>
          <ul className={classes.stats}>
            {[...perRule].map(([ruleId, c]) => (
              <li key={ruleId}>
                <strong>{ruleId}</strong>:{" "}
                {Object.entries(c)
                  .map(([o, n]) => `${n} ${fixStrings.outcome[o as EntryOutcome].toLowerCase()}`)
                  .join(", ")}{" "}
                <Button size="small" appearance="subtle" disabled={s.undoBusy || !c.applied} onClick={() => void s.undo(open.id, open.name, { ruleId })} aria-label={fixStrings.undoRuleLabel(ruleId)}>
                  {fixStrings.undoRule}
                </Button>
              </li>
            ))}
          </ul>
          <div className={classes.tableWrap}>
            <HeadedTable labelledBy="fix-entries-heading" columns={[fixStrings.colRecord, fixStrings.colRule, fixStrings.colBefore, fixStrings.colAfter, fixStrings.colOutcome, fixStrings.colActions]}>
              {open.entries.slice(0, ENTRIES_SHOWN).map((e) => (
                <TableRow key={e.id}>
                  <TableCell>
                    {e.table} <span className={classes.ruleId}>{e.recordId}</span>
                  </TableCell>
                  <TableCell>{e.ruleId}</TableCell>
                  <TableCell>{e.changes.map((c) => String(c.before ?? "(empty)")).join(", ")}</TableCell>
                  <TableCell>{e.action === "task" ? e.task?.subject : e.changes.map((c) => String(c.after ?? "(empty)")).join(", ")}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" color={OUTCOME_COLOR[e.outcome]}>
                      {fixStrings.outcome[e.outcome]}
                    </Badge>
                    {e.detail && <div className={classes.ruleId}>{e.detail}</div>}
                  </TableCell>
                  <TableCell>
                    <Button size="small" disabled={s.undoBusy || e.outcome !== "applied"} onClick={() => void s.undo(open.id, open.name, { recordId: e.recordId })} aria-label={fixStrings.undoRecordLabel(`${e.table} ${e.recordId}`)}>
                      {fixStrings.undoRecord}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          </div>
          <p className={classes.muted}>
            {fixStrings.entriesShown(Math.min(ENTRIES_SHOWN, open.entries.length), open.entries.length)}
          </p>
        </section>
      )}
    </section>
  );
}
