/**
 * The organisation's CRM Vitals settings, read from Dataverse environment variables: the rule pack
 * (vit_RulePack) and the audit cadence (vit_AuditCadenceDays). A value overrides the definition's
 * default, as Dataverse resolves environment variables.
 */
import type { DataverseGateway } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { defaultRulePack } from "../engine/packs";
import type { RulePack } from "../engine/pack/types";
import { formatPackError, validateRulePack } from "../engine/pack/validate";

export const RULE_PACK_VARIABLE = "vit_RulePack";
export const CADENCE_VARIABLE = "vit_AuditCadenceDays";

/** The current text of an environment variable: its value row, else its default; null when neither is set. */
export async function readEnvironmentVariable(gateway: DataverseGateway, schemaName: string): Promise<string | null> {
  let definitionId: string | null = null;
  let defaultValue: string | null = null;
  for await (const page of gateway.streamTable({ table: "environmentvariabledefinition", columns: ["schemaname", "defaultvalue"], filter: f.eq("schemaname", schemaName), pageSize: 1 })) {
    const row = page.rows[0];
    if (row) {
      definitionId = String(row.environmentvariabledefinitionid);
      defaultValue = typeof row.defaultvalue === "string" && row.defaultvalue.trim() ? row.defaultvalue : null;
    }
    break;
  }
  if (!definitionId) return null;
  for await (const page of gateway.streamTable({ table: "environmentvariablevalue", columns: ["value", "schemaname"], filter: f.eq("schemaname", schemaName), pageSize: 1 })) {
    const row = page.rows[0];
    if (row && typeof row.value === "string" && row.value.trim()) return row.value;
    break;
  }
  return defaultValue;
}

export interface OrgRulePack {
  pack: RulePack;
  /** Where the pack came from, in words. */
  source: string;
  /** Why the organisation's pack was not used, when it was not. */
  warning?: string;
}

/**
 * The organisation's rule pack. An invalid pack is refused as a whole: the default pack stays in
 * force and the warning lists every error, so an audit never runs on half a pack.
 */
export async function loadOrgRulePack(gateway: DataverseGateway): Promise<OrgRulePack> {
  const text = await readEnvironmentVariable(gateway, RULE_PACK_VARIABLE);
  if (!text) return { pack: defaultRulePack(), source: `the built-in default pack (${RULE_PACK_VARIABLE} is not set)` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { pack: defaultRulePack(), source: "the built-in default pack", warning: `${RULE_PACK_VARIABLE} is not valid JSON (${(err as Error).message}); the default pack stays in force` };
  }
  const result = validateRulePack(data);
  if (!result.ok) {
    return {
      pack: defaultRulePack(),
      source: "the built-in default pack",
      warning: `${RULE_PACK_VARIABLE} is not a valid rule pack; the default pack stays in force:\n${result.errors.map(formatPackError).join("\n")}`,
    };
  }
  return { pack: result.pack, source: `${RULE_PACK_VARIABLE} (${result.pack.id} ${result.pack.version})` };
}

/** Days between audits (default 30 when unset or not a positive number). */
export async function loadAuditCadenceDays(gateway: DataverseGateway): Promise<number> {
  const text = await readEnvironmentVariable(gateway, CADENCE_VARIABLE);
  const n = text === null ? NaN : Number(text);
  return Number.isFinite(n) && n > 0 ? n : 30;
}
