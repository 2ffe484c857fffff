import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";

/** Inside Dynamics a web resource calls the Web API with the browser's session: no bearer token. */
describe("the gateway with the signed-in session (token: null)", () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "Content-Type": "application/json", "OData-Version": "4.0" });
      res.end(JSON.stringify({ BusinessUnitId: "11111111-1111-1111-1111-111111111111", UserId: "22222222-2222-2222-2222-222222222222", OrganizationId: "33333333-3333-3333-3333-333333333333" }));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("sends no Authorization header and still works", async () => {
    const gateway = createWebApiGateway({ serverUrl: url, token: null });
    await expect(gateway.whoAmI()).resolves.toEqual({ userId: "22222222-2222-2222-2222-222222222222", businessUnitId: "11111111-1111-1111-1111-111111111111", organizationId: "33333333-3333-3333-3333-333333333333" });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === undefined)).toBe(true);
  });

  it("with a token provider, sends the bearer token", async () => {
    seen.length = 0;
    const gateway = createWebApiGateway({ serverUrl: url, token: () => "abc" });
    await gateway.whoAmI();
    expect(seen[0].authorization).toBe("Bearer abc");
  });

  it("refuses anything else as the token option", () => {
    expect(() => createWebApiGateway({ serverUrl: url, token: "abc" as never })).toThrow(/token must be a function returning a bearer token, or null/);
  });
});
