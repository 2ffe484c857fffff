/**
 * The metadata endpoints: `$metadata` (a CSDL document of every table's properties and entity sets)
 * and `EntityDefinitions` (one table or all, by LogicalName or MetadataId; `/Attributes` with
 * `Microsoft.Dynamics.CRM.<Type>AttributeMetadata` casts, `/Keys`; $select, $filter on names and
 * $expand of Attributes/Keys/OptionSet). The definitions come from metadata.ts. A filter or expand
 * beyond those is a 400 saying what the emulator takes; an unknown table or attribute is a 404.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { ALL_ENTITY_METADATA, selectProps } from "./metadata";
import { BY_LOGICAL, TABLES, propertyName, type ColumnDef } from "./schema";
import { json, type Emulator, type Req, type Res } from "./context";
import type { KeyIndexes } from "./keyindexes";

export function entityDefinitions(r: Req, path: string, indexes: KeyIndexes): Res {
  const selectOf = (s: string | null): string[] | null => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : null);
  const m = /^EntityDefinitions(?:\((?:LogicalName='(\w+)'|([0-9a-fA-F-]{36}))\))?(?:\/Attributes(?:\((?:LogicalName='(\w+)'|([0-9a-fA-F-]{36}))\)|\/Microsoft\.Dynamics\.CRM\.(\w+))?)?(?:\/Keys)?$/.exec(path);
  if (!m) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${path}'.`);
  const all = ALL_ENTITY_METADATA().map((e) => withKeyStatus(e, indexes));
  if (!m[1] && !m[2]) {
    let list = all;
    const f = r.query.get("$filter");
    if (f) {
      const fm = /^\s*(LogicalName|EntitySetName|SchemaName)\s+eq\s+'([^']*)'\s*$/.exec(f);
      if (!fm) throw badQuery(`The emulator filters EntityDefinitions by LogicalName, EntitySetName or SchemaName eq '…' only (got '${f}').`);
      list = list.filter((e) => String(e[fm[1]]).toLowerCase() === fm[2].toLowerCase());
    }
    const sel = selectOf(r.query.get("$select"));
    return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions`, value: list.map((e) => selectProps({ ...e, Attributes: undefined, Keys: undefined }, sel)) });
  }
  const entity = all.find((e) => (m[1] ? e.LogicalName === m[1].toLowerCase() : e.MetadataId === m[2].toLowerCase()));
  if (!entity) throw new ODataError(404, CODES.notFound, `Could not find an entity with ${m[1] ? `LogicalName = '${m[1]}'` : `MetadataId = ${m[2]}`}.`);
  const t = BY_LOGICAL.get(entity.LogicalName as string)!;
  const attrs = entity.Attributes as Record<string, unknown>[];
  if (path.endsWith("/Keys")) return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Keys`, value: entity.Keys });
  if (path.includes("/Attributes")) {
    const sel = selectOf(r.query.get("$select"));
    const expandOptionSet = /OptionSet|GlobalOptionSet/.test(r.query.get("$expand") ?? "");
    const shape = (a: Record<string, unknown>): Record<string, unknown> => {
      const o = selectProps(a, sel);
      if (sel && expandOptionSet && a.OptionSet) o.OptionSet = a.OptionSet;
      return o;
    };
    if (m[3] || m[4]) {
      const a = attrs.find((x) => (m[3] ? x.LogicalName === m[3].toLowerCase() : x.MetadataId === m[4]));
      if (!a) throw new ODataError(404, CODES.notFound, `Could not find an attribute with ${m[3] ? `LogicalName = '${m[3]}'` : `MetadataId = ${m[4]}`} on '${t.logicalName}'.`);
      return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Attributes/$entity`, ...shape(a) });
    }
    let list = attrs;
    if (m[5]) list = list.filter((a) => a["@odata.type"] === `#Microsoft.Dynamics.CRM.${m[5]}`);
    return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Attributes`, value: list.map(shape) });
  }
  const sel = selectOf(r.query.get("$select"));
  const out: Record<string, unknown> = selectProps({ ...entity, Attributes: undefined, Keys: undefined }, sel);
  delete out.Attributes;
  delete out.Keys;
  const expand = r.query.get("$expand");
  if (expand) {
    for (const item of splitExpand(expand)) {
      const em = /^(Attributes|Keys)(?:\((.*)\))?$/.exec(item);
      if (!em) throw badQuery(`EntityDefinitions can expand Attributes and Keys (got '${item}').`);
      const opts = new Map((em[2] ?? "").split(";").filter(Boolean).map((o) => [o.slice(0, o.indexOf("=")).trim(), o.slice(o.indexOf("=") + 1).trim()] as const));
      if (em[1] === "Keys") {
        out.Keys = entity.Keys;
        continue;
      }
      let list = attrs;
      const f = opts.get("$filter");
      if (f) {
        const fm = /^\s*LogicalName\s+eq\s+'([^']*)'(?:\s+or\s+LogicalName\s+eq\s+'[^']*')*\s*$/.exec(f);
        if (!fm) throw badQuery(`The emulator filters Attributes by LogicalName eq '…' (or … or …) only (got '${f}').`);
        const names = [...f.matchAll(/'([^']*)'/g)].map((x) => x[1].toLowerCase());
        list = list.filter((a) => names.includes(a.LogicalName as string));
      }
      out.Attributes = list.map((a) => selectProps(a, selectOf(opts.get("$select") ?? null)));
    }
  }
  return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions/$entity`, ...out });
}

/** The entity's Keys with their index status now (metadata.ts writes them Active). */
function withKeyStatus(e: Record<string, unknown>, indexes: KeyIndexes): Record<string, unknown> {
  const table = e.LogicalName as string;
  const keys = (e.Keys as Record<string, unknown>[]).map((k) => ({ ...k, EntityKeyIndexStatus: indexes.statusOf(table, (k.LogicalName as string).slice(table.length + 1)) }));
  return { ...e, Keys: keys };
}

