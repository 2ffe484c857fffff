/** `vitals capture` and `vitals digest` as an admin runs them, on the demo organisation and mailboxes. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempFiles } from "../helpers/cli";

describe("vitals capture", () => {
  it("reports the gap per contact in words, with progress on stderr, and logs with --log", async () => {
    const dir = tempFiles({});
    const r = await runCli(["capture", "--demo", "--size", "400", "--seed", "4", "--now", "2026-11-23", "--json", join(dir, "gap.json")]);
    expect(r.stderr).toMatch(/vitals: comparing \d+ contacts of \d+ owners with their mailboxes \(last 30 days\)/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/not in Dynamics\s+\d+ emails and \d+ meetings/);
    expect(r.stdout).toMatch(/skipped\s+Lena Hoffmann: .*no Exchange Online mailbox \(MailboxNotEnabledForRESTAPI\)/);
    expect(r.stdout).toMatch(/^ {2}\S.* \(.+\): (\d+ emails?|\d+ meetings?)( and \d+ meetings?)? in the last 30 days (is|are) not in Dynamics$/m);
    expect(r.stdout).toContain("Run again with --log");
    // The JSON report holds ids and counts, never subjects or addresses.
    const json = readFileSync(join(dir, "gap.json"), "utf8");
    const data = JSON.parse(json) as { results: Array<Record<string, unknown>> };
    expect(Object.keys(data.results[0]).sort()).toEqual(["contactId", "lastUnloggedOn", "loggedEmails", "loggedMeetings", "ownerId", "unloggedEmails", "unloggedMeetings"]);
    expect(json).not.toMatch(/@/);

    const logged = await runCli(["capture", "--demo", "--size", "400", "--seed", "4", "--now", "2026-11-23", "--log", "--no-progress"]);
    expect(logged.code).toBe(0);
    expect(logged.stdout).toMatch(/logged now\s+\d+ emails and \d+ meetings/);
    expect(logged.stdout).toMatch(/not in Dynamics\s+no mail or meetings/);
  });

  it("refuses bad options with a clear message", async () => {
    const r = await runCli(["capture", "--demo", "--days", "0"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--days: "0" is not a whole number from 1 to 365');
    const t = await runCli(["capture", "--url", "https://contoso.crm.dynamics.com", "--token", "abc"]);
    expect(t.code).not.toBe(0);
    expect(t.stderr).toContain("--token is a Dataverse token; Microsoft Graph needs its own: add --graph-token");
  });
});

describe("vitals digest", () => {
  it("sends the governance digest and each owner's digest through Graph, and writes the HTML with --out", async () => {
    const dir = tempFiles({});
    const r = await runCli(["digest", "--demo", "--size", "300", "--now", "2026-11-23", "--recipients", "priya.raman@contoso.onmicrosoft.com; owners", "--out", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Digests sent from priya\.raman@contoso\.onmicrosoft\.com: \d+$/m);
    expect(r.stdout).toMatch(/governance {2}priya\.raman@contoso\.onmicrosoft\.com {2}CRM Vitals governance digest: score \d/);
    expect(r.stdout).toMatch(/owner {2,}\S+@contoso\.onmicrosoft\.com {2}CRM Vitals: \d+ of your records need attention/);
    expect(r.stdout).toMatch(/the user is disabled/);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(3);
    const html = readFileSync(join(dir, files[0]), "utf8");
    expect(html).toMatch(/<table/);
    expect(html).not.toMatch(/<script/i);
  });

  it("sends nothing when recipients are not listed", async () => {
    const dir = join(tempFiles({}), "none");
    const r = await runCli(["digest", "--demo", "--size", "200", "--recipients", " ", "--out", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No digest sent: vit_DigestRecipients lists no recipient.");
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
