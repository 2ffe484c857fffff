/**
 * Bearer tokens for Node (CLI, scheduled audits) through @azure/identity. One of:
 *  - a plain token you already have (`--token`);
 *  - a service principal with a client secret (tenantId + clientId + clientSecret);
 *  - a managed identity (system-assigned, or user-assigned with clientId);
 *  - an app registration that trusts a managed identity through a federated credential
 *    (managedIdentity + federatedAppId + tenantId: for environments that refuse a managed identity
 *    as application user);
 *  - the Azure CLI's signed-in account (`az login`);
 *  - device code sign-in (tenantId optional, clientId optional).
 * The scope is `<orgUrl>/.default`. @azure/identity caches and refreshes tokens; the provider
 * returned here is what `createWebApiGateway({ token })` calls before each request.
 */
import {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  DeviceCodeCredential,
  ManagedIdentityCredential,
  type DeviceCodeInfo,
  type TokenCredential,
} from "@azure/identity";

export interface AuthOptions {
  /** A bearer token (e.g. from `az account get-access-token --resource <orgUrl>`). */
  token?: string;
  tenantId?: string;
  /** App registration (client secret, device code) or user-assigned managed identity client id. */
  clientId?: string;
  clientSecret?: string;
  managedIdentity?: boolean;
  /** With managedIdentity: sign in as this app registration, whose federated credential trusts the managed identity. */
  federatedAppId?: string;
  azureCli?: boolean;
  deviceCode?: boolean;
  /** Where device-code instructions go; default stderr. */
  onDeviceCode?: (info: DeviceCodeInfo) => void;
}

export type TokenProvider = () => Promise<string>;

export type AuthMethod = "token" | "clientSecret" | "managedIdentity" | "federatedApp" | "azureCli" | "deviceCode";

/** Scope for an organisation: `https://contoso.crm.dynamics.com/.default`. */
export function scopeFor(orgUrl: string): string {
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch {
    throw new Error(`organisation URL '${orgUrl}' is not a URL (expected https://<org>.crm.dynamics.com)`);
  }
  return `${url.protocol}//${url.host}/.default`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which method the options select; throws one clear error when they are contradictory or incomplete. */
export function selectAuthMethod(o: AuthOptions): AuthMethod {
  const chosen: AuthMethod[] = [];
  if (o.token !== undefined) chosen.push("token");
  if (o.clientSecret !== undefined) chosen.push("clientSecret");
  if (o.managedIdentity) chosen.push("managedIdentity");
  if (o.azureCli) chosen.push("azureCli");
  if (o.deviceCode) chosen.push("deviceCode");
  if (chosen.length === 0) {
    throw new Error(
      "no sign-in method given: use one of --token <bearer>, --client-secret with --tenant-id and --client-id, --managed-identity, --azure-cli or --device-code",
    );
  }
  if (chosen.length > 1) throw new Error(`choose one sign-in method, got ${chosen.join(" and ")}`);
  const method = chosen[0] === "managedIdentity" && o.federatedAppId !== undefined ? "federatedApp" : chosen[0];
  if (o.federatedAppId !== undefined && method !== "federatedApp") throw new Error("federatedAppId goes with a managed identity (--managed-identity), whose token the app registration trusts");
  const problems: string[] = [];
  if (o.tenantId !== undefined && !GUID.test(o.tenantId) && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(o.tenantId)) {
    problems.push(`tenantId '${o.tenantId}' is neither a GUID nor a domain`);
  }
  if (o.clientId !== undefined && !GUID.test(o.clientId)) problems.push(`clientId '${o.clientId}' is not a GUID`);
  switch (method) {
    case "token":
      if (!o.token || /\s/.test(o.token.replace(/^Bearer\s+/i, ""))) problems.push("token is empty or contains spaces");
      if (o.tenantId || o.clientId) problems.push("a plain token takes no tenantId or clientId");
      break;
    case "clientSecret":
      if (!o.tenantId) problems.push("client secret sign-in needs tenantId");
      if (!o.clientId) problems.push("client secret sign-in needs clientId");
      if (!o.clientSecret) problems.push("clientSecret is empty");
      break;
    case "managedIdentity":
      if (o.tenantId) problems.push("managed identity takes no tenantId (only clientId for a user-assigned identity)");
      break;
    case "federatedApp":
      if (!o.tenantId) problems.push("an app registration with a federated credential needs tenantId");
      if (!GUID.test(o.federatedAppId ?? "")) problems.push(`federatedAppId '${o.federatedAppId ?? ""}' is not a GUID`);
      break;
    case "azureCli":
      if (o.clientId) problems.push("Azure CLI sign-in takes no clientId (it uses the account of `az login`)");
      break;
    case "deviceCode":
      break;
  }
  if (problems.length) throw new Error(`sign-in options are not usable: ${problems.join("; ")}`);
  return method;
}

function credentialFor(method: Exclude<AuthMethod, "token">, o: AuthOptions): TokenCredential {
  switch (method) {
    case "clientSecret":
      return new ClientSecretCredential(o.tenantId!, o.clientId!, o.clientSecret!);
    case "managedIdentity":
      return o.clientId ? new ManagedIdentityCredential({ clientId: o.clientId }) : new ManagedIdentityCredential();
    case "federatedApp": {
      // The managed identity's token for Entra's token exchange is the app registration's client assertion.
      const identity = o.clientId ? new ManagedIdentityCredential({ clientId: o.clientId }) : new ManagedIdentityCredential();
      return new ClientAssertionCredential(o.tenantId!, o.federatedAppId!, async () => {
        const t = await identity.getToken("api://AzureADTokenExchange/.default");
        return t.token;
      });
    }
    case "azureCli":
      return new AzureCliCredential(o.tenantId ? { tenantId: o.tenantId } : {});
    case "deviceCode":
      return new DeviceCodeCredential({
        ...(o.tenantId ? { tenantId: o.tenantId } : {}),
        ...(o.clientId ? { clientId: o.clientId } : {}),
        userPromptCallback: o.onDeviceCode ?? ((info) => process.stderr.write(info.message + "\n")),
      });
  }
}

/**
 * A token provider for `orgUrl` from sign-in options. Tokens are cached by @azure/identity and
 * renewed before they expire.
 */
export function tokenProviderFromOptions(o: AuthOptions, orgUrl: string): TokenProvider {
  return tokenProviderForScope(o, scopeFor(orgUrl));
}

/** A token provider for any resource's `.default` scope (Microsoft Graph: `https://graph.microsoft.com/.default`). */
export function tokenProviderForScope(o: AuthOptions, scope: string): TokenProvider {
  const method = selectAuthMethod(o);
  if (method === "token") {
    const token = o.token!.replace(/^Bearer\s+/i, "");
    return () => Promise.resolve(token);
  }
  const credential = credentialFor(method, o);
  return async () => {
    let result;
    try {
      result = await credential.getToken(scope);
    } catch (err) {
      throw new Error(`sign-in with ${method} for ${scope} failed: ${(err as Error).message}`, { cause: err });
    }
    if (!result?.token) throw new Error(`sign-in with ${method} for ${scope} returned no token`);
    return result.token;
  };
}
