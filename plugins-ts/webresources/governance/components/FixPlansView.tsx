/**
 * The Governance Center's "Fix plans" tab: choose rules and scope → preview (./FixPlanPreview) →
 * approve → apply as a job with progress, pause, cancel and resume → the result with the scores
 * before and after → the run list with undo (./FixRunsList). State in ./useFixPlans; the work is
 * plugins-ts/fix through ../fixes.ts, the code the CLI runs, so the same checks refuse the same
 * people: approving needs the Vitals Governance Owner role, and a second person when
 * vit_FixApproverMustDiffer says so. Both are shown before anyone presses Approve.
 */
import * as React from "react";
import { Button, Checkbox, Field, MessageBar, MessageBarBody, MessageBarTitle, ProgressBar, Spinner } from "@fluentui/react-components";
import type { Directory, PackState } from "../data";
import type { FixSource } from "../fixes";
import { fixStrings } from "../fixStrings";
import { FixPlanPreview } from "./FixPlanPreview";
import { FixRunsList } from "./FixRunsList";
import { UserPicker } from "./UserPicker";
import { useFixPlans, type FixPlansState } from "./useFixPlans";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

export interface FixPlansViewProps {
  source: FixSource;
  pack: PackState | null;
  directory: Directory | null;
}

function ScopeForm({ s, users }: { s: FixPlansState; users: [string, string][] }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const busy = s.planning !== null || s.job === "running";
  const fileInput = React.useRef<HTMLInputElement>(null);
  return (
    <section aria-labelledby="fix-scope-heading" className={classes.section}>
      <h2 id="fix-scope-heading" className={classes.h2}>
        {fixStrings.heading}
      </h2>
      <p className={classes.muted}>{fixStrings.intro}</p>
      {s.rules.length === 0 && <p>{fixStrings.noRules}</p>}
      <fieldset className={classes.fieldset} disabled={busy}>
        <legend className={classes.legend}>{fixStrings.tablesLegend}</legend>
        {s.allTables.map((t) => (
          <Checkbox key={t} label={t} checked={s.chosenTables.has(t)} onChange={(_, d) => s.toggleTable(t, d.checked === true)} disabled={busy} />
        ))}
      </fieldset>
      <fieldset className={classes.fieldset} disabled={busy}>
        <legend className={classes.legend}>{fixStrings.rulesLegend}</legend>
        {s.rules
          .filter((r) => s.chosenTables.has(r.table))
          .map((r) => (
            <Checkbox key={r.id} label={`${r.title} (${r.id})`} checked={s.chosenRules.has(r.id)} onChange={(_, d) => s.toggleRule(r.id, d.checked === true)} disabled={busy} />
          ))}
      </fieldset>
      <div className={classes.row}>
        <UserPicker label={fixStrings.ownerLabel} anyLabel={fixStrings.anyOwner} value={s.ownerId} users={users} disabled={busy} onChange={s.setOwnerId} className={classes.picker} />
      </div>
      <div className={classes.actions}>
        <Button appearance="primary" onClick={() => void s.makePlan()} disabled={busy || !s.rules.some((r) => s.chosenTables.has(r.table) && s.chosenRules.has(r.id))}>
          {fixStrings.preview}
        </Button>
        <Button onClick={() => fileInput.current?.click()} disabled={busy} title={fixStrings.openFileHint}>
          {fixStrings.openFile}
        </Button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          aria-label={fixStrings.openFile}
          className={classes.visuallyHidden}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void s.openFile(file);
            e.target.value = "";
          }}
        />
      </div>
      {s.planning && <Spinner size="small" label={fixStrings.planning(s.planning.records, s.planning.proposals)} />}
    </section>
  );
}

function downloadPlan(s: FixPlansState): void {
  const text = s.download();
  if (!text || !s.plan) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = `fix-plan-${s.plan.planId}.json`;
  a.click();
  URL.revokeObjectURL(a.href);
}

