/**
 * A Fluent v9 table with its header row: the one way the Governance Center lays out a table of
 * rows. Columns are given as their header text; an optional column is `false`/`null` (left out, as
 * its cells are), a numeric one `{ text, numeric: true }` (right-aligned like its cells). The table
 * is named by the heading whose id is `labelledBy`, or by `label` — one of them, so a screen
 * reader announces what the table is.
 *
 * Children are the body's rows (`TableRow`s).
 */
import * as React from "react";
import { Table, TableBody, TableHeader, TableHeaderCell, TableRow } from "@fluentui/react-components";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

export type HeadedColumn = string | { text: string; numeric?: boolean } | false | null | undefined;

export type HeadedTableProps = ({ labelledBy: string; label?: undefined } | { label: string; labelledBy?: undefined }) & {
  columns: readonly HeadedColumn[];
  /** Default "small", as every Governance Center table. */
  size?: "extra-small" | "small" | "medium";
  /** Columns as wide as their content (table-layout auto) rather than equal; default true. */
  fitContent?: boolean;
  children: React.ReactNode;
};

export function HeadedTable(props: HeadedTableProps): JSX.Element {
  const classes = useGovernanceCenterStyles();
  const columns = props.columns.filter((c): c is string | { text: string; numeric?: boolean } => c !== false && c !== null && c !== undefined);
  return (
    <Table size={props.size ?? "small"} aria-labelledby={props.labelledBy} aria-label={props.label} className={props.fitContent === false ? undefined : classes.autoTable}>
      <TableHeader>
        <TableRow>
          {columns.map((c, i) =>
            typeof c === "string" ? (
              <TableHeaderCell key={i}>{c}</TableHeaderCell>
            ) : (
              <TableHeaderCell key={i} className={c.numeric ? classes.numberCell : undefined}>
                {c.text}
              </TableHeaderCell>
            ),
          )}
        </TableRow>
      </TableHeader>
      <TableBody>{props.children}</TableBody>
    </Table>
  );
}
