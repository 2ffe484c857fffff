import type { Command } from "commander";
import { describeEngagement } from "../../engine";
import { CaptureDisabledError, DEFAULT_WINDOW_DAYS, purgeGaps, runCapture, type CaptureProgress, type CaptureReport } from "../../graph/capture";
import { GraphAccessError } from "../../graph/client";
import { normaliseGuid } from "../../dataverse/requests";
import { UserError } from "../errors";
import { writeFileAtomic } from "../io/atomic";
import { parseNow } from "../pack";
import { createProgress, type Progress } from "../progress";
import { addConnectionOptions, checkConnectionOptions, connect, positiveInt } from "../connection";
import { addGraphOptions, connectGraph, type GraphCliOptions } from "../graphConnection";

interface CaptureCliOptions extends GraphCliOptions {
  days: string;
  owner?: string[];
  log: boolean;
  store: boolean;
  json?: string;
  purge: boolean;
  now?: string;
  progress: boolean;
  top: string;
}

/** The report in words (stdout). */
export function renderCaptureText(r: CaptureReport, top: number): string {
  const lines: string[] = [];
  const t = r.totals;
  lines.push(`Activity capture, ${r.since.slice(0, 10)} to ${r.until.slice(0, 10)} (${r.windowDays} days)`);
  lines.push(`  contacts in scope      ${r.contacts} (${r.contacts - r.contactsNotCompared} compared, ${r.contactsNotCompared} not compared)`);
  lines.push(`  mailboxes read         ${r.mailboxesRead}`);
  for (const s of r.mailboxesSkipped) lines.push(`  skipped                ${s.owner}: ${s.why}`);
  lines.push(`  mail and meetings      ${r.itemsFound} with contacts in scope`);
  lines.push(`  logged in Dynamics     ${describeEngagement(t.loggedEmails, t.loggedMeetings)}`);
  lines.push(`  not in Dynamics        ${describeEngagement(t.unloggedEmails, t.unloggedMeetings)}`);
  const withGap = r.results.filter((x) => x.unloggedEmails + x.unloggedMeetings > 0);
  lines.push(`  contacts with a gap    ${withGap.length}`);
  if (r.logged) {
    const l = r.logged;
    lines.push(`  logged now             ${describeEngagement(l.created.emails, l.created.meetings)}${l.alreadyLogged ? `; ${l.alreadyLogged} were already there` : ""}${l.failed.length ? `; ${l.failed.length} failed` : ""}`);
    for (const f of l.failed.slice(0, 10)) lines.push(`    failed ${f.kind} ${f.key}: ${f.message}`);
  }
  lines.push(`  stored                 ${r.rowsWritten} vit_activitygap rows`);
  lines.push(`  Graph                  ${r.graph.requests} requests, ${r.graph.pages} pages, ${r.graph.throttled} throttled`);
  if (r.mailboxStatesUnknown) lines.push(`  mailbox states         unknown: ${r.mailboxStatesUnknown}`);
  if (r.mailboxSync.length) {
    lines.push("", "Owners whose mailbox is not synchronising (their mail and meetings cannot be tracked automatically; this, not a habit of not logging, explains their gap):");
    for (const m of r.mailboxSync) lines.push(`  ${m.ownerName}: ${m.text} (${describeEngagement(m.unloggedEmails, m.unloggedMeetings)} not in Dynamics for ${m.contacts} contacts)`);
  }
  const failing = new Set(r.mailboxSync.map((m) => m.ownerId));
  if (withGap.length) {
    lines.push("", `Contacts with the most unlogged engagement (top ${Math.min(top, withGap.length)}):`);
    for (const x of withGap.slice(0, top)) {
      const n = x.unloggedEmails + x.unloggedMeetings;
      lines.push(`  ${x.contact.name} (${x.ownerName}${failing.has(x.contact.ownerId) ? ", mailbox not synchronising" : ""}): ${describeEngagement(x.unloggedEmails, x.unloggedMeetings)} in the last ${r.windowDays} days ${n === 1 ? "is" : "are"} not in Dynamics`);
    }
    if (!r.logged) lines.push("", "Run again with --log to create the missing email and appointment activities (each is created once, keyed on its Outlook id).");
  }
  return lines.join("\n") + "\n";
}

