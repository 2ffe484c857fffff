/**
 * Merging duplicates through the Web API (the gateway's `merge` port): the unbound `Merge` action,
 * a record read in full with its ETag (what the journal keeps of a subordinate), and the rows that
 * point at a record through the lookups Merge re-parents, found from the relationship metadata
 * (`EntityDefinitions(LogicalName=…)/OneToManyRelationships`, read once per table).
 *
 * Like `writeFixes`, `merge` writes customers' records and is for approved fixes only
 * (plugins-ts/fix/merge-apply.ts journals first). A dropped connection is retried by the executor;
 * a repeated Merge of a pair that did merge answers MergeEntityNotActiveError, which the caller
 * decides by reading the subordinate. Relationships whose table the caller cannot read are left
 * out of `children` and named in `unreadable`, so the journal says what it could not list.
 */
import type { DynamicsWebApi } from "dynamics-web-api";
import { fallbackTableInfo } from "./entitysets";
import { DataverseError } from "./errors";
import { cleanRow, type DataverseGateway, type Row, type VersionedRow } from "./gateway";
import { f, guid, normaliseGuid } from "./requests";
import type { RequestExecutor } from "./resilience";

export interface MergeRequest {
  /** account, contact or lead. */
  table: string;
  targetId: string;
  subordinateId: string;
  /** Columns to set on the target (plain columns; lookups as `<nav>@odata.bind`). */
  updateContent: Row;
  performParentingChecks: boolean;
}

/** A row that points at a record through a lookup Merge re-parents. */
export interface ChildRef {
  table: string;
  id: string;
  /** Logical name of the lookup column (`parentcustomerid`). */
  column: string;
  /** The single-valued navigation property to bind it (`parentcustomerid_account`). */
  navigation: string;
}

export interface ChildList {
  children: ChildRef[];
  /** `table.column` relationships whose rows could not be read (no privilege): not journaled. */
  unreadable: string[];
}

export interface MergePort {
  merge(req: MergeRequest): Promise<void>;
  /** Every column of a record and its ETag; null when it does not exist or cannot be read. */
  readFull(table: string, id: string): Promise<VersionedRow | null>;
  children(table: string, id: string): Promise<ChildList>;
}

interface Relationship {
  ReferencingEntity: string;
  ReferencingAttribute: string;
  ReferencingEntityNavigationPropertyName: string;
  CascadeConfiguration?: { Merge?: string };
}

/** Lookups the platform keeps to itself or does not move on merge (and activitypointer, a read-only view). */
const SKIP_ATTRIBUTES = new Set(["masterid", "createdby", "modifiedby", "createdonbehalfby", "modifiedonbehalfby", "owninguser", "owningteam", "owningbusinessunit", "ownerid"]);
const SKIP_TABLES = new Set(["activitypointer", "activityparty"]);

export function createMergePort(exec: RequestExecutor, client: DynamicsWebApi, gateway: DataverseGateway): MergePort {
  const relationships = new Map<string, Promise<Relationship[]>>();
  const relationshipsOf = (table: string): Promise<Relationship[]> => {
    let p = relationships.get(table);
    if (!p) {
      p = exec
        .run(`GET EntityDefinitions(LogicalName='${table}')/OneToManyRelationships`, () =>
          client.retrieve<{ value: Relationship[] }>({
            collection: "EntityDefinitions",
            key: `LogicalName='${table}'`,
            navigationProperty: "OneToManyRelationships",
            select: ["ReferencingEntity", "ReferencingAttribute", "ReferencingEntityNavigationPropertyName", "CascadeConfiguration"],
          }),
        )
        .then((res) => res.value.filter((r) => !SKIP_TABLES.has(r.ReferencingEntity) && !SKIP_ATTRIBUTES.has(r.ReferencingAttribute) && (r.CascadeConfiguration?.Merge ?? "Cascade") === "Cascade"));
      p.catch(() => relationships.delete(table));
      relationships.set(table, p);
    }
    return p;
  };

  return {
    async merge(req) {
      const target = normaliseGuid(req.targetId, "Merge target");
      const subordinate = normaliseGuid(req.subordinateId, "Merge subordinate");
      const type = `Microsoft.Dynamics.CRM.${req.table}`;
      const key = `${req.table}id`;
      await exec.run(`POST Merge (${req.table} ${subordinate} into ${target})`, () =>
        client.callAction({
          actionName: "Merge",
          action: {
            Target: { "@odata.type": type, [key]: target },
            Subordinate: { "@odata.type": type, [key]: subordinate },
            UpdateContent: { "@odata.type": type, ...req.updateContent },
            PerformParentingChecks: req.performParentingChecks,
          },
        }),
      );
      exec.count("rowsWritten", 2);
    },

    async readFull(table, id) {
      const collection = await gateway.entitySetName(table);
      const key = normaliseGuid(id, `${table} id`);
      try {
        const raw = await exec.run(`GET ${collection}(${key})`, () => client.retrieve<Record<string, unknown>>({ collection, key }));
        exec.count("rowsRead", 1);
        const etag = raw["@odata.etag"] ?? raw.oDataEtag;
        if (typeof etag !== "string") throw new Error(`GET ${collection}(${key}) returned no ETag`);
        return { row: cleanRow(raw), etag };
      } catch (err) {
        if (err instanceof DataverseError && (err.status === 404 || err.status === 403)) return null;
        throw err;
      }
    },

    async children(table, id) {
      const rels = await relationshipsOf(table);
      const byTable = new Map<string, Relationship[]>();
      for (const r of rels) byTable.set(r.ReferencingEntity, [...(byTable.get(r.ReferencingEntity) ?? []), r]);
      const out: ChildList = { children: [], unreadable: [] };
      for (const [child, list] of byTable) {
        const props = list.map((r) => `_${r.ReferencingAttribute}_value`);
        const filter = f.or(...props.map((p) => f.eq(p, guid(id))));
        const primary = fallbackTableInfo(child).primaryIdAttribute;
        try {
          for await (const page of gateway.streamTable({ table: child, columns: props, filter })) {
            for (const row of page.rows) {
              const rowId = String(row[primary] ?? "").toLowerCase();
              list.forEach((r, i) => {
                const v = row[props[i]];
                if (typeof v === "string" && v.toLowerCase() === id.toLowerCase()) out.children.push({ table: child, id: rowId, column: r.ReferencingAttribute, navigation: r.ReferencingEntityNavigationPropertyName });
              });
            }
          }
        } catch (err) {
          if (!(err instanceof DataverseError) || (err.status !== 403 && err.status !== 404)) throw err;
          out.unreadable.push(...list.map((r) => `${child}.${r.ReferencingAttribute}`));
        }
      }
      return out;
    },
  };
}