/** The complex type of managed properties (systemform.iscustomizable), as in Dataverse's CSDL. */
const MANAGED_PROPERTY = `<ComplexType Name="BooleanManagedProperty"><Property Name="Value" Type="Edm.Boolean" Nullable="false" /><Property Name="CanBeChanged" Type="Edm.Boolean" Nullable="false" /><Property Name="ManagedPropertyLogicalName" Type="Edm.String" /></ComplexType>`;

export function csdl(em: Emulator): Res {
  const types = TABLES.map((t) => {
    const props = t.columns.map((c) => `<Property Name="${propertyName(c)}" Type="${edmType(c)}" />`).join("");
    return `<EntityType Name="${t.logicalName}"><Key><PropertyRef Name="${t.primaryId}" /></Key>${props}</EntityType>`;
  }).join("");
  const sets = TABLES.map((t) => `<EntitySet Name="${t.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${t.logicalName}" />`).join("");
  const xml = `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">${types}${MANAGED_PROPERTY}<EntityContainer Name="System">${sets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
  em.count("metadata");
  return { status: 200, headers: { "Content-Type": "application/xml" }, text: xml };
}

function splitExpand(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function edmType(c: ColumnDef): string {
  switch (c.type) {
    case "uniqueidentifier":
    case "lookup":
    case "customer":
    case "owner": return "Edm.Guid";
    case "integer":
    case "picklist":
    case "state":
    case "status": return "Edm.Int32";
    case "bigint": return "Edm.Int64";
    case "decimal":
    case "money": return "Edm.Decimal";
    case "boolean": return "Edm.Boolean";
    case "datetime": return "Edm.DateTimeOffset";
    case "dateonly": return "Edm.Date";
    case "managedproperty": return "mscrm.BooleanManagedProperty";
    default: return "Edm.String";
  }
}
