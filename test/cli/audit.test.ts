import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempFiles } from "../helpers/cli";

describe("vitals audit", () => {
  it("audits the demo organisation and writes an HTML report and a CSV of records with findings", async () => {
    const dir = tempFiles({});
    const html = join(dir, "audit.html");
    const a = await runCli(["audit", "--demo", "--size", "600", "--seed", "4", "--now", "2026-11-23T12:00:00Z", "--report", html]);
    expect(a.stderr).not.toMatch(/failed/);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^Audit completed: full run [0-9a-f-]{36} with crm-vitals-default@1\.2\.0/m);
    expect(a.stdout).toMatch(/^Organisation score \d+(\.\d)? over \d+ records/m);
    expect(a.stdout).toMatch(/^Most frequent findings:/m);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<title>CRM Vitals audit 2026-11-23</title>");
    expect(page).toMatch(/<caption>Score by table<\/caption>/);
    expect(page).toContain("Figures per person are not shown");
    expect(page).not.toMatch(/<script/i);

    const csv = join(dir, "findings.csv");
    const b = await runCli(["audit", "--demo", "--size", "600", "--seed", "4", "--now", "2026-11-23T12:00:00Z", "--tables", "contact", "--report", csv]);
    expect(b.code).toBe(0);
    const lines = readFileSync(csv, "utf8").replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0]).toBe("table,record_id,name,score,grade,failed_findings,top_issue,failed_rules,owner_id,scored_on");
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.slice(1).every((l) => l.startsWith("contact,"))).toBe(true);
  }, 120_000);

  it("refuses unclear input with a clear message and exit code 1", async () => {
    const none = await runCli(["audit"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("name the organisation with --url <org url>, or use --demo");
    const bad = await runCli(["audit", "--demo", "--report", "out.pdf"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--report: "out.pdf" must end in .html or .csv');
    const auth = await runCli(["audit", "--url", "https://contoso.crm.dynamics.com"]);
    expect(auth.code).toBe(1);
    expect(auth.stderr).toMatch(/vitals: .*(token|sign-in|credential|--azure-cli)/i);
  }, 60_000);

  it("refuses a rule pack that does not validate before touching the organisation", async () => {
    const dir = tempFiles({ "p.json": '{"id":"x","name":"x","version":"1.0.0","rules":[{"id":"contact.a"}]}' });
    const r = await runCli(["audit", "--demo", "--size", "300", "--pack", join(dir, "p.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.json is invalid \(\d+ errors\); it was refused as a whole/);
  }, 60_000);
});
