// `vitals dedupe` without --map: Dataverse headers are used as they are, common export headers
// are recognised, the mapping chosen and the columns ignored are printed, --map still overrides,
// and a file with nothing usable is refused with its headers and the usable columns.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { generateContacts } from "../../bench/dedupe/generate";
import { guessMapping, headerKey } from "../../plugins-ts/cli/io/columnGuess";
import { runCli, tempFiles } from "../helpers/cli";

const COLUMNS = ["firstname", "lastname", "emailaddress1", "telephone1", "address1_line1", "address1_city", "address1_postalcode", "birthdate"];
const quote = (v: string | null): string => (v == null ? "" : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** 300 generated contacts plus one planted pair (p1, p2), under the given headers (id first, then COLUMNS, then "extra"). */
function contactsCsv(header: string[]): string {
  const rows: (string | null)[][] = generateContacts(300, 7).records.map((r) => [r.id, ...COLUMNS.map((c) => (r.values[c] as string | null) ?? null), "note"]);
  rows.push(["p1", "Bill", "Öztürk", "bill.ozturk@contoso.com", "(415) 555-0199", "12 Main St", "Springfield", "62701", "1980-03-12", "vip"]);
  rows.push(["p2", "William", "Ozturk", "Bill.Ozturk@contoso.com", "+1 415 555 0199", "12 Main Street", "Springfield", "62701", null, ""]);
  return [header, ...rows].map((r) => r.map(quote).join(",")).join("\n") + "\n";
}

function plantedPair(file: string): Record<string, string> | undefined {
  return parse<Record<string, string>>(readFileSync(file, "utf8"), { columns: true }).find((p) => [p.left_id, p.right_id].sort().join() === "p1,p2");
}

describe("vitals dedupe maps columns itself", () => {
  it("uses Dataverse column names as they are: --table contact --in x.csv --id contactid --out pairs.csv", async () => {
    const dir = tempFiles({ "x.csv": contactsCsv(["contactid", ...COLUMNS, "description"]) });
    const r = await runCli(["dedupe", "--table", "contact", "--in", join(dir, "x.csv"), "--id", "contactid", "--out", join(dir, "pairs.csv"), "--no-progress"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`columns of ${join(dir, "x.csv")} (no --map): ${COLUMNS.join(", ")}; ignored: "description"`);
    expect(r.stdout).toMatch(/^records: 302$/m);
    expect(plantedPair(join(dir, "pairs.csv"))?.match).toBe("match");
  }, 120_000);

  it("recognises common export headers case- and space-insensitively, and ignores what the table does not compare", async () => {
    const header = ["Contact ID", "First Name", "LAST NAME", "E-mail", "Business Phone", "Address 1: Street 1", "city", "ZIP/Postal Code", "Birthday", "Company"];
    const dir = tempFiles({ "export.csv": contactsCsv(header) });
    const r = await runCli(["dedupe", "--table", "contact", "--in", join(dir, "export.csv"), "--id", "Contact ID", "--out", join(dir, "pairs.csv"), "--no-progress"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `(no --map): "First Name" → firstname, "LAST NAME" → lastname, "E-mail" → emailaddress1, "Business Phone" → telephone1, "Address 1: Street 1" → address1_line1, "city" → address1_city, "ZIP/Postal Code" → address1_postalcode, "Birthday" → birthdate; ignored: "Company"`,
    );
    expect(plantedPair(join(dir, "pairs.csv"))?.match).toBe("match");
  }, 120_000);

  it("--map still overrides, and nothing is guessed", async () => {
    const dir = tempFiles({ "x.csv": contactsCsv(["contactid", ...COLUMNS, "description"]) });
    const r = await runCli(["dedupe", "--table", "contact", "--in", join(dir, "x.csv"), "--id", "contactid", "--map", "description=lastname", "--out", join(dir, "pairs.csv"), "--no-progress"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("no --map");
    expect(r.stdout).toMatch(/^fields compared: lastName$/m);
  }, 120_000);

  it("refuses a file it cannot map, listing its headers and the columns that could be used", async () => {
    const dir = tempFiles({ "odd.csv": "ref,colour,size\n1,red,L\n2,blue,M\n" });
    const r = await runCli(["dedupe", "--table", "contact", "--in", join(dir, "odd.csv"), "--id", "ref", "--out", join(dir, "pairs.csv")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "odd.csv")}: none of the headers can be used to find contact duplicates, so pass --map header=column.`);
    expect(r.stderr).toContain('The file has: "ref", "colour", "size".');
    expect(r.stderr).toMatch(/Columns that could be used: firstname, lastname, emailaddress1, .*birthdate/);
  }, 120_000);
});

describe("guessMapping", () => {
  it("maps per table: Company is a lead's companyname and an account's name", () => {
    const headers = ["id", "Company", "Website", "Account Name"];
    expect(guessMapping("lead", headers, "id", "f").used).toEqual([{ header: "Company", column: "companyname" }, { header: "Website", column: "websiteurl" }]);
    expect(guessMapping("account", headers, "id", "f")).toMatchObject({
      used: [{ header: "Company", column: "name" }, { header: "Website", column: "websiteurl" }],
      ignored: [{ header: "Account Name", why: 'name already comes from "Company"' }],
    });
  });

  it("normalises headers by dropping case, spaces and punctuation", () => {
    expect(headerKey(" ZIP/Postal Code ")).toBe("zippostalcode");
    expect(headerKey("address1_city")).toBe("address1city");
  });
});
