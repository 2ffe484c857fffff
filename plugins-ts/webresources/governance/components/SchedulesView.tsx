/**
 * The Schedules tab: what audits run by themselves and when (vit_auditschedule). Lists each
 * schedule with its cadence, next run and last outcome, with "Run now"; a form adds one and shows
 * its first run while it is typed (or why the cadence cannot be used). The runner does the work.
 */
import * as React from "react";
import { Button, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup, Spinner, TableCell, TableRow, Checkbox } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import { cadenceProblem, firstRun, type Cadence } from "../../../audit/cadence";
import { DEFAULT_TABLES } from "../../../engine";
import { draftProblem, type ScheduleDraft, type ScheduleRow, type ScheduleSource } from "../schedules";
import { formatDateTime } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { useLoad } from "./GovernanceCenter/useGovernanceCenter";

const text = {
  heading: "Audit schedules",
  intro: "Audits that run by themselves: the runner (a scheduled job, docs/install.md) takes each schedule when its next run is due.",
  none: "No schedule yet: add one below.",
  name: "Name",
  tables: "Tables",
  mode: "Mode",
  cadence: "Cadence",
  next: "Next run",
  last: "Last run",
  runNow: "Run now",
  queued: (name: string) => `${name} is due now: the runner takes it on its next pass (every few minutes).`,
  add: "Add schedule",
  added: (name: string) => `Schedule “${name}” added.`,
  cadenceKind: "Cadence",
  everyDays: "Every N days",
  cronKind: "Cron expression",
  days: "Every … days",
  time: "Time of day (HH:MM)",
  zone: "Time zone (IANA, e.g. Europe/Amsterdam)",
  cron: "Cron (minute hour day month weekday)",
  recipients: "Digest recipients (addresses and/or owners; empty: none)",
  firstRun: (when: string) => `First run: ${when}`,
  full: "Full",
  incremental: "Incremental",
  disabled: "disabled",
};

export function cadenceText(c: Cadence): string {
  const zone = c.timeZone || "UTC";
  return c.cron ? `cron ${c.cron} (${zone})` : `every ${c.everyDays ?? "?"} day${c.everyDays === 1 ? "" : "s"} at ${c.timeOfDay || "00:00"} (${zone})`;
}

function ScheduleTable(props: { rows: ScheduleRow[]; onRunNow: (row: ScheduleRow) => void; busy: boolean }): React.ReactElement {
  return (
    <HeadedTable label={text.heading} fitContent={false} columns={[text.name, text.tables, text.mode, text.cadence, text.next, text.last, ""]}>
      {props.rows.map((r) => (
        <TableRow key={r.id} data-testid="schedule-row">
          <TableCell>{r.name}</TableCell>
          <TableCell>{r.tables.join(", ")}</TableCell>
          <TableCell>{r.mode === "full" ? text.full : text.incremental}</TableCell>
          <TableCell>{cadenceText(r.cadence)}</TableCell>
          <TableCell>{r.enabled ? formatDateTime(r.nextRunOn) : text.disabled}</TableCell>
          <TableCell>{r.lastRunOn ? `${formatDateTime(r.lastRunOn)} — ${r.lastOutcome ?? ""}` : (r.lastOutcome ?? "—")}</TableCell>
          <TableCell>
            <Button size="small" disabled={props.busy} onClick={() => props.onRunNow(r)} aria-label={`${text.runNow}: ${r.name}`}>
              {text.runNow}
            </Button>
          </TableCell>
        </TableRow>
      ))}
    </HeadedTable>
  );
}

