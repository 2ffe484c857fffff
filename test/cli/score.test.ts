import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderRulesMarkdown, defaultRulePack } from "../../plugins-ts/engine";
import type { Command } from "commander";
import { buildProgram } from "../../plugins-ts/cli/main";
import { runCli, tempFiles } from "../helpers/cli";
import { FIXTURES } from "../helpers/records";

interface ScoreDoc {
  records: { index: number; id: string; score: number | null; grade: string | null; findings: { ruleId: string; outcome: string; observed: string; expected: string; message: string; fix: string }[] }[];
  summary: { records: number; rules: { ruleId: string; failed: number; passed: number; notEvaluated: number }[]; assumed: Record<string, unknown> };
}

const FAKE1000 = join(FIXTURES, "splink-fake1000", "fake_1000_from_splink_demos.csv");
const FAKE_MAP = "first_name=firstname,surname=lastname,email=emailaddress1,city=address1_city,dob=birthdate";

describe("vitals score", () => {
  it("finds the 112 empty and 23 malformed emails of splink's fake_1000, and nothing else about emails", async () => {
    const r = await runCli(["score", "--table", "contact", "--in", FAKE1000, "--map", FAKE_MAP, "--id", "unique_id", "--now", "2026-11-23", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ScoreDoc;
    expect(doc.records).toHaveLength(1000);
    const rule = (id: string) => doc.summary.rules.find((x) => x.ruleId === id)!;
    expect(rule("contact.email.required")).toMatchObject({ failed: 112, passed: 888 });
    expect(rule("contact.email.format")).toMatchObject({ failed: 23, passed: 865, notEvaluated: 112 });
    // columns that are not in the file are never failures
    expect(rule("contact.phone.required")).toMatchObject({ failed: 0, passed: 0, notEvaluated: 1000 });
    expect(doc.summary.assumed).toEqual({ statecode: 0 });
    const malformed = doc.records.flatMap((x) => x.findings.filter((f) => f.ruleId === "contact.email.format" && f.outcome === "failed").map((f) => f.observed));
    expect(malformed).toHaveLength(23);
    expect(malformed.every((e) => !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(e))).toBe(true);
    const one = doc.records.find((x) => x.findings.some((f) => f.ruleId === "contact.email.format" && f.outcome === "failed"))!;
    const f = one.findings.find((x) => x.ruleId === "contact.email.format")!;
    expect(f.expected).toBe("a valid email address (name@company.com)");
    expect(f.message).toContain("not a valid address");
  });

  it("reads Febrl's spaced CSV and reports the same numbers as CSV output", async () => {
    const febrl = join(FIXTURES, "febrl", "dataset4a.csv");
    const map = "given_name=firstname,surname=lastname,suburb=address1_city,postcode=address1_postalcode,state=address1_stateorprovince,date_of_birth=birthdate";
    const r = await runCli(["score", "--table", "contact", "--in", febrl, "--map", map, "--id", "rec_id", "--now", "2026-11-23", "--format", "csv"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\r\n");
    expect(lines[0]).toBe("index,id,score,grade,completeness,validity,freshness,consistency,uniqueness,process,engagement,ownership,failed,not_evaluated,failed_rules");
    expect(lines).toHaveLength(5001);
    expect(lines[1]).toMatch(/^1,rec-1070-org,/);
  });

  it("handles a BOM, CRLF line ends and quoted newlines, and keeps line numbers right", async () => {
    const csv = "\uFEFFcontactid,firstname,lastname,emailaddress1,description\r\n1,Maria,García,maria@contoso.com,\"two\r\nlines\"\r\n2,JOHN,SMITH,john@@contoso.com,x\r\n";
    const dir = tempFiles({ "c.csv": csv });
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "c.csv"), "--now", "2026-11-23", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ScoreDoc;
    expect(doc.records.map((x) => x.id)).toEqual(["1", "2"]);
    expect(doc.records[0].findings.filter((f) => f.outcome === "failed")).toEqual([]);
    expect(doc.records[1].findings.filter((f) => f.outcome === "failed").map((f) => f.ruleId).sort()).toEqual(["contact.email.format", "contact.firstname.casing", "contact.lastname.casing"]);
  });

  it("refuses a mapped column the file does not have, naming the file and the column", async () => {
    const dir = tempFiles({ "c.csv": "id,name\n1,x\n" });
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "c.csv"), "--map", "emial=emailaddress1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "c.csv")}: --map names column "emial" not found in the header; the file has: "id", "name"`);
  });

  it("refuses a malformed CSV with the line where it broke", async () => {
    const dir = tempFiles({ "bad.csv": 'firstname,lastname\nMaria,García\n"Jo,Smith\nAnna,Lee\n' });
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "bad.csv")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:\d+: cannot read CSV: .*[Qq]uote/);
  });

  it("reads JSON Lines and Web API responses, with related facts mapped", async () => {
    const dir = tempFiles({
      "o.jsonl": JSON.stringify({ opportunityid: "o1", name: "Fleet", statecode: 0, estimatedclosedate: "2026-10-01", stage: "Develop", since: "2026-05-01T00:00:00Z", owner_ok: "false" }) + "\n",
      "o.json": JSON.stringify({ "@odata.context": "x", value: [{ opportunityid: "o2", name: "test", "name@OData.Community.Display.V1.FormattedValue": "test", statecode: 0 }] }),
    });
    const a = await runCli(["score", "--table", "opportunity", "--in", join(dir, "o.jsonl"), "--map", "stage=@stage,since=@stageEnteredOn,owner_ok=@ownerEnabled", "--now", "2026-11-23", "--format", "json"]);
    expect(a.code).toBe(0);
    const fa = (JSON.parse(a.stdout) as ScoreDoc).records[0].findings;
    const by = (id: string) => fa.find((f) => f.ruleId === id);
    expect(by("opportunity.closedate.not_past")?.outcome).toBe("failed");
    expect(by("opportunity.stage.days")).toMatchObject({ outcome: "failed", observed: "206 days in Develop (since 2026-05-01)" });
    expect(by("opportunity.owner.enabled")?.outcome).toBe("failed");
    const b = await runCli(["score", "--table", "opportunity", "--in", join(dir, "o.json"), "--now", "2026-11-23", "--format", "json"]);
    expect(b.code).toBe(0);
    const rec = (JSON.parse(b.stdout) as ScoreDoc).records[0];
    expect(rec.id).toBe("o2");
    expect(rec.findings.find((f) => f.ruleId === "opportunity.name.placeholder")?.outcome).toBe("failed");
  });

  it("prints a readable table by default", async () => {
    const r = await runCli(["score", "--table", "contact", "--in", FAKE1000, "--map", FAKE_MAP, "--now", "2026-11-23"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Scored 1000 contact record\(s\) with crm-vitals-default@1\.2\.0/);
    expect(r.stdout).toMatch(/contact\.email\.required\s+112\s+888\s+0/);
    expect(r.stdout).toContain("Assumed for every record (not in the file): statecode=0; override with --set.");
  });
});

describe("vitals rules", () => {
  it("validate: exit 0 for a good pack, exit 1 with every error for a bad one", async () => {
    const good = await runCli(["rules", "validate", join(__dirname, "..", "..", "plugins-ts", "engine", "packs", "default.json")]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid — crm-vitals-default 1\.2\.0, \d+ rules \(account 21, contact 21, lead 21, opportunity 18\)/);
    const bad = { id: "x", name: "x", version: "1", rules: [{ id: "contact.a", table: "contact", title: "t", dimension: "speed", severity: "high", weight: 1, check: { type: "nope" }, message: "m", fix: "f" }] };
    const dir = tempFiles({ "bad.json": JSON.stringify(bad) });
    const r = await runCli(["rules", "validate", join(dir, "bad.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid rule pack, 3 error(s)");
    expect(r.stderr).toContain("at $.version: must match");
    expect(r.stderr).toContain('rule "contact.a" at $.rules[0].dimension: must be one of "completeness"');
    expect(r.stderr).toContain('rule "contact.a" at $.rules[0].check: unknown check type "nope"');
  });

  it("score refuses an invalid --pack as a whole", async () => {
    const dir = tempFiles({ "p.json": '{"id":"x","name":"x","version":"1.0.0","rules":[{"id":"contact.a"}]}', "c.csv": "lastname\nx\n" });
    const r = await runCli(["score", "--table", "contact", "--in", join(dir, "c.csv"), "--pack", join(dir, "p.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.json is invalid \(\d+ errors\); it was refused as a whole/);
  });

  it("list shows every rule of a table with what it expects", async () => {
    const r = await runCli(["rules", "list", "--table", "opportunity"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/opportunity\.stage\.exit_criteria\s+process\s+critical\s+w5\s+the exit criteria of every earlier stage met/);
  });

  it("every command and subcommand has a useful --help", () => {
    // Walk the real program: a new command without a description or with undocumented options fails here.
    const visit = (cmd: Command, path: string[]): void => {
      const help = cmd.helpInformation();
      expect({ path: path.join(" "), usage: help.startsWith(`Usage: ${["vitals", ...path].join(" ")}`) }).toEqual({ path: path.join(" "), usage: true });
      if (path.length) expect({ path: path.join(" "), description: cmd.description().length > 10 }).toEqual({ path: path.join(" "), description: true });
      for (const o of cmd.options) expect({ path: path.join(" "), option: o.flags, documented: (o.description ?? "").length > 3 }).toEqual({ path: path.join(" "), option: o.flags, documented: true });
      for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
    };
    const program = buildProgram();
    visit(program, []);
    expect(program.commands.map((c) => c.name()).sort()).toEqual(expect.arrayContaining(["audit", "dedupe", "demo", "emulator", "rules", "score", "solution"]));
  });

  it("--help works from the shell too", async () => {
    for (const args of [["--help"], ["audit", "--help"], ["rules", "validate", "--help"]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: vitals/);
    }
  });

  it("docs/rules.md is the generated documentation of the default pack", () => {
    const committed = readFileSync(join(__dirname, "..", "..", "docs", "rules.md"), "utf8");
    expect(committed).toBe(renderRulesMarkdown(defaultRulePack()));
  });
});
