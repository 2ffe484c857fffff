/**
 * The one CSV writer every export uses (the CLI's score, audit and dedupe files, the Governance
 * Center's downloads). Pure: no I/O, safe in the browser.
 *
 * RFC 4180 quoting: a field with a comma, quote, CR or LF — or leading/trailing space — is quoted,
 * quotes doubled; CRLF after every row. Formula-safe (OWASP "CSV injection"): text a spreadsheet
 * would run as a formula — starting with =, +, -, @, tab or CR — gets a leading apostrophe, so
 * Excel shows it as text. Numbers are written as numbers (a negative number is not a formula).
 * Files meant for Excel start with a UTF-8 byte-order mark so accents read correctly.
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

/** One row and its CRLF. */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The whole file: BOM, header row, data rows. Every row must have as many cells as the header. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  for (const [i, r] of rows.entries()) {
    if (r.length !== header.length) throw new Error(`CSV row ${i + 1} has ${r.length} cells; the header has ${header.length}`);
  }
  return BOM + csvLine(header) + rows.map(csvLine).join("");
}