export function register(program: Command): void {
  const cmd = program
    .command("capture")
    .description("Activity capture: compare the mail and meetings of contacts' owners (Microsoft Graph, headers only) with the email and appointment activities in Dynamics; store the gap per contact, and log what is missing with --log");
  addGraphOptions(addConnectionOptions(cmd, "run against a demo organisation with demo mailboxes (emulator + Graph stand-in)"))
    .option("--days <n>", "how many days back to compare", String(DEFAULT_WINDOW_DAYS))
    .option("--owner <id...>", "only contacts owned by these users (systemuser ids)")
    .option("--log", "create the missing email and appointment activities (idempotent)", false)
    .option("--no-store", "do not write vit_activitygap rows")
    .option("--json <file>", "also write the report as JSON (no subjects or addresses: contact ids and counts)")
    .option("--purge", "delete every stored vit_activitygap row (after switching the integration off) and stop", false)
    .option("--top <n>", "contacts listed in the report", "15")
    .option("--now <iso>", "the comparison's clock (default: now)")
    .option("--no-progress", "no progress output")
    .addHelpText(
      "after",
      `
Examples:
  vitals capture --demo
  vitals capture --demo --log
  vitals capture --url https://contoso.crm.dynamics.com --tenant-id <t> --client-id <app> --client-secret <s> --log

Needs the environment variable vit_GraphIntegrationEnabled = Yes and the Microsoft Graph application
permissions Mail.ReadBasic.All and Calendars.ReadBasic.All with admin consent (docs/activity-capture.md).`,
    )
    .action(async (o: CaptureCliOptions) => {
      checkConnectionOptions(o);
      const days = positiveInt(o.days, "--days", 365);
      const top = positiveInt(o.top, "--top", 10_000);
      const ownerIds = (o.owner ?? []).map((x) => {
        try {
          return normaliseGuid(x, "--owner");
        } catch (err) {
          throw new UserError((err as Error).message);
        }
      });
      const now = parseNow(o.now);
      const conn = await connect(o, now, { mail: true });
      let progress: Progress | undefined;
      try {
        if (o.purge) {
          const n = await purgeGaps(conn.gateway);
          process.stdout.write(`Deleted ${n} vit_activitygap rows.\n`);
          return;
        }
        const { graph, standIn } = await connectGraph(o, conn, (retryAfter) => progress?.update(0, `throttled by Microsoft Graph, waiting ${retryAfter ?? "?"} s`));
        try {
          progress = o.progress ? createProgress({ label: "reading mailboxes", total: 0 }) : undefined;
          const onProgress = (p: CaptureProgress): void => {
            if (!progress) return;
            if (p.phase === "mailbox") {
              progress.setTotal(p.total);
              progress.update(p.done, `${p.mailbox}: ${p.items} items`);
            } else if (p.phase === "log") {
              progress.setTotal(p.total);
              progress.update(p.done, "logging activities");
            } else if (p.phase === "store") {
              progress.setTotal(p.total);
              progress.update(p.done, "storing the gap per contact");
            } else if (p.phase === "scope") process.stderr.write(`vitals: comparing ${p.contacts} contacts of ${p.owners} owners with their mailboxes (last ${days} days)…\n`);
          };
          const report = await runCapture({ gateway: conn.gateway, graph, now, windowDays: days, ownerIds, log: o.log, store: o.store, onProgress });
          progress?.stop();
          process.stdout.write(renderCaptureText(report, top));
          if (o.json) {
            const data = {
              ...report,
              results: report.results.map((r) => ({ contactId: r.contact.id, ownerId: r.contact.ownerId, unloggedEmails: r.unloggedEmails, unloggedMeetings: r.unloggedMeetings, loggedEmails: r.loggedEmails, loggedMeetings: r.loggedMeetings, lastUnloggedOn: r.lastUnloggedOn })),
              logged: report.logged ? { ...report.logged, inDataverse: report.logged.inDataverse.size } : null,
            };
            await writeFileAtomic(o.json, JSON.stringify(data, null, 2) + "\n");
            process.stderr.write(`vitals: wrote the report to ${o.json}\n`);
          }
        } finally {
          await standIn?.close();
        }
      } catch (err) {
        progress?.stop();
        if (err instanceof UserError) throw err;
        if (err instanceof CaptureDisabledError || err instanceof GraphAccessError) throw new UserError(err.message);
        throw new UserError(`activity capture failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await conn.emulator?.close();
      }
    });
}
