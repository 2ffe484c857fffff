import * as React from "react";
import { Badge, Button, Field, Input, MessageBar, MessageBarBody, Select, Spinner, TableCell, TableRow, Textarea } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { Directory, GovernanceData, PackState, Waiver, WaiverRequest, WaiverStatus } from "../data";
import { formatDate, strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { useLoad } from "./GovernanceCenter/useGovernanceCenter";

const GUID = /^[{(]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[)}]?$/i;
const STATUSES: WaiverStatus[] = ["requested", "approved", "rejected", "expired"];
const DAY = 86_400_000;

export interface WaiversViewProps {
  data: GovernanceData;
  pack: PackState | null;
  directory: Directory | null;
  now: () => Date;
  /** A request started from the drill-down list. */
  prefill: Partial<WaiverRequest> | null;
}

const BADGE: Record<WaiverStatus, "informative" | "success" | "danger" | "subtle"> = { requested: "informative", approved: "success", rejected: "danger", expired: "subtle" };

export function filterWaivers(list: readonly Waiver[], status: string, table: string): Waiver[] {
  return list.filter((w) => (status === "" || w.status === status) && (table === "" || w.table === table));
}

export function WaiversView(props: WaiversViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const [version, setVersion] = React.useState(0);
  const waivers = useLoad(() => props.data.waivers(), version);
  const [status, setStatus] = React.useState("");
  const [table, setTable] = React.useState("");
  const [expires, setExpires] = React.useState(() => new Date(props.now().getTime() + 90 * DAY).toISOString().slice(0, 10));
  const [busy, setBusy] = React.useState(false);
  const [notice, setNotice] = React.useState<{ intent: "success" | "error"; text: string } | null>(null);

  const tables = [...new Set((props.pack?.inForce.rules ?? []).map((r) => r.table))];
  // A request started from the drill-down is in the form from the first render (the tab mounts
  // lazily with it); a later one, while the tab is open, arrives through the effect below.
  const [req, setReq] = React.useState<WaiverRequest>(() => ({ table: tables[0] ?? "", recordId: "", ruleId: "", reason: "", ...props.prefill }));
  const [touched, setTouched] = React.useState(false);
  React.useEffect(() => {
    if (props.prefill) setReq((r) => ({ ...r, reason: "", ...props.prefill }));
  }, [props.prefill]);
  const reqTable = req.table || tables[0] || "";
  const rules = (props.pack?.inForce.rules ?? []).filter((r) => r.table === reqTable);
  const problems = {
    recordId: GUID.test(req.recordId.trim()) ? null : strings.invalidGuid,
    ruleId: rules.some((r) => r.id === req.ruleId) ? null : strings.ruleRequired,
    reason: req.reason.trim() ? null : strings.reasonRequired,
  };
  const valid = !problems.recordId && !problems.ruleId && !problems.reason;

  /** Runs a write, says how it went and reloads the list; true when it succeeded. */
  const act = async (work: () => Promise<void>, done: string): Promise<boolean> => {
    setBusy(true);
    setNotice(null);
    try {
      await work();
      setNotice({ intent: "success", text: done });
      setVersion((v) => v + 1);
      return true;
    } catch (err) {
      setNotice({ intent: "error", text: err instanceof Error ? err.message : String(err) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  const expiresIso = expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null;
  const person = (id: string | null): string => (id ? (props.directory?.users.get(id.toLowerCase())?.name ?? props.directory?.teams.get(id.toLowerCase()) ?? id) : "");
  const shown = filterWaivers(waivers.value ?? [], status, table);

  return (
    <div className={classes.panel}>
      <section aria-labelledby="waivers-heading" className={classes.section}>
        <h2 id="waivers-heading" className={classes.h2}>
          {strings.waiversHeading}
        </h2>
        <div className={classes.row}>
          <Field label={strings.waiverFilterStatus} className={classes.picker}>
            <Select value={status} onChange={(_, d) => setStatus(d.value)}>
              <option value="">{strings.waiverAll}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {strings.waiverStatus[s]}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={strings.waiverFilterTable} className={classes.picker}>
            <Select value={table} onChange={(_, d) => setTable(d.value)}>
              <option value="">{strings.waiverAll}</option>
              {tables.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={strings.expiresOnLabel}>
            <Input type="date" value={expires} onChange={(_, d) => setExpires(d.value)} />
          </Field>
        </div>
        {notice && (
          <MessageBar intent={notice.intent} role={notice.intent === "error" ? "alert" : "status"}>
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
        {waivers.loading && <Spinner size="tiny" label={strings.loading} />}
        {waivers.error && (
          <p role="alert" className={classes.errors}>
            {strings.loadError("the waivers", waivers.error)}
          </p>
        )}
        {!waivers.loading && shown.length === 0 && <p className={classes.muted}>{strings.noWaivers}</p>}
        {shown.length > 0 && (
          <div className={classes.tableWrap}>
            <HeadedTable labelledBy="waivers-heading" columns={[strings.colRule, strings.colTable, strings.colRecord, strings.colReason, strings.colRequestedBy, strings.colStatus, strings.colExpires, strings.colActions]}>
              {shown.map((w) => (
                <TableRow key={w.id}>
                  <TableCell>{w.ruleId}</TableCell>
                  <TableCell>{w.table}</TableCell>
                  <TableCell>{w.recordId}</TableCell>
                  <TableCell>{w.reason}</TableCell>
                  <TableCell>{person(w.ownerId)}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" color={BADGE[w.status]}>
                      {strings.waiverStatus[w.status]}
                    </Badge>
                  </TableCell>
                  <TableCell>{formatDate(w.expiresOn)}</TableCell>
                  <TableCell>
                    <div className={classes.actions}>
                      {w.status === "requested" && (
                        <>
                          <Button size="small" appearance="primary" disabled={busy} aria-label={strings.approveLabel(w.name)} onClick={() => void act(() => props.data.decideWaiver(w.id, "approved", expiresIso, w.etag), strings.decided(strings.waiverStatus.approved.toLowerCase()))}>
                            {strings.approve}
                          </Button>
                          <Button size="small" disabled={busy} aria-label={strings.rejectLabel(w.name)} onClick={() => void act(() => props.data.decideWaiver(w.id, "rejected", null, w.etag), strings.decided(strings.waiverStatus.rejected.toLowerCase()))}>
                            {strings.reject}
                          </Button>
                        </>
                      )}
                      {w.storedStatus === "approved" && (
                        <Button size="small" disabled={busy} aria-label={strings.expireLabel(w.name)} onClick={() => void act(() => props.data.decideWaiver(w.id, "expired", null, w.etag), strings.decided(strings.waiverStatus.expired.toLowerCase()))}>
                          {w.status === "expired" ? strings.markExpired : strings.expireNow}
                        </Button>
                      )}
                    </div>
                  </TableCell>
                </TableRow>
              ))}
            </HeadedTable>
          </div>
        )}
      </section>

      <section aria-labelledby="request-heading" className={classes.section}>
        <h2 id="request-heading" className={classes.h2}>
          {strings.requestHeading}
        </h2>
        <form
          className={classes.section}
          onSubmit={(e) => {
            e.preventDefault();
            setTouched(true);
            if (!valid) return;
            void act(() => props.data.requestWaiver({ ...req, table: reqTable, recordId: req.recordId.trim(), reason: req.reason.trim() }), strings.requestDone).then((ok) => {
              if (!ok) return;
              setReq((r) => ({ ...r, recordId: "", reason: "" }));
              setTouched(false);
            });
          }}
        >
          <div className={classes.row}>
            <Field label={strings.requestTable} className={classes.picker}>
              <Select value={reqTable} onChange={(_, d) => setReq({ ...req, table: d.value, ruleId: "" })}>
                {tables.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={strings.requestRecordId} required validationMessage={touched ? problems.recordId : undefined} className={classes.picker}>
              <Input value={req.recordId} onChange={(_, d) => setReq({ ...req, recordId: d.value })} />
            </Field>
            <Field label={strings.requestRule} required validationMessage={touched ? problems.ruleId : undefined} className={classes.picker}>
              <Select value={req.ruleId} onChange={(_, d) => setReq({ ...req, ruleId: d.value })}>
                <option value="">{strings.ruleRequired}</option>
                {rules.map((r) => (
                  <option key={r.id} value={r.id}>
                    {`${r.title} (${r.id})`}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <Field label={strings.requestReason} required validationMessage={touched ? problems.reason : undefined}>
            <Textarea value={req.reason} onChange={(_, d) => setReq({ ...req, reason: d.value })} resize="vertical" />
          </Field>
          <div className={classes.actions}>
            <Button type="submit" appearance="primary" disabled={busy}>
              {strings.requestSubmit}
            </Button>
          </div>
        </form>
      </section>
    </div>
  );
}
