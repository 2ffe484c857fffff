import { BOM, csvCell, csvFileName, toCsv } from "../../plugins-ts/webresources/governance/csv";
import { drillCsv } from "../../plugins-ts/webresources/governance/components/DrillDown";

describe("CSV for Excel", () => {
  it("quotes only what needs quoting and doubles quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(12.5)).toBe("12.5");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(false)).toBe("false");
  });

  it("keeps spreadsheets from running cell text as a formula", () => {
    expect(csvCell("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell("+1 555")).toBe("'+1 555");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(csvCell(-3)).toBe("-3");
  });

  it("starts with a UTF-8 byte-order mark and ends every row with CRLF", () => {
    const text = toCsv(["Name", "Score"], [["Zoë Müller", 91], ["O'Brien, Pat", null]]);
    expect(text.startsWith(BOM)).toBe(true);
    expect(text.slice(1)).toBe('Name,Score\r\nZoë Müller,91\r\n"O\'Brien, Pat",\r\n');
    expect(Buffer.from(text, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it("refuses a row whose length does not match the header, naming the row", () => {
    expect(() => toCsv(["a", "b"], [["1", "2"], ["3"]])).toThrow("CSV row 2 has 1 cells; the header has 2");
  });

  it("names files by what and when", () => {
    expect(csvFileName("records-contact.email.format", new Date("2026-11-23T12:05:00Z"))).toBe("crm-vitals-records-contact-email-format-2026-11-23T1205Z.csv");
  });

  it("writes drill-down rows, with owners only when asked", () => {
    const rows = [{ table: "contact", recordId: "id-1", name: "Ann", score: 61, grade: "D", observed: "ann@", expected: "a valid email", ownerId: "u1" }];
    expect(drillCsv(rows, "contact.email.format", null).slice(1).split("\r\n")[0]).toBe("Table,Record id,Record,Rule,Score,Grade,Observed,Expected");
    const withOwner = drillCsv(rows, "contact.email.format", () => "Jordan Lee").slice(1).split("\r\n");
    expect(withOwner[0].endsWith(",Owner")).toBe(true);
    expect(withOwner[1]).toBe("contact,id-1,Ann,contact.email.format,61,D,ann@,a valid email,Jordan Lee");
  });
});
