/**
 * Digests against the Dataverse emulator with the demo organisation: what collectDigest reads after
 * real audits, the recipients' list, and sendDigests with a fake MailSender.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit, type AuditResult } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import type { DataverseGateway } from "../../plugins-ts/dataverse/gateway";
import {
  DigestSendError,
  collectDigest,
  parseDigestRecipients,
  readDigestSettings,
  renderGovernanceDigest,
  sendDigests,
  type DigestData,
  type DigestMessage,
  type MailSender,
} from "../../plugins-ts/graph/digest";
import { gatewayFor } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const LATER = new Date("2026-11-30T12:00:00Z");
const TABLES = ["account", "contact", "lead", "opportunity"];

interface OpenRows {
  count: number;
  findings: number;
  minScore: number;
}

/** Health rows with open findings per owner, read straight from the emulator's store. */
function openByOwner(emu: EmulatorHandle): Map<string, OpenRows> {
  const out = new Map<string, OpenRows>();
  for (const h of emu.store.rows("vit_recordhealth")) {
    if (h.statecode !== 0 || typeof h.vit_findingcount !== "number" || h.vit_findingcount <= 0) continue;
    const owner = String(h._ownerid_value).toLowerCase();
    const o = out.get(owner) ?? { count: 0, findings: 0, minScore: Infinity };
    o.count++;
    o.findings += h.vit_findingcount;
    o.minScore = Math.min(o.minScore, typeof h.vit_score === "number" ? h.vit_score : -1);
    out.set(owner, o);
  }
  return out;
}

class FakeSender implements MailSender {
  calls: { from: string; message: DigestMessage }[] = [];
  constructor(private readonly failFor: (to: string) => string | undefined = () => undefined) {}
  sendMail(from: string, message: DigestMessage): Promise<void> {
    const to = message.toRecipients[0].emailAddress.address;
    const failure = this.failFor(to);
    if (failure) return Promise.reject(new Error(failure));
    this.calls.push({ from, message });
    return Promise.resolve();
  }
}

describe("parseDigestRecipients", () => {
  it("reads addresses and the owners keyword, separated by ; or , and de-duplicated case-insensitively", () => {
    expect(parseDigestRecipients(" Priya.Raman@contoso.com; owners ,ops@contoso.com;priya.raman@CONTOSO.com; ")).toEqual({
      addresses: ["Priya.Raman@contoso.com", "ops@contoso.com"],
      owners: true,
    });
    expect(parseDigestRecipients("OWNERS")).toEqual({ addresses: [], owners: true });
  });

  it("means nothing to send when empty or null", () => {
    expect(parseDigestRecipients(null)).toEqual({ addresses: [], owners: false });
    expect(parseDigestRecipients("  ;, ")).toEqual({ addresses: [], owners: false });
  });

  it("names an invalid entry and its position", () => {
    expect(() => parseDigestRecipients("a@contoso.com; not-an-address; owners")).toThrow(/entry 2 of 3 \("not-an-address"\)/);
    expect(() => parseDigestRecipients("a@contoso.com,Dana <dana@contoso.com>")).toThrow(/entry 2 of 2 \("Dana <dana@contoso.com>"\)/);
    expect(() => parseDigestRecipients("owner")).toThrow(/vit_DigestRecipients: entry 1 of 1 \("owner"\)/);
  });
});

