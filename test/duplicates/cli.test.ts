import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { main } from "../../plugins-ts/cli/main";
import { CSV_PAGE_SIZE, readCsvRecords, parseMapping, writePairs } from "../../plugins-ts/cli/commands/dedupe";
import { deduplicate } from "../../plugins-ts/engine/duplicates";
import { generateContacts } from "../../bench/dedupe/generate";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vitals-dedupe-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = jest.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = jest.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(["node", "vitals", ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function csv(rows: (string | null)[][]): string {
  return rows.map((r) => r.map((v) => (v == null ? "" : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(", ")).join("\r\n");
}

const HEADER = ["id", "first", "last", "email", "phone", "street", "city", "zip", "dob"];
const MAP = "first=firstname,last=lastname,email=emailaddress1,phone=telephone1,street=address1_line1,city=address1_city,zip=address1_postalcode,dob=birthdate";

function generatedRows(n: number, seed: number): (string | null)[][] {
  return generateContacts(n, seed).records.map((r) => [
    r.id,
    ...["firstname", "lastname", "emailaddress1", "telephone1", "address1_line1", "address1_city", "address1_postalcode", "birthdate"].map((c) => (r.values[c] as string | null) ?? null),
  ]);
}

describe("vitals dedupe", () => {
  it("deduplicates one CSV (BOM, CRLF, quoted newlines, spaces after commas) and explains the pairs", async () => {
    const rows = generatedRows(400, 3);
    rows.push(["x1", "Bill", "Öztürk", "bill.ozturk@contoso.com", "(415) 555-0199", "12 Main St.,\nUnit 4", "Springfield", "62701", "1980-03-12"]);
    rows.push(["x2", "William", "Ozturk", "Bill.Ozturk@contoso.com", "+1 415 555 0199", "12 Main Street, Unit 4", "Springfield", "62701", null]);
    const file = join(dir, "contacts.csv");
    writeFileSync(file, `\uFEFF${csv([HEADER, ...rows])}\r\n`);
    const out = join(dir, "pairs.csv");
    const { code, out: stdout } = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", MAP, "--out", out, "--no-progress"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^records: 402$/m);
    expect(stdout).toMatch(/^candidate pairs compared: \d+ \(of 80601 possible\)$/m);
    expect(stdout).toMatch(/^matches: \d+, near-misses: \d+, clusters: \d+$/m);
    const text = readFileSync(out, "utf8");
    expect(text.split(/\r?\n/)[0]).toBe("left_id,right_id,score,match,explanation");
    const pairs = parse<Record<string, string>>(text, { columns: true });
    const planted = pairs.find((p) => p.left_id === "x1" && p.right_id === "x2")!;
    expect(planted.match).toBe("match");
    expect(Number(planted.score)).toBeGreaterThan(0.9);
    expect(planted.explanation).toContain("firstname close 0.95 (nickname: bill = william (william))");
    expect(planted.explanation).toContain("email exact");
    expect(pairs.every((p) => p.match === "match" || p.match === "near-miss")).toBe(true);
    expect(pairs.filter((p) => p.match === "match").length).toBeGreaterThan(40);
  });

  it("links a second file to the first", async () => {
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    writeFileSync(a, csv([HEADER, ...generatedRows(300, 5)]));
    writeFileSync(
      b,
      csv([
        ["ref", "first", "last", "email", "phone"],
        ["n1", "Someone", "Unrelated", "nobody@nowhere.example", null],
      ]),
    );
    const out = join(dir, "links.csv");
    const { code, out: stdout } = await run([
      "dedupe", "--table", "contact", "--table-b", "lead", "--in", a, "--in", b, "--id", "id", "--id-b", "ref", "--map", MAP,
      "--map-b", "first=firstname,last=lastname,email=emailaddress1,phone=telephone1", "--out", out, "--no-progress",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^records: 300 \+ 1$/m);
    expect(stdout).toMatch(/of 300 possible/);
  });

  it("reads a file larger than a page in pages and reports what one array would", async () => {
    const rows = generatedRows(CSV_PAGE_SIZE + 700, 11);
    const file = join(dir, "large.csv");
    writeFileSync(file, csv([HEADER, ...rows]));
    const out = join(dir, "large-pairs.csv");
    const { code, out: stdout } = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", MAP, "--out", out, "--no-progress"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^records: ${rows.length}$`, "m"));
    // the same records matched from one array write the same pairs file, byte for byte
    const whole = join(dir, "large-whole.csv");
    await writePairs(whole, deduplicate({ table: "contact", records: await readCsvRecords(file, "id", parseMapping(MAP)) }));
    expect(readFileSync(out, "utf8")).toBe(readFileSync(whole, "utf8"));
    expect(readFileSync(out, "utf8").split("\n").length).toBeGreaterThan(100);
  }, 180_000);

  it("finds an id repeated in a later page", async () => {
    const rows = generatedRows(CSV_PAGE_SIZE + 10, 12);
    rows.push([rows[3][0], "Ann", "Again", null, null, null, null, null, null]);
    const file = join(dir, "repeated.csv");
    writeFileSync(file, csv([HEADER, ...rows]));
    const { code, err } = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", MAP, "--out", join(dir, "r.csv"), "--no-progress"]);
    expect(code).toBe(1);
    expect(err).toContain(`${file}: id "${rows[3][0]}" appears more than once in column "id"`);
  });

  it("names the file and column when a mapped column is missing", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "id,first\n1,Ann\n");
    const { code, err } = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", "first=firstname,surname=lastname", "--out", join(dir, "x.csv"), "--no-progress"]);
    expect(code).toBe(1);
    expect(err).toContain(`${file}: no column "surname" (columns are: id, first)`);
  });

  it("refuses bad options with a clear message", async () => {
    const file = join(dir, "ok.csv");
    writeFileSync(file, "id,first\n1,Ann\n1,Anne\n");
    const dupId = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", "first=firstname", "--out", join(dir, "x.csv"), "--no-progress"]);
    expect(dupId.err).toContain(`id "1" appears more than once`);
    const badMap = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", "first", "--out", join(dir, "x.csv")]);
    expect(badMap.err).toContain(`--map entry "first" is not of the form source=column`);
    const badThreshold = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", "first=firstname", "--out", join(dir, "x.csv"), "--threshold", "2"]);
    expect(badThreshold.err).toContain("--threshold must be a number between");
    const badRegion = await run(["dedupe", "--table", "contact", "--in", file, "--id", "id", "--map", "first=firstname", "--out", join(dir, "x.csv"), "--region", "XX"]);
    expect(badRegion.err).toContain(`--region must be a two-letter country code libphonenumber knows`);
    const missing = await run(["dedupe", "--table", "contact", "--in", join(dir, "nope.csv"), "--id", "id", "--map", "first=firstname", "--out", join(dir, "x.csv")]);
    expect(missing.err).toContain("nope.csv: file not found");
    expect(missing.code).toBe(1);
  });
});
