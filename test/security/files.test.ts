/**
 * Files are written whole or not at all, and exports are formula-safe: what a user of `vitals score`
 * and `vitals dedupe` notices when input is bad or a cell holds a formula.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeStreamAtomic } from "../../plugins-ts/cli/io/atomic";
import { csvCell, csvLine, toCsv } from "../../plugins-ts/export/csv";
import { runCli, tempFiles } from "../helpers/cli";

const GOOD = ["contactid,firstname,lastname,emailaddress1", ...Array.from({ length: 30 }, (_, i) => `id-${i},Ann,Lee,ann${i}@contoso.com`)].join("\n") + "\n";

describe("files are written whole or not at all", () => {
  it("a failed `score --out` leaves the earlier file untouched, says so, and leaves no temporary file", async () => {
    const dir = tempFiles({ "good.csv": GOOD, "bad.csv": GOOD + 'id-x,"unterminated,Lee,x@contoso.com\n' });
    const out = join(dir, "scores.json");
    const first = await runCli(["score", "--table", "contact", "--in", join(dir, "good.csv"), "--format", "json", "--out", out, "--now", "2026-11-23", "--no-progress"]);
    expect(first.code).toBe(0);
    const before = readFileSync(out, "utf8");
    expect((JSON.parse(before) as { records: unknown[] }).records).toHaveLength(30);

    const second = await runCli(["score", "--table", "contact", "--in", join(dir, "bad.csv"), "--format", "json", "--out", out, "--now", "2026-11-23", "--no-progress"]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/bad\.csv:\d+: cannot read CSV/);
    expect(second.stderr).toContain(`nothing was written: ${out} was not changed`);
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(["bad.csv", "good.csv", "scores.json"]);
  }, 60_000);

  it("a failed first run creates no file at all", async () => {
    const dir = tempFiles({ "bad.csv": GOOD.replace("id-3,Ann", 'id-3,"Ann') });
    const out = join(dir, "scores.csv");
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "bad.csv"), "--format", "csv", "--out", out, "--no-progress"]);
    expect(r.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["bad.csv"]);
  }, 60_000);

  it("an empty input file is refused rather than scored as nothing", async () => {
    const dir = tempFiles({ "empty.csv": "", "header.csv": "contactid,firstname\n" });
    for (const f of ["empty.csv", "header.csv"]) {
      const r = await runCli(["score", "--table", "contact", "--in", join(dir, f), "--no-progress"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${f}: the file holds no records`);
    }
  }, 60_000);

  it("the helpers keep the previous content when the producer fails, and replace it when it succeeds", async () => {
    const dir = tempFiles({ "report.html": "old" });
    const target = join(dir, "report.html");
    await expect(
      writeStreamAtomic(target, async (write) => {
        await write("half a report");
        throw new Error("the data source went away");
      }),
    ).rejects.toThrow(`the data source went away (nothing was written: ${target} was not changed)`);
    expect(readFileSync(target, "utf8")).toBe("old");
    await writeFileAtomic(target, "new");
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["report.html"]);
    // A target in a folder that does not exist fails with the reason.
    await expect(writeFileAtomic(join(dir, "missing", "x.csv"), "x")).rejects.toThrow(/ENOENT.*was not changed/);
  });
});

describe("one formula-safe CSV writer", () => {
  it("prefixes text a spreadsheet would run, keeps numbers, quotes per RFC 4180", () => {
    expect(["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "\rx"].map(csvCell)).toEqual(["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "\"'\rx\""]);
    expect([-5, 0, 12.5].map(csvCell)).toEqual(["-5", "0", "12.5"]);
    expect(csvLine(['=HYPERLINK("http://evil","x")', "a,b"])).toBe(`"'=HYPERLINK(""http://evil"",""x"")","a,b"\r\n`);
    expect(toCsv(["a"], [["=x"]])).toBe("\uFEFFa\r\n'=x\r\n");
  });

  it("`vitals score --format csv` writes a formula-looking id as text", async () => {
    const dir = tempFiles({ "in.csv": 'contactid,firstname,lastname\n"=HYPERLINK(""http://evil"",""x"")",Ann,Lee\n@cmd,Bo,Li\n' });
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "in.csv"), "--format", "csv", "--now", "2026-11-23", "--no-progress"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\r\n");
    expect(rows[1]).toMatch(/^1,"'=HYPERLINK\(""http:\/\/evil"",""x""\)",/);
    expect(rows[2]).toMatch(/^2,'@cmd,/);
  }, 60_000);

  it("`vitals dedupe` writes pairs.csv through the same writer", async () => {
    const people = "id,first,last,email\n=1,Ann,Lee,ann@contoso.com\n=2,Ann,Lee,ann@contoso.com\n";
    const dir = tempFiles({ "p.csv": people });
    const out = join(dir, "pairs.csv");
    writeFileSync(out, "previous");
    const r = await runCli(["dedupe", "--table", "contact", "--in", join(dir, "p.csv"), "--id", "id", "--map", "first=firstname,last=lastname,email=emailaddress1", "--out", out]);
    expect(r.code).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.startsWith("left_id,right_id,score,match,explanation\r\n")).toBe(true);
    expect(text).toMatch(/\r\n'=\d,'=\d,/);
  }, 60_000);
});
