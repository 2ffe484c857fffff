/**
 * EntityDefinitions generated from the schema registry, shaped like the real metadata
 * (the shape of real RetrieveMetadataChanges captures; see standard/SOURCES.md): LogicalName, SchemaName, AttributeType, AttributeTypeName,
 * IsValidForRead/Create/Update, RequiredLevel, DisplayName labels, Targets, OptionSet, Keys.
 */
import { createHash } from "node:crypto";
import { type ColumnDef, type ColumnType, type TableDef, TABLES, isLookupType } from "./schema";

const TYPE: Record<ColumnType, [attributeType: string, typeName: string, odataType: string]> = {
  uniqueidentifier: ["Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifierAttributeMetadata"],
  string: ["String", "StringType", "StringAttributeMetadata"],
  memo: ["Memo", "MemoType", "MemoAttributeMetadata"],
  integer: ["Integer", "IntegerType", "IntegerAttributeMetadata"],
  bigint: ["BigInt", "BigIntType", "BigIntAttributeMetadata"],
  decimal: ["Decimal", "DecimalType", "DecimalAttributeMetadata"],
  money: ["Money", "MoneyType", "MoneyAttributeMetadata"],
  boolean: ["Boolean", "BooleanType", "BooleanAttributeMetadata"],
  datetime: ["DateTime", "DateTimeType", "DateTimeAttributeMetadata"],
  dateonly: ["DateTime", "DateTimeType", "DateTimeAttributeMetadata"],
  picklist: ["Picklist", "PicklistType", "PicklistAttributeMetadata"],
  state: ["State", "StateType", "StateAttributeMetadata"],
  status: ["Status", "StatusType", "StatusAttributeMetadata"],
  lookup: ["Lookup", "LookupType", "LookupAttributeMetadata"],
  customer: ["Customer", "CustomerType", "LookupAttributeMetadata"],
  owner: ["Owner", "OwnerType", "LookupAttributeMetadata"],
  entityname: ["EntityName", "EntityNameType", "EntityNameAttributeMetadata"],
  managedproperty: ["ManagedProperty", "ManagedPropertyType", "ManagedPropertyAttributeMetadata"],
};

