/**
 * Downloads of the Governance Center's tables. The CSV text itself comes from the product's one
 * CSV writer (plugins-ts/export/csv.ts: RFC 4180, formula-safe, BOM for Excel).
 */
export { BOM, csvCell, toCsv, type CsvCell } from "../../export/csv";

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