describe("digests of the demo organisation", () => {
  let emu: EmulatorHandle;
  let gateway: DataverseGateway;
  let first: AuditResult;
  let afterFirst: DigestData;
  let second: AuditResult;
  let afterSecond: DigestData;
  let orgUrl: string;

  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 800, seed: 5, now: NOW, throttle: false });
    gateway = gatewayFor(emu);
    orgUrl = emu.orgUrl.replace(/\/$/, "");
    first = await runAudit({ gateway, pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: NOW });
    afterFirst = await collectDigest(gateway, { now: NOW, orgUrl: emu.orgUrl });
    // Break the email of 120 active contacts, so the second audit scores lower.
    const contacts = emu.store.rows("contact").filter((c) => c.statecode === 0).slice(0, 120);
    for (const c of contacts) emu.store.update("contact", String(c.contactid), { emailaddress1: "not an address" });
    second = await runAudit({ gateway, pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: LATER });
    afterSecond = await collectDigest(gateway, { now: LATER, orgUrl: emu.orgUrl });
  }, 180_000);
  afterAll(() => emu.close());

  it("lists every owner with open findings, with the counts of the stored health rows", () => {
    expect(first.status).toBe("completed");
    expect(second.status).toBe("completed");
    const truth = openByOwner(emu);
    expect(truth.size).toBeGreaterThan(3);
    const got = new Map(afterSecond.owners.map((o) => [o.ownerId, { count: o.recordCount, findings: o.findingCount }]));
    expect(got).toEqual(new Map([...truth].map(([id, t]) => [id, { count: t.count, findings: t.findings }])));
    expect(afterSecond.governance.attention.records).toBe([...truth.values()].reduce((s, t) => s + t.count, 0));
  });

  it("lists each owner's worst records first, at most 25, with names and links", () => {
    const truth = openByOwner(emu);
    for (const o of afterSecond.owners) {
      expect(o.records.length).toBe(Math.min(25, o.recordCount));
      const scores = o.records.map((r) => r.score ?? -1);
      expect(scores).toEqual([...scores].sort((a, b) => a - b));
      expect(scores[0]).toBe(truth.get(o.ownerId)!.minScore);
      for (const r of o.records) {
        const stored = emu.store.get(r.table, r.recordId);
        expect(stored).toBeDefined();
        expect(String(stored!._ownerid_value).toLowerCase()).toBe(o.ownerId);
        expect(r.findings).toBeGreaterThan(0);
        expect(r.name).not.toMatch(new RegExp(`^${r.table}: `));
        expect(r.link).toBe(`${orgUrl}/main.aspx?pagetype=entityrecord&etn=${r.table}&id=${r.recordId}`);
      }
    }
  });

  it("names users with their address and state, and keeps team-owned records out of personal digests", () => {
    const users = new Map(emu.store.rows("systemuser").map((u) => [String(u.systemuserid).toLowerCase(), u]));
    const teams = new Set(emu.store.rows("team").map((t) => String(t.teamid).toLowerCase()));
    let teamRecords = 0;
    for (const o of afterSecond.owners) {
      const u = users.get(o.ownerId);
      if (u) {
        expect(o.kind).toBe("user");
        expect(o.name).toBe(u.fullname);
        expect(o.email).toBe(u.internalemailaddress ?? null);
        expect(o.disabled).toBe(u.isdisabled === true);
      } else {
        expect(teams.has(o.ownerId)).toBe(true);
        expect(o.kind).toBe("team");
        expect(o.email).toBeNull();
        teamRecords += o.recordCount;
      }
    }
    expect(teamRecords).toBeGreaterThan(0);
    expect(afterSecond.governance.attention.teamOwnedRecords).toBe(teamRecords);
    expect(afterSecond.owners.some((o) => o.kind === "user" && o.disabled)).toBe(true);
  });

  it("reports the last completed run as stored", () => {
    const last = afterFirst.governance.lastRun!;
    expect(last.runId).toBe(first.runId);
    expect(last.overallScore).toBe(first.report.overall.average);
    expect(last.recordsScanned).toBe(first.recordsScanned);
    expect(last.scope).toEqual({ tables: [...TABLES].sort(), ownerId: null, teamId: null, businessUnitId: null });
    expect(last.report?.byTable).toEqual(first.report.byTable);
    expect(last.report?.byDimension).toEqual(first.report.byDimension);
    expect(afterFirst.governance.trend.map((t) => [t.runId, t.change])).toEqual([[first.runId, null]]);
  });

  it("shows the trend over both audits, oldest first, with the change", () => {
    const a = first.report.overall.average!;
    const b = second.report.overall.average!;
    expect(b).toBeLessThan(a);
    const trend = afterSecond.governance.trend;
    expect(trend.map((t) => t.runId)).toEqual([first.runId, second.runId]);
    expect(trend.map((t) => t.score)).toEqual([a, b]);
    expect(trend[0].change).toBeNull();
    expect(trend[1].change).toBe(Math.round((b - a) * 10) / 10);
    expect(Date.parse(trend[1].previousStartedOn!)).toBe(NOW.getTime());
    expect(afterSecond.governance.lastRun?.runId).toBe(second.runId);

    const mail = renderGovernanceDigest(afterSecond);
    expect(mail.subject).toBe(`CRM Vitals governance digest: score ${b.toFixed(1)} (▼ ${Math.abs(trend[1].change!).toFixed(1)} since 2026-11-23)`);
  });

  it("keeps the change of the oldest shown run when the trend is cut", async () => {
    const one = await collectDigest(gateway, { now: LATER, trendRuns: 1 });
    expect(one.governance.trend).toHaveLength(1);
    expect(one.governance.trend[0].runId).toBe(second.runId);
    expect(one.governance.trend[0].change).toBe(afterSecond.governance.trend[1].change);
    expect(one.owners.every((o) => o.records.every((r) => r.link === null))).toBe(true);
  });

  it("refuses bad options, naming them", async () => {
    await expect(collectDigest(gateway, { now: LATER, trendRuns: 0 })).rejects.toThrow(/trendRuns must be a whole number/);
    await expect(collectDigest(gateway, { now: LATER, orgUrl: "contoso" })).rejects.toThrow(/orgUrl 'contoso' is not a URL/);
  });

  it("sends one governance digest per address and one personal digest per owner with an address", async () => {
    const rep1 = emu.users.find((u) => u.key === "rep1")!;
    const saved = emu.store.get("systemuser", rep1.systemuserid)!.internalemailaddress;
    emu.store.update("systemuser", rep1.systemuserid, { internalemailaddress: null });
    try {
      const sender = new FakeSender();
      const report = await sendDigests({
        gateway,
        sender,
        from: "crm-vitals@contoso.com",
        recipientsText: "gov@contoso.com; owners; ops@contoso.com",
        now: LATER,
        orgUrl: emu.orgUrl,
      });
      const data = await collectDigest(gateway, { now: LATER, orgUrl: emu.orgUrl });
      const mailable = data.owners.filter((o) => o.kind === "user" && !o.disabled && o.email);
      expect(mailable.length).toBeGreaterThan(2);
      expect(data.owners.some((o) => o.ownerId === rep1.systemuserid.toLowerCase() && o.email === null)).toBe(true);

      const governance = report.sent.filter((s) => s.kind === "governance").map((s) => s.to);
      expect(governance).toEqual(["gov@contoso.com", "ops@contoso.com"]);
      const owners = report.sent.filter((s) => s.kind === "owner");
      expect(owners.map((s) => s.to).sort()).toEqual(mailable.map((o) => o.email!).sort());
      for (const o of mailable) {
        const sent = owners.find((s) => s.to === o.email)!;
        expect(sent.subject).toBe(`CRM Vitals: ${o.recordCount} of your records ${o.recordCount === 1 ? "needs" : "need"} attention`);
      }
      expect(sender.calls).toHaveLength(report.sent.length);
      expect(sender.calls.every((c) => c.from === "crm-vitals@contoso.com" && c.message.body.contentType === "HTML" && c.message.toRecipients.length === 1)).toBe(true);

      expect(report.skipped).toContainEqual({ who: `${rep1.fullname} (${rep1.systemuserid.toLowerCase()})`, why: expect.stringMatching(/no primary email address/) as string });
      for (const o of data.owners.filter((x) => x.kind === "user" && x.disabled)) {
        expect(report.skipped).toContainEqual({ who: `${o.name} (${o.ownerId})`, why: "the user is disabled" });
      }
      for (const o of data.owners.filter((x) => x.kind === "team")) {
        expect(report.skipped).toContainEqual({ who: `${o.name} (${o.ownerId})`, why: expect.stringMatching(/^team-owned/) as string });
      }
    } finally {
      emu.store.update("systemuser", rep1.systemuserid, { internalemailaddress: saved });
    }
  });

  it("sends no personal digest without the owners keyword", async () => {
    const sender = new FakeSender();
    const report = await sendDigests({ gateway, sender, from: "crm-vitals@contoso.com", recipientsText: "gov@contoso.com", now: LATER, orgUrl: emu.orgUrl });
    expect(report.sent.map((s) => [s.to, s.kind])).toEqual([["gov@contoso.com", "governance"]]);
    expect(report.skipped).toEqual([]);
  });

  it("survives one failed send and reports it", async () => {
    const sender = new FakeSender((to) => (to === "ops@contoso.com" ? "MailboxNotEnabledForRESTAPI: the mailbox is not enabled" : undefined));
    const report = await sendDigests({ gateway, sender, from: "crm-vitals@contoso.com", recipientsText: "ops@contoso.com;gov@contoso.com;owners", now: LATER, orgUrl: emu.orgUrl });
    expect(report.sent.map((s) => s.to)).toContain("gov@contoso.com");
    expect(report.sent.filter((s) => s.kind === "owner").length).toBeGreaterThan(0);
    expect(report.skipped).toContainEqual({ who: "ops@contoso.com", why: "sending failed (governance digest): MailboxNotEnabledForRESTAPI: the mailbox is not enabled" });
  });

  it("rejects, with the full report, when every send fails", async () => {
    const sender = new FakeSender(() => "ErrorAccessDenied");
    const run = sendDigests({ gateway, sender, from: "crm-vitals@contoso.com", recipientsText: "gov@contoso.com, ops@contoso.com", now: LATER, orgUrl: emu.orgUrl });
    await expect(run).rejects.toBeInstanceOf(DigestSendError);
    const err = (await run.catch((e: unknown) => e)) as DigestSendError;
    expect(err.report.sent).toEqual([]);
    expect(err.report.skipped.map((s) => s.who)).toEqual(["gov@contoso.com", "ops@contoso.com"]);
    expect(err.message).toMatch(/no digest could be sent.*gov@contoso.com.*ErrorAccessDenied/);
  });

  it("reads and sends nothing when no recipient is listed, and refuses a bad sender", async () => {
    const sender = new FakeSender();
    const before = gateway.stats().requests;
    expect(await sendDigests({ gateway, sender, from: "crm-vitals@contoso.com", recipientsText: "", now: LATER, orgUrl: emu.orgUrl })).toEqual({ sent: [], skipped: [] });
    expect(gateway.stats().requests).toBe(before);
    expect(sender.calls).toEqual([]);
    await expect(sendDigests({ gateway, sender, from: "CRM Vitals", recipientsText: "gov@contoso.com", now: LATER, orgUrl: emu.orgUrl })).rejects.toThrow(/from 'CRM Vitals' is neither/);
  });

  it("is off until Graph integration is yes and someone is listed", async () => {
    expect(await readDigestSettings(gateway)).toMatchObject({ enabled: false, graphEnabled: false, offBecause: expect.stringMatching(/vit_GraphIntegrationEnabled/) as string });
    const graphDef = emu.store.rows("environmentvariabledefinition").find((d) => d.schemaname === "vit_GraphIntegrationEnabled")!;
    emu.store.update("environmentvariabledefinition", String(graphDef.environmentvariabledefinitionid), { defaultvalue: "yes" });
    // The demo organisation lists one address in vit_DigestRecipients.
    expect(await readDigestSettings(gateway)).toEqual({ enabled: true, graphEnabled: true, recipientsText: "priya.raman@contoso.onmicrosoft.com" });
    const value = emu.store.rows("environmentvariablevalue").find((v) => v.schemaname === "vit_DigestRecipients")!;
    emu.store.update("environmentvariablevalue", String(value.environmentvariablevalueid), { value: " " });
    expect(await readDigestSettings(gateway)).toMatchObject({ enabled: false, graphEnabled: true, offBecause: expect.stringMatching(/vit_DigestRecipients lists no recipient/) as string });
  });
});
