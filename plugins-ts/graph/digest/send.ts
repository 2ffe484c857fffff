/**
 * Sends the digests: one governance digest to each listed address and, when `owners` is listed,
 * one personal digest to each enabled user who owns records with open findings. Mail goes through
 * a MailSender (the Graph client: `POST /users/{from}/sendMail`), one message per recipient, one
 * at a time. A failed send does not stop the others; it is reported in `skipped`.
 */
import type { DataverseGateway } from "../../dataverse/gateway";
import { isGuid } from "../../dataverse/requests";
import { isValidEmail } from "../../engine/checks/formats";
import { collectDigest } from "./collect";
import { parseDigestRecipients } from "./recipients";
import { renderGovernanceDigest, renderOwnerDigest, type DigestStrings } from "./render";
import type { DigestMessage, MailSender, RenderedDigest, SendReport } from "./types";

export interface SendProgress {
  phase: "reading" | "sending" | "done";
  /** Health rows read (phase "reading"). */
  rowsRead: number;
  /** Mails to send in all (known from phase "sending" on). */
  total: number;
  sent: number;
  skipped: number;
}

export interface SendDigestsOptions {
  gateway: DataverseGateway;
  sender: MailSender;
  /** The sending mailbox: its user principal name / address, or its Entra user id. */
  from: string;
  /** The text of vit_DigestRecipients. Empty or null: nothing is read or sent. */
  recipientsText: string | null;
  now: Date;
  /** Organisation URL for links to records. */
  orgUrl: string;
  trendRuns?: number;
  maxFindingsPerOwner?: number;
  strings?: Partial<DigestStrings>;
  onProgress?: (p: SendProgress) => void;
}

/**
 * Thrown when there was mail to send and every send failed (for example the sending mailbox or the
 * Mail.Send permission is wrong). `report` lists every recipient and why it failed.
 */
export class DigestSendError extends Error {
  constructor(readonly report: SendReport) {
    const first = report.skipped.find((s) => s.why.startsWith("sending failed"));
    super(`no digest could be sent (${report.skipped.length} skipped)${first ? `; first failure, to ${first.who}: ${first.why}` : ""}`);
    this.name = "DigestSendError";
  }
}

function message(mail: RenderedDigest, to: string, name?: string): DigestMessage {
  return {
    subject: mail.subject,
    body: { contentType: "HTML", content: mail.html },
    toRecipients: [{ emailAddress: name ? { address: to, name } : { address: to } }],
  };
}

/**
 * Collects and sends the digests. Resolves with what was sent and what was skipped (and why);
 * rejects with DigestSendError only when at least one send was attempted and none succeeded.
 * Invalid recipients text or an invalid `from` throw before anything is read.
 */
export async function sendDigests(opts: SendDigestsOptions): Promise<SendReport> {
  const recipients = parseDigestRecipients(opts.recipientsText);
  const report: SendReport = { sent: [], skipped: [] };
  if (recipients.addresses.length === 0 && !recipients.owners) return report;
  const from = opts.from.trim();
  if (!isValidEmail(from) && !isGuid(from)) throw new Error(`sendDigests: from '${opts.from}' is neither a mailbox address (user principal name) nor a user id`);

  const progress = { rowsRead: 0, total: 0 };
  const tell = (phase: SendProgress["phase"]): void =>
    opts.onProgress?.({ phase, rowsRead: progress.rowsRead, total: progress.total, sent: report.sent.length, skipped: report.skipped.length });

  const data = await collectDigest(opts.gateway, {
    now: opts.now,
    orgUrl: opts.orgUrl,
    trendRuns: opts.trendRuns,
    maxFindingsPerOwner: opts.maxFindingsPerOwner,
    onProgress: (n) => {
      progress.rowsRead = n;
      tell("reading");
    },
  });

  const outgoing: { to: string; name?: string; kind: "owner" | "governance"; mail: RenderedDigest }[] = [];
  if (recipients.addresses.length) {
    const governance = renderGovernanceDigest(data, opts.strings);
    for (const to of recipients.addresses) outgoing.push({ to, kind: "governance", mail: governance });
  }
  if (recipients.owners) {
    for (const owner of data.owners) {
      const who = `${owner.name} (${owner.ownerId})`;
      if (owner.kind === "team") report.skipped.push({ who, why: `team-owned (${owner.recordCount} records): teams get no personal digest; counted in the governance digest` });
      else if (owner.kind === "unknown") report.skipped.push({ who, why: `the owner of ${owner.recordCount} records could not be read as a user or team` });
      else if (owner.disabled) report.skipped.push({ who, why: "the user is disabled" });
      else if (!owner.email) report.skipped.push({ who, why: "the user has no primary email address (systemuser.internalemailaddress)" });
      else if (!isValidEmail(owner.email)) report.skipped.push({ who, why: `the user's primary email address '${owner.email}' is not a valid address` });
      else outgoing.push({ to: owner.email, name: owner.name, kind: "owner", mail: renderOwnerDigest({ owner, generatedOn: data.generatedOn, orgUrl: data.orgUrl }, opts.strings) });
    }
  }

  progress.total = outgoing.length;
  tell("sending");
  let failures = 0;
  for (const m of outgoing) {
    try {
      await opts.sender.sendMail(from, message(m.mail, m.to, m.name));
      report.sent.push({ to: m.to, kind: m.kind, subject: m.mail.subject });
    } catch (err) {
      failures++;
      report.skipped.push({ who: m.to, why: `sending failed (${m.kind} digest): ${err instanceof Error ? err.message : String(err)}` });
    }
    tell("sending");
  }
  tell("done");
  if (outgoing.length > 0 && failures === outgoing.length) throw new DigestSendError(report);
  return report;
}
