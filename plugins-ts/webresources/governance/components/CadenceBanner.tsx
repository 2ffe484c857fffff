import * as React from "react";
import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import type { Cadence, RunRow } from "../data";
import { formatDate, formatDateTime, strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

const DAY = 86_400_000;

export interface CadenceStatus {
  lastCompleted: string | null;
  nextDue: string | null;
  /** Whole days past the due date (0 when not overdue). */
  overdueDays: number;
}

/** Next audit due = the last completed run's start + the cadence; overdue once that has passed. */
export function cadenceStatus(cadence: Cadence, runs: readonly RunRow[], now: Date): CadenceStatus {
  const completed = runs
    .filter((r) => r.status === "completed" && r.startedOn)
    .map((r) => r.startedOn!)
    .sort()
    .pop();
  const lastCompleted = completed ?? null;
  if (!lastCompleted || cadence.days === null) return { lastCompleted, nextDue: null, overdueDays: 0 };
  const due = new Date(lastCompleted).getTime() + cadence.days * DAY;
  const late = now.getTime() - due;
  return { lastCompleted, nextDue: new Date(due).toISOString(), overdueDays: late > 0 ? Math.max(1, Math.floor(late / DAY)) : 0 };
}

export function CadenceBanner(props: { cadence: Cadence; runs: readonly RunRow[]; now: Date }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { cadence, runs, now } = props;
  const s = cadenceStatus(cadence, runs, now);
  const facts = [
    cadence.days !== null ? strings.cadenceEvery(cadence.days) : cadence.raw ? strings.cadenceInvalid(cadence.raw) : strings.cadenceUnset,
    s.lastCompleted ? strings.lastCompleted(formatDateTime(s.lastCompleted)) : strings.noCompletedAudit,
    s.nextDue ? strings.nextDue(formatDate(s.nextDue)) : "",
  ].filter(Boolean);
  return (
    <section aria-labelledby="cadence-heading" className={classes.section}>
      <h2 id="cadence-heading" className={classes.visuallyHidden}>
        {strings.cadenceHeading}
      </h2>
      {s.overdueDays > 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>
            <MessageBarTitle>{strings.overdueTitle}</MessageBarTitle>
            {strings.overdueBody(s.overdueDays)}
          </MessageBarBody>
        </MessageBar>
      )}
      {!s.lastCompleted && (
        <MessageBar intent="info">
          <MessageBarBody>
            <MessageBarTitle>{strings.neverAuditedTitle}</MessageBarTitle>
            {strings.neverAuditedBody}
          </MessageBarBody>
        </MessageBar>
      )}
      <p className={classes.muted} data-testid="cadence">
        {facts.join(" ")}
      </p>
    </section>
  );
}
