/**
 * Shared helpers for audit tests and benchmarks: a gateway on an emulator user, the stored health
 * rows read back, and the map from the demo's ground-truth defect kinds to the default pack's rules.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import type { DataverseGateway } from "../../plugins-ts/dataverse/gateway";
import { GRADE_OF_VALUE } from "../../plugins-ts/audit/model";
import type { CompactFinding } from "../../plugins-ts/audit/health";

export function gatewayFor(emu: EmulatorHandle, token = emu.adminToken, retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number }): DataverseGateway {
  return createWebApiGateway({ serverUrl: emu.orgUrl, token: () => token, retry });
}

export interface StoredHealthRow {
  table: string;
  recordId: string;
  score: number | null;
  grade: string | null;
  active: boolean;
  failed: Set<string>;
  waived: Set<string>;
  ownerId: string | null;
}

/** Health rows as stored in the emulator (read directly, outside the audited API). */
export function storedHealth(emu: EmulatorHandle): Map<string, StoredHealthRow> {
  const out = new Map<string, StoredHealthRow>();
  for (const h of emu.store.rows("vit_recordhealth")) {
    const findings = JSON.parse(typeof h.vit_findings === "string" ? h.vit_findings : "[]") as CompactFinding[];
    const key = `${String(h.vit_table)}|${String(h.vit_recordid)}`;
    if (out.has(key)) throw new Error(`two health rows for ${key}`);
    out.set(key, {
      table: String(h.vit_table),
      recordId: String(h.vit_recordid),
      score: typeof h.vit_score === "number" ? h.vit_score : null,
      grade: typeof h.vit_grade === "number" ? (GRADE_OF_VALUE.get(h.vit_grade) ?? null) : null,
      active: h.statecode === 0,
      failed: new Set(findings.filter((f) => f.o === "f").map((f) => f.r)),
      waived: new Set(findings.filter((f) => f.o === "w").map((f) => f.r)),
      ownerId: (h._ownerid_value as string | null) ?? null,
    });
  }
  return out;
}

/**
 * Which default-pack rules find each ground-truth defect kind, per table. `open: true` marks kinds
 * whose rules apply to open (active) records only, as the pack says.
 */
export const DEFECT_RULES: Record<string, { rules: (table: string) => string[]; openOnly?: (table: string) => boolean }> = {
  missingEmail: { rules: (t) => (t === "contact" ? ["contact.email.required"] : []), openOnly: () => true },
  malformedEmail: { rules: (t) => [`${t}.email.format`] },
  placeholderEmail: { rules: (t) => (t === "contact" ? ["contact.email.placeholder"] : t === "account" ? ["account.contact_details.placeholder"] : ["lead.details.placeholder"]) },
  missingPhone: { rules: (t) => (t === "account" ? ["account.phone.required"] : []) },
  malformedPhone: { rules: (t) => [`${t}.phone.format`] },
  placeholderName: { rules: (t) => (t === "contact" ? ["contact.name.placeholder"] : t === "account" ? ["account.name.placeholder"] : t === "lead" ? ["lead.details.placeholder"] : ["opportunity.name.placeholder"]) },
  allCapsName: { rules: (t) => (t === "account" ? ["account.name.casing"] : [`${t}.firstname.casing`, `${t}.lastname.casing`]) },
  lowercaseName: { rules: (t) => (t === "account" ? ["account.name.casing"] : [`${t}.firstname.casing`, `${t}.lastname.casing`]) },
  missingJobTitle: { rules: () => ["contact.jobtitle.required"] },
  missingWebsite: { rules: () => ["account.website.required"] },
  missingIndustry: { rules: () => ["account.industry.required"] },
  staleRecord: { rules: (t) => [`${t}.modified.fresh`], openOnly: () => true },
  contactWithoutAccount: { rules: () => ["contact.account.active"], openOnly: () => true },
  disabledOwner: { rules: (t) => [`${t}.owner.enabled`], openOnly: () => true },
  pastCloseDate: { rules: () => ["opportunity.closedate.not_past"], openOnly: () => true },
  stuckDeal: { rules: () => ["opportunity.stage.days"], openOnly: () => true },
  stuckLead: { rules: () => ["lead.stage.days"], openOnly: () => true },
  stageWithoutExitCriteria: { rules: () => ["opportunity.stage.exit_criteria"], openOnly: () => true },
  noFollowUp: { rules: (t) => [`${t}.followup.scheduled`], openOnly: () => true },
  overdueFollowUp: { rules: (t) => [`${t}.followup.scheduled`], openOnly: () => true },
  missingCloseDate: { rules: () => ["opportunity.closedate.required"], openOnly: () => true },
  missingEstimatedValue: { rules: () => ["opportunity.value.required"], openOnly: () => true },
  missingPrimaryContact: { rules: () => ["account.primarycontact.active"], openOnly: () => true },
  duplicate: { rules: (t) => [`${t}.duplicate`], openOnly: () => true },
  leadIsExistingContact: { rules: () => ["lead.duplicate"], openOnly: () => true },
};

/** Rules whose failures correspond one-to-one to ground-truth kinds (so a failure without a recorded defect is a false positive). */
export const EXACT_RULES: Record<string, string[]> = {
  "contact.jobtitle.required": ["missingJobTitle"],
  "account.website.required": ["missingWebsite"],
  "account.industry.required": ["missingIndustry"],
  "contact.account.active": ["contactWithoutAccount"],
  "opportunity.closedate.not_past": ["pastCloseDate"],
  "opportunity.closedate.required": ["missingCloseDate"],
  "opportunity.value.required": ["missingEstimatedValue"],
  "opportunity.stage.exit_criteria": ["stageWithoutExitCriteria"],
  "opportunity.stage.days": ["stuckDeal"],
  "lead.stage.days": ["stuckLead"],
  "opportunity.followup.scheduled": ["noFollowUp", "overdueFollowUp"],
  "lead.followup.scheduled": ["noFollowUp", "overdueFollowUp"],
  "account.primarycontact.active": ["missingPrimaryContact"],
  "contact.email.format": ["malformedEmail"],
  "contact.owner.enabled": ["disabledOwner"],
  "account.owner.enabled": ["disabledOwner"],
};
