/**
 * Collection-valued navigation properties (the "many" side of one-to-many relationships), named as
 * Dataverse names them (relationship SchemaName, e.g. `contact_customer_accounts`, `Account_Tasks`):
 * used by `$expand`, by paths such as `accounts(<id>)/contact_customer_accounts` (with `/$count`),
 * by deep insert and by `$ref` associate/disassociate. Each is a lookup column on the related table;
 * a relationship whose column the emulator's schema lacks is left out.
 */
import { BY_LOGICAL, propertyName, type ColumnDef } from "./schema";

export interface CollectionNav {
  /** Navigation property name on the referenced ("one") table. */
  name: string;
  /** The related ("many") table. */
  target: string;
  /** The lookup on the related table that points back. */
  column: ColumnDef;
  /** Its Web API property (`_parentcustomerid_value`). */
  prop: string;
  /** Whether the lookup takes several tables (then the stored target type must match too). */
  polymorphic: boolean;
}

const ACTIVITIES: [table: string, suffix: string][] = [
  ["task", "Tasks"], ["email", "Emails"], ["phonecall", "Phonecalls"], ["appointment", "Appointments"], ["activitypointer", "ActivityPointers"],
];
const REGARDING: [table: string, prefix: string][] = [["account", "Account"], ["contact", "Contact"], ["lead", "Lead"], ["opportunity", "Opportunity"]];

/** [name, one, many, column] from Microsoft's table reference pages (One-To-Many relationships). */
const DEFINED: [string, string, string, string][] = [
  ["contact_customer_accounts", "account", "contact", "parentcustomerid"],
  ["contact_customer_contacts", "contact", "contact", "parentcustomerid"],
  ["account_parent_account", "account", "account", "parentaccountid"],
  ["account_primary_contact", "contact", "account", "primarycontactid"],
  ["opportunity_customer_accounts", "account", "opportunity", "customerid"],
  ["opportunity_customer_contacts", "contact", "opportunity", "customerid"],
  ["opportunity_parent_account", "account", "opportunity", "parentaccountid"],
  ["opportunity_parent_contact", "contact", "opportunity", "parentcontactid"],
  ["lead_customer_accounts", "account", "lead", "customerid"],
  ["lead_customer_contacts", "contact", "lead", "customerid"],
  ["lead_parent_account", "account", "lead", "parentaccountid"],
  ["lead_parent_contact", "contact", "lead", "parentcontactid"],
  ["opportunity_originating_lead", "lead", "opportunity", "originatingleadid"],
  ...REGARDING.flatMap(([one, prefix]) => ACTIVITIES.map(([many, suffix]) => [`${prefix}_${suffix}`, one, many, "regardingobjectid"] as [string, string, string, string])),
];

const BY_TABLE = new Map<string, Map<string, CollectionNav>>();
for (const [name, one, many, column] of DEFINED) {
  const c = BY_LOGICAL.get(many)?.columns.find((x) => x.name === column);
  if (!c || !BY_LOGICAL.has(one) || !(c.targets ?? []).includes(one)) continue;
  let m = BY_TABLE.get(one);
  if (!m) BY_TABLE.set(one, (m = new Map<string, CollectionNav>()));
  m.set(name, { name, target: many, column: c, prop: propertyName(c), polymorphic: (c.targets?.length ?? 0) > 1 });
}

/** The collection-valued navigation properties of a table, by name. */
export function collectionNavigations(table: string): ReadonlyMap<string, CollectionNav> {
  return BY_TABLE.get(table) ?? new Map<string, CollectionNav>();
}
