import * as React from "react";
import { Button, Link, Spinner, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import type { RecordLink } from "../connection";
import { csvFileName, downloadCsv, toCsv } from "../csv";
import type { Directory, DrillRow, GovernanceData } from "../data";
import { strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { useLoad } from "./GovernanceCenter/useGovernanceCenter";

export interface DrillDownProps {
  data: GovernanceData;
  table: string;
  ruleId: string;
  ruleTitle: string;
  directory: Directory | null;
  /** Name owners in the list and the export (only when per-person ranking is on). */
  showOwners: boolean;
  linkTo: (table: string, id: string) => RecordLink;
  onClose: () => void;
  onRequestWaiver?: (row: DrillRow) => void;
  now: () => Date;
}

export function drillCsv(rows: readonly DrillRow[], ruleId: string, ownerName: ((id: string | null) => string) | null): string {
  const header = ["Table", "Record id", "Record", "Rule", "Score", "Grade", "Observed", "Expected"];
  if (ownerName) header.push("Owner");
  return toCsv(
    header,
    rows.map((r) => {
      const cells = [r.table, r.recordId, r.name, ruleId, r.score, r.grade, r.observed, r.expected];
      if (ownerName) cells.push(ownerName(r.ownerId));
      return cells;
    }),
  );
}

function RecordAnchor(props: { link: RecordLink; name: string }): React.ReactElement {
  const { link, name } = props;
  if (!link.href && !link.open) return <>{name}</>;
  const onClick = link.open
    ? (e: React.MouseEvent) => {
        e.preventDefault();
        link.open!();
      }
    : undefined;
  return (
    <Link href={link.href ?? undefined} onClick={onClick} target={link.open ? undefined : "_blank"} aria-label={strings.openRecord(name)}>
      {name}
    </Link>
  );
}

/** The records with a failed finding for one rule, linking to each record, exportable as CSV. */
export function DrillDown(props: DrillDownProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { data, table, ruleId } = props;
  const rows = useLoad(() => data.drillDown(table, ruleId), `${table}|${ruleId}`);
  const ownerName = props.showOwners
    ? (id: string | null): string => (id === null ? strings.noneName : (props.directory?.users.get(id.toLowerCase())?.name ?? props.directory?.teams.get(id.toLowerCase()) ?? strings.unknownName(id)))
    : null;
  const list = rows.value ?? [];
  const headingId = "drill-heading";
  return (
    <section aria-labelledby={headingId} className={classes.section}>
      <h3 id={headingId} className={classes.h3}>
        {strings.drillHeading(props.ruleTitle)}
      </h3>
      <div className={classes.actions}>
        <Button
          onClick={() => downloadCsv(csvFileName(`records-${ruleId}`, props.now()), drillCsv(list, ruleId, ownerName))}
          disabled={rows.loading || list.length === 0}
        >
          {strings.exportRecords}
        </Button>
        <Button onClick={props.onClose}>{strings.drillClose}</Button>
      </div>
      {rows.loading && <Spinner size="tiny" label={strings.drillLoading} />}
      {rows.error && (
        <p role="alert" className={classes.errors}>
          {strings.loadError("the records", rows.error)}
        </p>
      )}
      {!rows.loading && !rows.error && (
        <p className={classes.muted} role="status">
          {list.length ? strings.drillCount(list.length) : strings.drillNone}
        </p>
      )}
      {list.length > 0 && (
        <div className={classes.tableWrap}>
          <HeadedTable labelledBy={headingId} columns={[strings.colRecord, strings.colScore, strings.colObserved, strings.colExpected, ownerName && strings.colOwner, props.onRequestWaiver && strings.colActions]}>
            {list.map((r) => (
              <TableRow key={r.recordId}>
                <TableCell>
                  <RecordAnchor link={props.linkTo(r.table, r.recordId)} name={r.name} />
                </TableCell>
                <TableCell className={classes.numberCell}>
                  {r.score ?? ""}
                  {r.grade ? ` (${r.grade})` : ""}
                </TableCell>
                <TableCell>{r.observed}</TableCell>
                <TableCell>{r.expected}</TableCell>
                {ownerName && <TableCell>{ownerName(r.ownerId)}</TableCell>}
                {props.onRequestWaiver && (
                  <TableCell>
                    <Button size="small" onClick={() => props.onRequestWaiver!(r)} aria-label={strings.requestWaiverFor(r.name)}>
                      {strings.requestSubmit}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </HeadedTable>
        </div>
      )}
    </section>
  );
}
