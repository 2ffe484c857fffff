/**
 * Who receives digests: the environment variable vit_DigestRecipients (addresses and the keyword
 * `owners`), and whether digests are on at all (vit_GraphIntegrationEnabled).
 */
import { readEnvironmentVariable } from "../../audit/settings";
import type { DataverseGateway } from "../../dataverse/gateway";
import { isValidEmail } from "../../engine/checks/formats";

export const DIGEST_RECIPIENTS_VARIABLE = "vit_DigestRecipients";
export const GRAPH_INTEGRATION_VARIABLE = "vit_GraphIntegrationEnabled";
export const OWNERS_KEYWORD = "owners";

export interface DigestRecipients {
  /** Addresses that receive the governance digest, duplicates removed (first spelling kept). */
  addresses: string[];
  /** `owners` was listed: each user owning records with open findings gets a personal digest. */
  owners: boolean;
}

/**
 * Parses the value of vit_DigestRecipients: entries separated by `;` or `,`, each an email address
 * or the keyword `owners` (any case). Empty entries are ignored; empty or null text means nothing
 * is sent. Throws for an invalid entry, naming it and its 1-based position.
 */
export function parseDigestRecipients(text: string | null): DigestRecipients {
  const out: DigestRecipients = { addresses: [], owners: false };
  if (text == null) return out;
  const seen = new Set<string>();
  const entries = text.split(/[;,]/);
  entries.forEach((raw, i) => {
    const entry = raw.trim();
    if (entry === "") return;
    if (entry.toLowerCase() === OWNERS_KEYWORD) {
      out.owners = true;
      return;
    }
    if (!isValidEmail(entry)) {
      throw new Error(
        `${DIGEST_RECIPIENTS_VARIABLE}: entry ${i + 1} of ${entries.length} ("${entry}") is not an email address; ` +
          `list addresses separated by ";" or "," and optionally the keyword "${OWNERS_KEYWORD}"`,
      );
    }
    const key = entry.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.addresses.push(entry);
  });
  return out;
}

/** Dataverse stores Yes/No environment variables as "yes"/"no"; "true"/"1" are accepted as well. */
export function isYes(text: string | null): boolean {
  return text !== null && ["yes", "true", "1"].includes(text.trim().toLowerCase());
}

export interface DigestSettings {
  /** vit_GraphIntegrationEnabled is yes. */
  graphEnabled: boolean;
  /** The text of vit_DigestRecipients (value, else default); null when unset. */
  recipientsText: string | null;
  /** Digests go out only when Graph is on and someone is listed. */
  enabled: boolean;
  /** Why digests are off, in words; absent when they are on. */
  offBecause?: string;
}

/** Reads both environment variables. An invalid recipient list throws (naming the entry), so a typo is not silently ignored. */
export async function readDigestSettings(gateway: DataverseGateway): Promise<DigestSettings> {
  const graphEnabled = isYes(await readEnvironmentVariable(gateway, GRAPH_INTEGRATION_VARIABLE));
  const recipientsText = await readEnvironmentVariable(gateway, DIGEST_RECIPIENTS_VARIABLE);
  const recipients = parseDigestRecipients(recipientsText);
  const listed = recipients.addresses.length > 0 || recipients.owners;
  if (!graphEnabled) return { graphEnabled, recipientsText, enabled: false, offBecause: `${GRAPH_INTEGRATION_VARIABLE} is not set to yes` };
  if (!listed) return { graphEnabled, recipientsText, enabled: false, offBecause: `${DIGEST_RECIPIENTS_VARIABLE} lists no recipient` };
  return { graphEnabled, recipientsText, enabled: true };
}
