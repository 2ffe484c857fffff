/**
 * Bearer tokens for the Graph stand-in: unsigned JWTs (`base64url(header).base64url(payload).`)
 * shaped like Entra ID access tokens for Microsoft Graph. Application tokens carry `roles`,
 * delegated tokens carry `scp` (space-separated) and `oid` (the signed-in user's object id).
 */

export const GRAPH_AUDIENCE = "https://graph.microsoft.com";
/** Microsoft Graph's application id, also accepted as `aud`. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
/** The tenant and client application the stand-in's tokens name. */
export const STAND_IN_TENANT_ID = "5f1c0d1e-8a7b-4c3d-9e2f-0a1b2c3d4e5f";
export const STAND_IN_CLIENT_ID = "0c6b1a6e-3f0d-4d55-9a77-6b3c1f2e9d10";

export type Principal =
  | { kind: "application"; roles: string[]; appId: string }
  | { kind: "delegated"; scopes: string[]; oid: string; appId: string };

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function checkNames(what: string, names: unknown): string[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || !/^[A-Za-z][\w.]*$/.test(n))) {
    throw new Error(`${what} must be an array of permission names such as "Mail.ReadBasic.All", got ${JSON.stringify(names)}`);
  }
  return names as string[];
}

/** An application-permission token (client credentials flow). */
export function mintAppToken(roles: string[], appId = STAND_IN_CLIENT_ID): string {
  checkNames("roles", roles);
  const payload = { aud: GRAPH_AUDIENCE, iss: `https://sts.windows.net/${STAND_IN_TENANT_ID}/`, tid: STAND_IN_TENANT_ID, appid: appId, idtyp: "app", roles };
  return `${b64url({ typ: "JWT", alg: "none" })}.${b64url(payload)}.`;
}

/** A delegated token for one user (authorization code / on-behalf-of flow). */
export function mintDelegatedToken(oid: string, scopes: string[], appId = STAND_IN_CLIENT_ID): string {
  checkNames("scopes", scopes);
  const payload = { aud: GRAPH_AUDIENCE, iss: `https://sts.windows.net/${STAND_IN_TENANT_ID}/`, tid: STAND_IN_TENANT_ID, appid: appId, idtyp: "user", scp: scopes.join(" "), oid };
  return `${b64url({ typ: "JWT", alg: "none" })}.${b64url(payload)}.`;
}

/**
 * Reads the `Authorization` header the way Graph does: a missing header, a token that is not
 * a JWT, a wrong audience or an expired token is an `InvalidAuthenticationToken` (401).
 */
export function readBearer(header: string | undefined, nowMs = Date.now()): Principal {
  const m = /^Bearer\s+(\S*)\s*$/i.exec(header ?? "");
  if (!m || m[1] === "") throw new TokenError("Access token is empty.");
  const parts = m[1].split(".");
  if (parts.length < 2) {
    throw new TokenError("IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.");
  }
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    payload = parsed as Record<string, unknown>;
  } catch {
    throw new TokenError("CompactToken parsing failed with error code: 80049217 (the token payload is not base64url-encoded JSON).");
  }
  if (payload.aud !== GRAPH_AUDIENCE && payload.aud !== GRAPH_APP_ID) {
    throw new TokenError(`Access token validation failure. Invalid audience. (aud is ${JSON.stringify(payload.aud)}, expected "${GRAPH_AUDIENCE}")`);
  }
  if (payload.exp !== undefined && (typeof payload.exp !== "number" || payload.exp * 1000 <= nowMs)) {
    throw new TokenError("Lifetime validation failed, the token is expired.");
  }
  const appId = typeof payload.appid === "string" ? payload.appid : STAND_IN_CLIENT_ID;
  if (payload.scp !== undefined) {
    if (typeof payload.scp !== "string") throw new TokenError("Access token validation failure. The 'scp' claim must be a space-separated string.");
    if (typeof payload.oid !== "string" || payload.oid === "") throw new TokenError("Access token validation failure. A delegated token (scp) must carry the user's 'oid'.");
    return { kind: "delegated", scopes: payload.scp.split(/\s+/).filter(Boolean), oid: payload.oid, appId };
  }
  const roles = payload.roles ?? [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== "string")) {
    throw new TokenError("Access token validation failure. The 'roles' claim must be an array of strings.");
  }
  return { kind: "application", roles: roles as string[], appId };
}