function ScheduleForm(props: { source: ScheduleSource; busy: boolean; onAdd: (d: ScheduleDraft) => void }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const [d, setD] = React.useState<ScheduleDraft>({ name: "", tables: [...DEFAULT_TABLES], mode: "incremental", cadence: { everyDays: 7, timeOfDay: "06:00", timeZone: "UTC" }, recipients: "" });
  const [kind, setKind] = React.useState<"days" | "cron">("days");
  const cadence: Cadence = kind === "cron" ? { cron: d.cadence.cron ?? "", timeZone: d.cadence.timeZone } : { ...d.cadence, cron: null };
  const cadenceError = cadenceProblem(cadence);
  const setCadence = (c: Partial<Cadence>): void => setD({ ...d, cadence: { ...d.cadence, ...c } });
  const draft = { ...d, cadence };
  return (
    <form
      className={classes.section}
      aria-label={text.add}
      onSubmit={(e) => {
        e.preventDefault();
        props.onAdd(draft);
      }}
    >
      <h3>{text.add}</h3>
      <Field label={text.name} required>
        <Input value={d.name} onChange={(_, v) => setD({ ...d, name: v.value })} />
      </Field>
      <fieldset>
        <legend>{text.tables}</legend>
        {DEFAULT_TABLES.map((t) => (
          <Checkbox key={t} label={t} checked={d.tables.includes(t)} onChange={(_, v) => setD({ ...d, tables: v.checked ? [...d.tables, t] : d.tables.filter((x) => x !== t) })} />
        ))}
      </fieldset>
      <Field label={text.mode}>
        <RadioGroup layout="horizontal" value={d.mode} onChange={(_, v) => setD({ ...d, mode: v.value as ScheduleDraft["mode"] })}>
          <Radio value="incremental" label={text.incremental} />
          <Radio value="full" label={text.full} />
        </RadioGroup>
      </Field>
      <Field label={text.cadenceKind}>
        <RadioGroup layout="horizontal" value={kind} onChange={(_, v) => setKind(v.value as "days" | "cron")}>
          <Radio value="days" label={text.everyDays} />
          <Radio value="cron" label={text.cronKind} />
        </RadioGroup>
      </Field>
      {kind === "days" ? (
        <>
          <Field label={text.days}>
            <Input type="number" value={String(d.cadence.everyDays ?? "")} onChange={(_, v) => setCadence({ everyDays: v.value === "" ? null : Number(v.value) })} />
          </Field>
          <Field label={text.time}>
            <Input value={d.cadence.timeOfDay ?? ""} onChange={(_, v) => setCadence({ timeOfDay: v.value })} />
          </Field>
        </>
      ) : (
        <Field label={text.cron}>
          <Input value={d.cadence.cron ?? ""} onChange={(_, v) => setCadence({ cron: v.value })} />
        </Field>
      )}
      <Field label={text.zone}>
        <Input value={d.cadence.timeZone ?? ""} onChange={(_, v) => setCadence({ timeZone: v.value })} />
      </Field>
      <Field label={text.recipients}>
        <Input value={d.recipients} onChange={(_, v) => setD({ ...d, recipients: v.value })} />
      </Field>
      <p className={classes.muted} data-testid="schedule-first-run" aria-live="polite">
        {cadenceError ?? text.firstRun(formatDateTime(firstRun(cadence, props.source.now()).toISOString()))}
      </p>
      <Button type="submit" appearance="primary" disabled={props.busy || draftProblem(draft) !== null}>
        {text.add}
      </Button>
    </form>
  );
}

export function SchedulesView(props: { source: ScheduleSource }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const [version, setVersion] = React.useState(0);
  const rows = useLoad(() => props.source.list(), version);
  const [busy, setBusy] = React.useState(false);
  const [notice, setNotice] = React.useState<{ intent: "success" | "error"; text: string } | null>(null);
  const act = (work: () => Promise<void>, done: string): void => {
    setBusy(true);
    work()
      .then(() => setNotice({ intent: "success", text: done }))
      .catch((err: unknown) => setNotice({ intent: "error", text: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        setBusy(false);
        setVersion((v) => v + 1);
      });
  };
  return (
    <section aria-labelledby="schedules-heading" className={classes.section}>
      <h2 id="schedules-heading">{text.heading}</h2>
      <p className={classes.muted}>{text.intro}</p>
      {notice && (
        <MessageBar intent={notice.intent} role={notice.intent === "error" ? "alert" : "status"}>
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}
      {rows.error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{rows.error}</MessageBarBody>
        </MessageBar>
      )}
      {rows.value === null && !rows.error && <Spinner label={text.heading} />}
      {rows.value?.length === 0 && <p>{text.none}</p>}
      {rows.value && rows.value.length > 0 && <ScheduleTable rows={rows.value} busy={busy} onRunNow={(r) => act(() => props.source.runNow(r), text.queued(r.name))} />}
      <ScheduleForm source={props.source} busy={busy} onAdd={(d) => act(() => props.source.add(d), text.added(d.name.trim()))} />
    </section>
  );
}