/** Deterministic metadata id from a name. */
function metadataId(name: string): string {
  const h = createHash("sha1").update(`crm-vitals-emulator:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function label(text: string, id: string): Record<string, unknown> {
  const l = { Label: text, LanguageCode: 1033, IsManaged: true, MetadataId: metadataId(id), HasChanged: null };
  return { LocalizedLabels: [l], UserLocalizedLabel: l };
}

/** SchemaName as Dataverse derives it for these tables (PascalCase per segment; prefix kept). */
export function schemaNameOf(name: string): string {
  if (name.startsWith("vit_")) return "vit_" + name.slice(4).replace(/^./, (c) => c.toUpperCase());
  return name.split("_").map((p) => p.replace(/^./, (c) => c.toUpperCase())).join("_");
}

export function attributeMetadata(t: TableDef, c: ColumnDef): Record<string, unknown> {
  const [attributeType, typeName, odataType] = TYPE[c.type];
  const isPk = c.name === t.primaryId;
  const computed = c.readOnly === true || ["createdon", "modifiedon", "versionnumber", "owningbusinessunit", "activitytypecode", "createdby", "modifiedby"].includes(c.name);
  const a: Record<string, unknown> = {
    "@odata.type": `#Microsoft.Dynamics.CRM.${odataType}`,
    MetadataId: metadataId(`${t.logicalName}.${c.name}`),
    LogicalName: c.name,
    SchemaName: schemaNameOf(c.name),
    EntityLogicalName: t.logicalName,
    AttributeType: attributeType,
    AttributeTypeName: { Value: typeName },
    AttributeOf: null,
    IsCustomAttribute: c.name.startsWith("vit_"),
    IsPrimaryId: isPk,
    IsPrimaryName: c.name === t.primaryName,
    IsLogical: false,
    IsValidODataAttribute: true,
    IsValidForRead: true,
    IsValidForCreate: !computed || isPk,
    IsValidForUpdate: !computed && !isPk,
    IsFilterable: true,
    IsSearchable: c.type === "string",
    IsRetrievable: true,
    IsSecured: false,
    RequiredLevel: { Value: c.requiredLevel ?? "None", CanBeChanged: c.requiredLevel !== "SystemRequired", ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings" },
    DisplayName: label(c.label, `${t.logicalName}.${c.name}.label`),
    Description: label("", `${t.logicalName}.${c.name}.description`),
  };
  if (c.type === "string" || c.type === "memo") {
    a.MaxLength = c.maxLength ?? 100;
    a.Format = c.type === "memo" ? "TextArea" : c.name.startsWith("emailaddress") || c.name === "internalemailaddress" ? "Email" : c.name === "websiteurl" ? "Url" : c.name.startsWith("telephone") || c.name === "mobilephone" ? "Phone" : "Text";
  }
  if (c.type === "datetime" || c.type === "dateonly") {
    a.Format = c.type === "dateonly" ? "DateOnly" : "DateAndTime";
    a.DateTimeBehavior = { Value: c.type === "dateonly" ? "DateOnly" : "UserLocal" };
  }
  if (isLookupType(c.type)) a.Targets = c.targets ?? [];
  if (c.type === "money") a.Precision = 2;
  if (c.options && (c.type === "picklist" || c.type === "state" || c.type === "status" || c.type === "boolean")) {
    const opts = Object.entries(c.options).map(([v, text]) => ({ Value: Number(v), Label: label(text, `${t.logicalName}.${c.name}.${v}`), Description: label("", `${t.logicalName}.${c.name}.${v}.d`) }));
    if (c.type === "boolean") {
      const f = opts.find((o) => o.Value === 0);
      const tr = opts.find((o) => o.Value === 1);
      a.OptionSet = { Name: `${t.logicalName}_${c.name}`, OptionSetType: "Boolean", IsGlobal: false, FalseOption: f, TrueOption: tr };
    } else {
      a.OptionSet = { Name: `${t.logicalName}_${c.name}`, OptionSetType: attributeType, IsGlobal: false, IsCustomOptionSet: c.name.startsWith("vit_"), Options: opts };
    }
  }
  return a;
}

/** English plural of a table name (Opportunity → Opportunities, Activity Party → Activity Parties). */
function plural(name: string): string {
  if (/[^aeiou]y$/i.test(name)) return `${name.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/i.test(name)) return `${name}es`;
  return `${name}s`;
}

export function entityMetadata(t: TableDef): Record<string, unknown> {
  return {
    MetadataId: metadataId(t.logicalName),
    LogicalName: t.logicalName,
    SchemaName: t.schemaName,
    EntitySetName: t.entitySetName,
    LogicalCollectionName: t.entitySetName,
    CollectionSchemaName: plural(t.schemaName),
    PrimaryIdAttribute: t.primaryId,
    PrimaryNameAttribute: t.primaryName,
    ObjectTypeCode: t.objectTypeCode,
    OwnershipType: t.ownership,
    IsActivity: t.isActivity === true,
    IsCustomEntity: t.isCustom === true,
    IsBPFEntity: t.isBpf === true,
    ChangeTrackingEnabled: t.changeTracking,
    IsValidForAdvancedFind: true,
    DisplayName: label(t.displayName, `${t.logicalName}.label`),
    DisplayCollectionName: label(plural(t.displayName), `${t.logicalName}.collection`),
    Description: label("", `${t.logicalName}.description`),
    Attributes: t.columns.map((c) => attributeMetadata(t, c)),
    Keys: t.alternateKeys.map((k) => ({
      MetadataId: metadataId(`${t.logicalName}.key.${k.name}`),
      LogicalName: `${t.logicalName}_${k.name}`,
      SchemaName: `${t.schemaName}_${k.name}`,
      KeyAttributes: k.columns,
      EntityLogicalName: t.logicalName,
      EntityKeyIndexStatus: "Active",
      DisplayName: label(k.columns.join(", "), `${t.logicalName}.key.${k.name}.label`),
    })),
  };
}

export const ALL_ENTITY_METADATA = (): Record<string, unknown>[] => TABLES.map(entityMetadata);

/** Keeps only the listed properties of a metadata object (plus @odata.type). */
export function selectProps(o: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select) return o;
  const out: Record<string, unknown> = {};
  if (o["@odata.type"]) out["@odata.type"] = o["@odata.type"];
  for (const s of select) if (s in o) out[s] = o[s];
  if ("MetadataId" in o) out.MetadataId = o.MetadataId;
  return out;
}
