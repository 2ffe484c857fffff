import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { runAudit } from "../../audit/run";
import { loadOrgRulePack } from "../../audit/settings";
import { DEFAULT_TABLES } from "../../engine";
import { GraphAccessError, userSegment, type VitalsGraphClient } from "../../graph/client";
import { DigestSendError, readDigestSettings, sendDigests, type DigestMessage, type MailSender } from "../../graph/digest";
import { UserError } from "../errors";
import { writeFileAtomic } from "../io/atomic";
import { parseNow } from "../pack";
import { addConnectionOptions, checkConnectionOptions, connect } from "../connection";
import { addGraphOptions, connectGraph, type GraphCliOptions } from "../graphConnection";

interface DigestCliOptions extends GraphCliOptions {
  from?: string;
  recipients?: string;
  out?: string;
  now?: string;
}

/** Sends through Graph `POST /users/{from}/sendMail` (application permission Mail.Send). */
export function graphMailSender(graph: VitalsGraphClient, onSent?: (from: string, message: DigestMessage) => Promise<void>): MailSender {
  return {
    async sendMail(from, message) {
      await graph.post(`/users/${userSegment(from)}/sendMail`, { message, saveToSentItems: true }, "send");
      await onSent?.(from, message);
    },
  };
}

function fileName(i: number, to: string): string {
  return `${String(i + 1).padStart(3, "0")}-${to.replace(/[^a-z0-9@._-]+/gi, "_")}.html`;
}

export function register(program: Command): void {
  const cmd = program
    .command("digest")
    .description("Send the CRM Vitals digests through Microsoft Graph: each owner's open findings and, for governance owners, the last audit and its trend (opt-in: vit_DigestRecipients)");
  addGraphOptions(addConnectionOptions(cmd, "send from a demo organisation (audited first) to the Graph stand-in"))
    .option("--from <mailbox>", "the mailbox the digests are sent from (user principal name or user id); required with --url")
    .option("--recipients <list>", "use this list instead of vit_DigestRecipients (same format: addresses and the keyword owners, separated by ; or ,)")
    .option("--out <dir>", "also write each digest as an .html file into this folder (a preview of what Outlook shows)")
    .option("--now <iso>", "the digest's clock (default: now)")
    .addHelpText(
      "after",
      `
Examples:
  vitals digest --demo --recipients "priya.raman@contoso.onmicrosoft.com; owners" --out digests
  vitals digest --url https://contoso.crm.dynamics.com --tenant-id <t> --client-id <app> --client-secret <s> --from crmvitals@contoso.com

Off unless vit_GraphIntegrationEnabled is Yes and recipients are listed (docs/digests.md).`,
    )
    .action(async (o: DigestCliOptions) => {
      checkConnectionOptions(o);
      if (!o.demo && !o.from) throw new UserError("--from <mailbox> is required with --url: digests are sent from that mailbox (Graph POST /users/{from}/sendMail)");
      const now = parseNow(o.now);
      const conn = await connect(o, now, { mail: true });
      try {
        const settings = await readDigestSettings(conn.gateway).catch((err: unknown) => {
          throw new UserError((err as Error).message);
        });
        const recipientsText = o.recipients ?? settings.recipientsText;
        if (!settings.graphEnabled) {
          process.stdout.write(`No digest sent: ${settings.offBecause ?? "Microsoft Graph integration is off"}.\n`);
          return;
        }
        if (conn.emulator) {
          process.stderr.write("vitals: auditing the demo organisation first (the digest reads the stored results)…\n");
          const org = await loadOrgRulePack(conn.gateway);
          const audit = await runAudit({ gateway: conn.gateway, pack: org.pack, scope: { tables: [...DEFAULT_TABLES] }, mode: "full", now });
          if (audit.status !== "completed") throw new Error(`the demo audit ${audit.status}${audit.error ? `: ${audit.error}` : ""}`);
        }
        const from = o.from ?? conn.emulator!.users.find((u) => u.key === "govowner")!.domainname;
        const { graph, standIn } = await connectGraph(o, conn);
        try {
          if (o.out) await fs.mkdir(o.out, { recursive: true });
          let written = 0;
          const sender = graphMailSender(graph, async (_from, message) => {
            if (!o.out) return;
            await writeFileAtomic(join(o.out, fileName(written++, message.toRecipients[0]?.emailAddress.address ?? "unknown")), message.body.content);
          });
          const report = await sendDigests({ gateway: conn.gateway, sender, from, recipientsText, now, orgUrl: conn.orgUrl });
          if (!report.sent.length && !report.skipped.length) {
            process.stdout.write(`No digest sent: vit_DigestRecipients lists no recipient.\n`);
            return;
          }
          process.stdout.write(`Digests sent from ${from}: ${report.sent.length}\n`);
          for (const s of report.sent) process.stdout.write(`  ${s.kind === "governance" ? "governance" : "owner     "}  ${s.to}  ${s.subject}\n`);
          if (report.skipped.length) process.stdout.write(`Skipped: ${report.skipped.length}\n`);
          for (const s of report.skipped) process.stdout.write(`  ${s.who}: ${s.why}\n`);
          if (o.out) process.stderr.write(`vitals: wrote ${written} digests to ${o.out}\n`);
        } finally {
          await standIn?.close();
        }
      } catch (err) {
        if (err instanceof UserError) throw err;
        if (err instanceof GraphAccessError || err instanceof DigestSendError) throw new UserError(err.message);
        throw new UserError(`the digest failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await conn.emulator?.close();
      }
    });
}
