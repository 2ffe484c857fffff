/**
 * `EntityDefinitions(LogicalName='<table>')/OneToManyRelationships`: the relationships in which a
 * table is the referenced ("one") side, with the referencing table, its lookup column and the
 * navigation property a client binds to (`parentcustomerid_account`, `regardingobjectid_account_task`).
 * Built from the same lookups the Merge action re-parents (merge.ts), so a client that journals the
 * children of a record before merging it finds exactly the rows the emulator will move. `$select`
 * picks properties; other query options are not supported here (400). Unknown table → 404.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { mergeChildLinks } from "./merge";
import { collectionNavigations } from "./relationships";
import { BY_LOGICAL, tableDef } from "./schema";
import { json, type Req, type Res } from "./context";

const PATH = /^EntityDefinitions\(LogicalName='(\w+)'\)\/OneToManyRelationships$/;

/** The answer, or null when the path is not this endpoint. */
export function oneToManyRelationships(r: Req, path: string): Res | null {
  const m = PATH.exec(path);
  if (!m) return null;
  if (r.method !== "GET") throw new ODataError(405, CODES.badQuery, "OneToManyRelationships is read-only.");
  for (const k of r.query.keys()) if (k !== "$select") throw badQuery(`The emulator answers OneToManyRelationships with $select only (got '${k}').`);
  if (!BY_LOGICAL.has(m[1])) throw new ODataError(404, CODES.notFound, `Could not find an entity with LogicalName '${m[1]}'.`);
  const one = tableDef(m[1]);
  const named = new Map([...collectionNavigations(one.logicalName).values()].map((n) => [`${n.target}|${n.column.name}`, n.name]));
  const select = r.query.get("$select")?.split(",").map((s) => s.trim()).filter(Boolean);
  const value = mergeChildLinks(one.logicalName).map((link) => {
    const many = tableDef(link.table);
    const nav = link.polymorphic ? `${link.column.name}_${one.logicalName}${many.isActivity ? `_${many.logicalName}` : ""}` : (link.column.navigationName ?? link.column.name);
    const rel: Record<string, unknown> = {
      SchemaName: named.get(`${many.logicalName}|${link.column.name}`) ?? `${one.logicalName}_${many.logicalName}_${link.column.name}`,
      ReferencedEntity: one.logicalName,
      ReferencedAttribute: one.primaryId,
      ReferencingEntity: many.logicalName,
      ReferencingAttribute: link.column.name,
      ReferencingEntityNavigationPropertyName: nav,
      IsCustomRelationship: many.isCustom === true,
      CascadeConfiguration: { Merge: "Cascade", Reparent: "NoCascade", Assign: "NoCascade", Delete: "RemoveLink", Share: "NoCascade", Unshare: "NoCascade" },
    };
    return select ? Object.fromEntries(select.filter((k) => k in rel).map((k) => [k, rel[k]])) : rel;
  });
  return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${one.logicalName}')/OneToManyRelationships`, value });
}