function ApproveSection({ s, nameOf }: { s: FixPlansState; nameOf: (id: string | null) => string }): React.ReactElement | null {
  const classes = useGovernanceCenterStyles();
  const plan = s.plan;
  if (!plan) return null;
  const included = plan.entries.filter((e) => e.include).length;
  const p = s.progress;
  const running = s.job === "running";
  const notAllowed = s.runs && !s.runs.allowed ? s.runs.reason : null;
  const ownPlan = s.mustDiffer && s.me !== null && plan.proposedBy.toLowerCase() === s.me;
  return (
    <section aria-labelledby="fix-approve-heading" className={classes.section}>
      <h2 id="fix-approve-heading" className={classes.h2}>
        {fixStrings.approveHeading}
      </h2>
      {!notAllowed && ownPlan && (
        <MessageBar intent="warning">
          <MessageBarBody>{fixStrings.secondPerson}</MessageBarBody>
        </MessageBar>
      )}
      {s.canApprove && <p className={classes.muted}>{fixStrings.approverNote(nameOf(s.me))}</p>}
      <div className={classes.actions}>
        {s.job === "paused" ? (
          <Button appearance="primary" onClick={() => void s.apply()}>
            {fixStrings.resume}
          </Button>
        ) : (
          <Button appearance="primary" onClick={() => void s.apply()} disabled={!s.canApprove || running || included === 0 || s.job === "done" || s.job === "cancelled"}>
            {fixStrings.approve(included)}
          </Button>
        )}
        <Button onClick={s.pause} disabled={!running}>
          {fixStrings.pause}
        </Button>
        <Button onClick={s.cancel} disabled={!running}>
          {fixStrings.cancel}
        </Button>
        <Button onClick={() => downloadPlan(s)} disabled={running}>
          {fixStrings.download}
        </Button>
        <Button appearance="subtle" onClick={s.discard} disabled={running}>
          {fixStrings.discard}
        </Button>
      </div>
      {(running || p) && (
        <Field label={p ? (fixStrings.phase[p.phase] ?? p.phase) : fixStrings.phase.journal} hint={p ? fixStrings.progress(p.done, p.total) : undefined}>
          <ProgressBar value={p && p.total ? Math.min(1, p.done / p.total) : undefined} max={1} thickness="large" />
        </Field>
      )}
      <div role="status" aria-live="polite" className={classes.visuallyHidden}>
        {running && p ? `${fixStrings.phase[p.phase] ?? p.phase}: ${fixStrings.progress(p.done, p.total)}` : ""}
      </div>
      {s.job === "paused" && (
        <MessageBar intent="info">
          <MessageBarBody>{fixStrings.paused}</MessageBarBody>
        </MessageBar>
      )}
      {s.job === "cancelled" && (
        <MessageBar intent="warning">
          <MessageBarBody>{fixStrings.cancelled}</MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}

function ResultSection({ s }: { s: FixPlansState }): React.ReactElement | null {
  const classes = useGovernanceCenterStyles();
  const r = s.summary;
  if (!r || s.job !== "done") return null;
  const issues = r.result.outcomes.failed + r.result.outcomes.skippedChanged;
  return (
    <section aria-labelledby="fix-result-heading" className={classes.section}>
      <h2 id="fix-result-heading" className={classes.h2}>
        {fixStrings.resultHeading}
      </h2>
      <MessageBar intent={issues > 0 ? "warning" : "success"} role="status">
        <MessageBarBody>
          <MessageBarTitle>{[r.done, ...r.scores].filter(Boolean).join("; ")}</MessageBarTitle>
          <div>{fixStrings.outcomeCounts(r.result.outcomes)}</div>
        </MessageBarBody>
      </MessageBar>
      {r.notes.map((note) => (
        <p key={note} className={classes.muted}>
          {note}
        </p>
      ))}
      {r.result.issues.length > 0 && (
        <ul>
          {r.result.issues.slice(0, 20).map((i) => (
            <li key={i.key}>
              {fixStrings.outcome[i.outcome]}: {i.key} — {i.detail}
              {i.errorCode ? ` (${i.errorCode})` : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function FixPlansView(props: FixPlansViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const users = props.directory?.users ?? new Map<string, { name: string; disabled: boolean }>();
  const s = useFixPlans({ source: props.source, pack: props.pack, users });
  const nameOf = (id: string | null): string => (id ? (users.get(id.toLowerCase())?.name ?? id) : "?");
  const titles = new Map(s.rules.map((r) => [r.id, r.title]));
  const active = [...users.entries()].filter(([, u]) => !u.disabled).map(([id, u]) => [id, u.name] as [string, string]).sort((a, b) => a[1].localeCompare(b[1]));
  return (
    <div className={classes.panel}>
      {s.runs && !s.runs.allowed && (
        <MessageBar intent="warning">
          <MessageBarBody>{fixStrings.roleNeeded(s.runs.reason)}</MessageBarBody>
        </MessageBar>
      )}
      <ScopeForm s={s} users={active} />
      {s.error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{s.error}</MessageBarBody>
        </MessageBar>
      )}
      {s.plan && <FixPlanPreview plan={s.plan} proposer={nameOf(s.plan.proposedBy)} titleOf={(id) => titles.get(id) ?? id} include={s.include} disabled={s.job !== "idle"} />}
      <ApproveSection s={s} nameOf={nameOf} />
      <ResultSection s={s} />
      <FixRunsList s={s} nameOf={nameOf} />
    </div>
  );
}
