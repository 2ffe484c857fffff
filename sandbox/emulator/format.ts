/**
 * Shapes rows as the Web API returns them: `@odata.etag`, the selected columns (lookups as
 * `_x_value`), the annotations the client asked for with `Prefer: odata.include-annotations`,
 * and `$expand`ed single-valued navigation properties and activity parties.
 */
import { rowComparator, type ExpandSpec } from "./odata";
import { type ColumnDef, type ResolvedTable, BY_LOGICAL, isLookupType, propertyName, tableDef, LOOKUP_TYPE_KEY } from "./schema";
import type { EmulatorStore, Row } from "./store";
import { str } from "./values";

export const FORMATTED = "OData.Community.Display.V1.FormattedValue";
export const LOOKUPNAME = "Microsoft.Dynamics.CRM.lookuplogicalname";
export const NAVPROP = "Microsoft.Dynamics.CRM.associatednavigationproperty";
export const TOTALCOUNT = "Microsoft.Dynamics.CRM.totalrecordcount";

export interface AnnotationPrefs {
  formatted: boolean;
  lookupName: boolean;
  navProp: boolean;
  /** Microsoft.Dynamics.CRM.totalrecordcount(+limitexceeded) next to @odata.count (documented: only when asked for). */
  totalCount: boolean;
  /** The preference text to echo in Preference-Applied. */
  applied: string;
}

export interface Preferences {
  maxPageSize: number | null;
  annotations: AnnotationPrefs | null;
  returnRepresentation: boolean;
  trackChanges: boolean;
  continueOnError: boolean;
}

/** Parses the Prefer header (several preferences, comma-separated; quoted values may hold commas). */
export function parsePrefer(header: string | undefined): Preferences {
  const out: Preferences = { maxPageSize: null, annotations: null, returnRepresentation: false, trackChanges: false, continueOnError: false };
  if (!header) return out;
  const re = /\s*([\w.-]+)(?:\s*=\s*("[^"]*"|[^,]*))?\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) && m[0].length > 0) {
    const name = m[1].toLowerCase();
    const value = (m[2] ?? "").replace(/^"|"$/g, "").trim();
    if (name === "odata.maxpagesize") {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) out.maxPageSize = n;
    } else if (name === "odata.include-annotations") {
      const patterns = value.split(",").map((s) => s.trim()).filter(Boolean);
      const matches = (name2: string): boolean =>
        patterns.some((p) => p === "*" || p === name2 || (p.endsWith(".*") && name2.startsWith(p.slice(0, -1))));
      out.annotations = { formatted: matches(FORMATTED), lookupName: matches(LOOKUPNAME), navProp: matches(NAVPROP), totalCount: matches(TOTALCOUNT), applied: `odata.include-annotations="${value}"` };
    } else if (name === "return" && value === "representation") {
      out.returnRepresentation = true;
    } else if (name === "odata.track-changes") {
      out.trackChanges = true;
    } else if (name === "odata.continue-on-error") {
      out.continueOnError = true;
    }
  }
  return out;
}

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });

function formatDateTime(iso: string): string {
  const d = new Date(iso);
  let h = d.getUTCHours();
  const ampm = h >= 12 ? "PM" : "AM";
  h = h % 12 || 12;
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h}:${String(d.getUTCMinutes()).padStart(2, "0")} ${ampm}`;
}
function formatDateOnly(s: string): string {
  const [y, m, d] = s.slice(0, 10).split("-");
  return `${Number(m)}/${Number(d)}/${y}`;
}

/** The formatted value of a non-lookup column, as an en-US user in UTC would see it. */
export function formatValue(c: ColumnDef, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  switch (c.type) {
    case "picklist":
    case "state":
    case "status":
      return c.options?.[v as number];
    case "boolean":
      return c.options?.[v ? 1 : 0] ?? (v ? "Yes" : "No");
    case "money":
      return money.format(v as number);
    case "integer":
    case "bigint":
      return integer.format(v as number);
    case "decimal":
      return decimal.format(v as number);
    case "datetime":
      return formatDateTime(str(v));
    case "dateonly":
      return formatDateOnly(str(v));
    case "entityname":
      return BY_LOGICAL.get(str(v))?.displayName ?? str(v);
    default:
      return undefined;
  }
}

export interface ProjectContext {
  store: EmulatorStore;
  annotations: AnnotationPrefs | null;
  /** Whether the caller may read a related row (expanded navigation properties). */
  canRead: (table: ResolvedTable, row: Row) => boolean;
}

function navPropertyName(t: ResolvedTable, c: ColumnDef, target: string | null): string {
  if (c.type === "owner") return "ownerid";
  if (c.targets && c.targets.length > 1 && target) return `${c.name}_${target}`;
  return c.name;
}

/** The display name of a related row (its primary name column). */
export function lookupName(store: EmulatorStore, target: string | null, id: string): string | undefined {
  if (!target || !BY_LOGICAL.has(target)) return undefined;
  const tt = tableDef(target);
  const r = store.get(target, id);
  if (!r) return undefined;
  const v = r[tt.primaryName];
  return v == null ? undefined : str(v);
}

/** Projects a stored row into the Web API JSON shape. */
export function projectRow(ctx: ProjectContext, t: ResolvedTable, row: Row, select: string[] | null, expand: ExpandSpec[] | null): Row {
  const out: Row = { "@odata.etag": `W/"${String(row.versionnumber)}"` };
  const ann = ctx.annotations;
  const props = select ?? t.columns.map(propertyName);
  for (const p of props) {
    const c = t.byProperty.get(p);
    if (!c) continue;
    const v = row[p] ?? null;
    if (ann && v !== null) {
      if (isLookupType(c.type)) {
        const target = ctx.store.lookupTarget(t, row, c.name);
        if (ann.formatted) {
          const name = lookupName(ctx.store, target, v as string);
          if (name !== undefined) out[`${p}@${FORMATTED}`] = name;
        }
        if (ann.navProp) out[`${p}@${NAVPROP}`] = navPropertyName(t, c, target);
        if (ann.lookupName && target) out[`${p}@${LOOKUPNAME}`] = target;
      } else if (ann.formatted) {
        const f = formatValue(c, v);
        if (f !== undefined) out[`${p}@${FORMATTED}`] = f;
      }
    }
    out[p] = v;
  }
  if (!(t.primaryId in out)) out[t.primaryId] = row[t.primaryId];
  if (expand) {
    for (const e of expand) {
      if (e.many && e.target) {
        // Collection-valued: the related rows that point at this row, readable ones only, in key order.
        const tt = tableDef(e.target);
        const { polymorphic, filter, order, top } = e.many;
        const related = ctx.store.byValues(e.target, e.many.prop, [str(row[t.primaryId])]).filter((r) =>
          ctx.canRead(tt, r) && (!polymorphic || ctx.store.lookupTarget(tt, r, e.column.name) === t.logicalName) && (!filter || filter(r)));
        related.sort(order?.length ? rowComparator(order, tt.primaryId) : (a, b) => (str(a[tt.primaryId]) < str(b[tt.primaryId]) ? -1 : 1));
        out[e.nav] = related.slice(0, top ?? related.length).map((r) => projectRow({ ...ctx }, tt, r, e.select, null));
        continue;
      }
      const id = row[propertyName(e.column)] as string | null | undefined;
      let target = e.target;
      const actual = id ? ctx.store.lookupTarget(t, row, e.column.name) : null;
      if (target === null) target = actual;
      if (!id || !target || (actual && actual !== target) || !BY_LOGICAL.has(target)) {
        out[e.nav] = null;
        continue;
      }
      const tt = tableDef(target);
      const related = ctx.store.get(target, id);
      if (!related || !ctx.canRead(tt, related)) {
        out[e.nav] = null;
        continue;
      }
      const sel = e.select ? e.select.filter((s) => tt.byProperty.has(s)) : null;
      out[e.nav] = projectRow({ ...ctx }, tt, related, sel, null);
    }
  }
  return out;
}

export { LOOKUP_TYPE_KEY };
