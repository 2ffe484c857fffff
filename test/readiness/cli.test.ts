import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLE_ANSWERS } from "../../plugins-ts/readiness/questions";
import { runCli, tempFiles } from "../helpers/cli";

const NOW = "2026-11-23T12:00:00Z";

describe("vitals readiness", () => {
  it("assesses the demo organisation with the example answers and writes a printable HTML scorecard", async () => {
    const dir = tempFiles({});
    const html = join(dir, "readiness.html");
    const r = await runCli(["readiness", "--demo", "--size", "600", "--seed", "4", "--now", NOW, "--report", html]);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^AI-readiness scorecard, 2026-11-23$/m);
    expect(r.stdout).toContain("Self-assessment: the documented example answers (no --answers given).");
    expect(r.stdout).toMatch(/^Overall {2}\d+(\.\d)? \/ 100$/m);
    for (const pillar of ["Data foundation", "Process discipline", "Adoption", "Governance", "Activity capture", "Strategy & alignment"]) {
      expect(r.stdout).toMatch(new RegExp(`^${pillar} +\\d+(\\.\\d)?$`, "m"));
    }
    expect(r.stdout).toMatch(/^ {2}Predictive opportunity scoring: (ready|not ready) — \d+ won/m);
    expect(r.stdout).toMatch(/^ {2}Overall AI readiness is \d+(\.\d)? out of 100/m);
    expect(r.stdout).toMatch(/^ {2}This is the first assessment, so there is no change to report\.$/m);
    expect(r.stderr).toMatch(/stored the assessment in vit_readinessassessment \([0-9a-f-]{36}\)/);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<title>CRM Vitals AI readiness 2026-11-23</title>");
    expect(page).toContain("@media print");
    expect(page).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(page).toContain("<caption>Pillar scores and their signals</caption>");
    expect(page).toContain("the documented example answers");
  }, 120_000);

  it("uses the leader's answers from --answers", async () => {
    const answers = Object.fromEntries(Object.keys(EXAMPLE_ANSWERS).map((k) => [k, "no"]));
    const dir = tempFiles({ "answers.json": JSON.stringify(answers) });
    const r = await runCli(["readiness", "--demo", "--size", "300", "--now", NOW, "--no-save", "--answers", join(dir, "answers.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Strategy & alignment +0$/m);
    expect(r.stdout).not.toContain("example answers");
    expect(r.stdout).toContain("Where belief and data disagree: nowhere.");
    expect(r.stderr).not.toContain("stored the assessment");
  }, 120_000);

  it("refuses unclear input with a message naming what is wrong", async () => {
    const dir = tempFiles({ "bad.json": JSON.stringify({ ...EXAMPLE_ANSWERS, "daily-use": "maybe" }), "broken.json": "{" });
    const bad = await runCli(["readiness", "--demo", "--size", "300", "--answers", join(dir, "bad.json")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('question "daily-use" (Everyone in sales works in the CRM every week, not in spreadsheets.) has answer "maybe"');
    const broken = await runCli(["readiness", "--demo", "--answers", join(dir, "broken.json")]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/--answers: .*broken\.json is not valid JSON/);
    const none = await runCli(["readiness"]);
    expect(none.stderr).toContain("name the organisation with --url <org url>, or use --demo");
    const noAnswers = await runCli(["readiness", "--url", "https://contoso.crm.dynamics.com", "--token", "x"]);
    expect(noAnswers.code).toBe(1);
    expect(noAnswers.stderr).toContain("--answers <file> is required with --url");
    const pdf = await runCli(["readiness", "--demo", "--report", "out.pdf"]);
    expect(pdf.stderr).toContain('--report: "out.pdf" must end in .html');
  }, 60_000);
});
