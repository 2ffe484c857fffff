/**
 * CSV for Excel: RFC 4180 quoting (fields with a comma, quote, CR or LF — or leading/trailing
 * space — are quoted, quotes doubled), CRLF line ends, and a UTF-8 byte-order mark so Excel reads
 * names with accents correctly. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * at the start) is prefixed with an apostrophe; numbers are written as numbers.
 */
export type CsvCell = string | number | boolean | null | undefined;

export const BOM = "\uFEFF";

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let text = value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: BOM, header row, data rows, CRLF after every row. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  for (const [i, r] of rows.entries()) {
    if (r.length !== header.length) throw new Error(`CSV row ${i + 1} has ${r.length} cells; the header has ${header.length}`);
  }
  const lines = [header.map(csvCell).join(","), ...rows.map((r) => r.map(csvCell).join(","))];
  return BOM + lines.map((l) => `${l}\r\n`).join("");
}

/** Offers the text as a download (a Blob link clicked once). */
export function downloadCsv(fileName: string, text: string, doc: Document = document): void {
  const blob = new Blob([text], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = doc.createElement("a");
  a.href = url;
  a.download = fileName;
  a.style.display = "none";
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `crm-vitals-<what>-2026-11-23T1200Z.csv` */
export function csvFileName(what: string, when: Date): string {
  const stamp = when.toISOString().slice(0, 16).replace(/:/g, "") + "Z";
  return `crm-vitals-${what.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${stamp}.csv`;
}
