/**
 * Generates standard-columns.json, the emulator's standard columns of account and opportunity, from
 * real Dataverse attribute metadata (RetrieveMetadataChanges responses captured from an organisation;
 * see ./SOURCES.md). For each column: logical name, type, label, required level, choices (labels by
 * value, booleans' two options), lookup targets, and MaxLength when the capture carries it (this one
 * doesn't: the emulator then takes 4,000, the longest single-line text, so it never refuses a value
 * Dataverse would take). Left out: virtual columns, companions of another column (AttributeOf:
 * `…name`, `…_base`), solution-added columns (publisher prefixes) and lookups to tables the
 * emulator doesn't have.
 *
 *   npx tsx sandbox/emulator/standard/generate.ts [<metadata folder>]
 *
 * The folder defaults to `metadata/` beside this file (the two captures, vendored with their
 * source in SOURCES.md); a missing file is an error naming it. The output is written whole (temporary file, then rename).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const TABLES = ["account", "opportunity"];
/** Tables the emulator has, for lookup targets. */
const KNOWN = new Set(["account", "contact", "lead", "opportunity", "systemuser", "team", "businessunit", "processstage", "workflow"]);
const PREFIXES = /^(adx_|msa_|msdyn_|cdsify_|new_|cr[0-9a-f]{3}_)/;

type Label = { UserLocalizedLabel?: { Label?: string } | null } | null | undefined;
interface Attr {
  LogicalName: string;
  AttributeType: string;
  AttributeOf?: string | null;
  Format?: string | null;
  MaxLength?: number | null;
  Targets?: string[] | null;
  DisplayName?: Label;
  RequiredLevel?: { Value?: string } | null;
  OptionSet?: { Options?: { Value: number; Label: Label }[]; TrueOption?: { Value: number; Label: Label }; FalseOption?: { Value: number; Label: Label } } | null;
}

const TYPES: Record<string, string> = {
  String: "string", Memo: "memo", Integer: "integer", BigInt: "bigint", Decimal: "decimal", Double: "decimal", Money: "money",
  Boolean: "boolean", DateTime: "datetime", Picklist: "picklist", State: "state", Status: "status", Lookup: "lookup",
  Customer: "customer", Owner: "owner", Uniqueidentifier: "uniqueidentifier", EntityName: "entityname",
};

const text = (l: Label): string => l?.UserLocalizedLabel?.Label ?? "";

/** One column as [name, type, label, requiredLevel, extra]; extra holds maxLength, options or targets. */
export function compactColumn(a: Attr): [string, string, string, string, Record<string, unknown>] | null {
  if (a.AttributeOf || PREFIXES.test(a.LogicalName)) return null;
  let type = TYPES[a.AttributeType];
  if (!type) return null; // Virtual, ManagedProperty, …
  if (type === "datetime" && a.Format === "DateOnly") type = "dateonly";
  const extra: Record<string, unknown> = {};
  if (type === "string" || type === "memo") extra.maxLength = a.MaxLength ?? (type === "memo" ? 1048576 : 4000);
  if (["picklist", "state", "status"].includes(type)) {
    extra.options = Object.fromEntries((a.OptionSet?.Options ?? []).map((o) => [o.Value, text(o.Label)]));
  }
  if (type === "boolean" && a.OptionSet?.TrueOption && a.OptionSet.FalseOption) {
    extra.options = { [a.OptionSet.FalseOption.Value]: text(a.OptionSet.FalseOption.Label), [a.OptionSet.TrueOption.Value]: text(a.OptionSet.TrueOption.Label) };
  }
  if (type === "lookup" || type === "customer" || type === "owner") {
    const targets = a.Targets ?? [];
    if (!targets.length || !targets.every((t) => KNOWN.has(t))) return null;
    extra.targets = targets;
  }
  return [a.LogicalName, type, text(a.DisplayName), a.RequiredLevel?.Value ?? "None", extra];
}

function main(): void {
  const folder = process.argv[2] ?? join(HERE, "metadata");
  const tables: Record<string, unknown[]> = {};
  for (const t of TABLES) {
    const file = join(folder, `dataverse-gen_${t}-metadata.json`);
    if (!existsSync(file)) throw new Error(`standard columns: ${file} is missing (pass the metadata folder as the first argument)`);
    const json = JSON.parse(readFileSync(file, "utf8")) as { EntityMetadata?: { LogicalName: string; Attributes: Attr[] }[] };
    const entity = json.EntityMetadata?.find((e) => e.LogicalName === t);
    if (!entity) throw new Error(`standard columns: ${file} has no EntityMetadata for '${t}'`);
    tables[t] = entity.Attributes.map(compactColumn).filter((c) => c !== null).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }
  const out = join(HERE, "standard-columns.json");
  const body = `${JSON.stringify({ source: "scottdurow/dataverse-gen src/__tests__/data/*-metadata.json @5986b26 (see SOURCES.md)", columns: "[name, type, label, requiredLevel, {maxLength|options|targets}]", tables })}\n`;
  writeFileSync(`${out}.tmp`, body);
  renameSync(`${out}.tmp`, out);
  console.log(`standard columns: ${Object.entries(tables).map(([t, c]) => `${t} ${c.length}`).join(", ")} → ${out}`);
}

main();
