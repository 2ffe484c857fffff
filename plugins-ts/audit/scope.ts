/**
 * The key of an audit's scope as runs store it (`vit_scope`), and its reading back. Apart from the
 * plan on purpose: the Governance Center's first load reads stored scopes (run history, schedules)
 * without the planner and the duplicate matcher it brings.
 */
import type { AuditScope } from "./types";

/** A stable key of a scope: runs of the same scope are comparable and resumable. */
export function scopeKey(scope: AuditScope): string {
  return JSON.stringify({
    tables: [...scope.tables].sort(),
    ownerId: scope.ownerId?.toLowerCase() ?? null,
    teamId: scope.teamId?.toLowerCase() ?? null,
    businessUnitId: scope.businessUnitId?.toLowerCase() ?? null,
    // Only partitions have it, so keys of whole-scope runs stay what they were.
    ...(scope.createdOn ? { createdOn: { from: scope.createdOn.from, to: scope.createdOn.to } } : {}),
  });
}

/** The scope a stored key (`vit_scope`) describes; null when the text is not one. */
export function parseScopeKey(v: unknown): AuditScope | null {
  if (typeof v !== "string") return null;
  try {
    const s = JSON.parse(v) as { tables?: unknown; ownerId?: unknown; teamId?: unknown; businessUnitId?: unknown; createdOn?: { from?: unknown; to?: unknown } };
    if (!Array.isArray(s.tables) || !s.tables.every((t) => typeof t === "string")) return null;
    const scope: AuditScope = { tables: s.tables };
    if (typeof s.ownerId === "string" && s.ownerId) scope.ownerId = s.ownerId;
    if (typeof s.teamId === "string" && s.teamId) scope.teamId = s.teamId;
    if (typeof s.businessUnitId === "string" && s.businessUnitId) scope.businessUnitId = s.businessUnitId;
    if (s.createdOn) scope.createdOn = { from: typeof s.createdOn.from === "string" ? s.createdOn.from : null, to: typeof s.createdOn.to === "string" ? s.createdOn.to : null };
    return scope;
  } catch {
    return null;
  }
}
