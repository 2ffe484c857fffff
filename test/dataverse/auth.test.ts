import { scopeFor, selectAuthMethod, tokenProviderFromOptions } from "../../plugins-ts/dataverse/auth";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

describe("sign-in options", () => {
  it("derives the scope from the organisation URL", () => {
    expect(scopeFor("https://contoso.crm4.dynamics.com/")).toBe("https://contoso.crm4.dynamics.com/.default");
    expect(scopeFor("https://contoso.crm.dynamics.com/api/data/v9.2/")).toBe("https://contoso.crm.dynamics.com/.default");
    expect(() => scopeFor("contoso")).toThrow("organisation URL 'contoso' is not a URL");
  });

  it("selects exactly one method", () => {
    expect(selectAuthMethod({ token: "abc" })).toBe("token");
    expect(selectAuthMethod({ tenantId: TENANT, clientId: CLIENT, clientSecret: "s" })).toBe("clientSecret");
    expect(selectAuthMethod({ managedIdentity: true, clientId: CLIENT })).toBe("managedIdentity");
    expect(selectAuthMethod({ managedIdentity: true, clientId: CLIENT, federatedAppId: CLIENT, tenantId: TENANT })).toBe("federatedApp");
    expect(() => selectAuthMethod({ managedIdentity: true, federatedAppId: CLIENT })).toThrow(/federated credential needs tenantId/);
    expect(() => selectAuthMethod({ azureCli: true, federatedAppId: CLIENT })).toThrow(/federatedAppId goes with a managed identity/);
    expect(selectAuthMethod({ azureCli: true, tenantId: "contoso.onmicrosoft.com" })).toBe("azureCli");
    expect(selectAuthMethod({ deviceCode: true })).toBe("deviceCode");
  });

  it("explains contradictory and incomplete options", () => {
    expect(() => selectAuthMethod({})).toThrow("no sign-in method given");
    expect(() => selectAuthMethod({ token: "abc", azureCli: true })).toThrow("choose one sign-in method, got token and azureCli");
    expect(() => selectAuthMethod({ clientSecret: "s" })).toThrow("sign-in options are not usable: client secret sign-in needs tenantId; client secret sign-in needs clientId");
    expect(() => selectAuthMethod({ managedIdentity: true, tenantId: TENANT })).toThrow("managed identity takes no tenantId");
    expect(() => selectAuthMethod({ deviceCode: true, clientId: "app" })).toThrow("clientId 'app' is not a GUID");
    expect(() => selectAuthMethod({ token: "a b" })).toThrow("token is empty or contains spaces");
  });

  it("returns a plain token as is (without a Bearer prefix)", async () => {
    await expect(tokenProviderFromOptions({ token: "Bearer eyJ0" }, "https://contoso.crm.dynamics.com")()).resolves.toBe("eyJ0");
  });

  it("builds credential-backed providers without contacting anyone until asked", () => {
    expect(typeof tokenProviderFromOptions({ tenantId: TENANT, clientId: CLIENT, clientSecret: "s" }, "https://contoso.crm.dynamics.com")).toBe("function");
    expect(typeof tokenProviderFromOptions({ managedIdentity: true }, "https://contoso.crm.dynamics.com")).toBe("function");
  });
});
