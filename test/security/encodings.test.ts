/**
 * Input encodings: never a silent U+FFFD. Latin-1 (Windows-1252) is detected and said; UTF-16 and
 * BOMs are honoured; bytes that fit no encoding are refused with the offset and --encoding named.
 */
import { join } from "node:path";
import { readRecords, type ReadRecordsOptions } from "../../plugins-ts/cli/io/records";
import { runCli, tempFiles } from "../helpers/cli";

const TEXT = "contactid,firstname,lastname\r\nc1,Jürgen,Müller\r\nc2,Zoë,Ångström\r\n";
const latin1 = Buffer.from(TEXT, "latin1");
const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, "utf16le")]);
const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, "utf16le").swap16()]);
const utf8bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, "utf8")]);
const utf16noBom = Buffer.from(TEXT, "utf16le");

async function names(file: string, over: Partial<ReadRecordsOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readRecords({ file, table: "contact", ...over })) out.push(`${String(r.record.values.firstname)} ${String(r.record.values.lastname)}`);
  return out;
}

describe("input encodings", () => {
  const dir = tempFiles({ "latin1.csv": latin1, "utf16le.csv": utf16le, "utf16be.csv": utf16be, "utf8bom.csv": utf8bom, "utf16.csv": utf16noBom });
  const expected = ["Jürgen Müller", "Zoë Ångström"];

  it.each(["latin1.csv", "utf16le.csv", "utf16be.csv", "utf8bom.csv", "utf16.csv"])("reads %s without replacing a character", async (f) => {
    const got = await names(join(dir, f));
    expect(got).toEqual(expected);
    expect(got.join("")).not.toContain("\uFFFD");
  });

  it("says when it reads a file as Windows-1252, and scores the names correctly", async () => {
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "latin1.csv"), "--format", "json", "--now", "2026-11-23", "--no-progress"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/latin1\.csv is not valid UTF-8; reading it as Windows-1252 \(Latin-1\).*--encoding/);
    expect(r.stdout).not.toContain("\uFFFD");
  }, 60_000);

  it("refuses a Latin-1 file declared as UTF-8, naming the offset and --encoding", async () => {
    await expect(names(join(dir, "latin1.csv"), { encoding: "utf-8" })).rejects.toThrow(/latin1\.csv: bytes near offset \d+ are not valid UTF-8; nothing was replaced.*--encoding/);
  });

  it("refuses invalid UTF-8 found after the first 64 KB instead of mixing encodings", async () => {
    const rows = Array.from({ length: 8000 }, (_, i) => `c${i},Ann,Lee`).join("\n");
    const mixed = Buffer.concat([Buffer.from(`contactid,firstname,lastname\n${rows}\n`), Buffer.from("cz,J\xfcrgen,M\xfcller\n", "latin1")]);
    expect(mixed.length).toBeGreaterThan(64 * 1024);
    const d = tempFiles({ "mixed.csv": mixed });
    await expect(names(join(d, "mixed.csv"))).rejects.toThrow(/mixed\.csv: bytes near offset \d+ are not valid UTF-8 \(the first 64 KB were, so the file mixes encodings\).*--encoding/);
    expect((await names(join(d, "mixed.csv"), { encoding: "windows-1252" })).at(-1)).toBe("Jürgen Müller");
  });

  it("refuses an unknown --encoding with the choices", async () => {
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "latin1.csv"), "--encoding", "ebcdic", "--no-progress"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--encoding: "ebcdic" is not supported; use utf-8, utf-16le, utf-16be or windows-1252 (latin1)');
  }, 60_000);
});
