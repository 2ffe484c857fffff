import { createGateway, recordLink, resolveConnection, type XrmLike } from "../../plugins-ts/webresources/governance/connection";

const xrm = (url: string, openForm?: jest.Mock): XrmLike => ({ Utility: { getGlobalContext: () => ({ getClientUrl: () => url }) }, Navigation: openForm ? { openForm } : undefined });

describe("resolving the connection", () => {
  it("inside Dynamics takes the organisation URL from the parent frame's Xrm and needs no token", () => {
    const parent = { location: { search: "" }, Xrm: xrm("https://contoso.crm.dynamics.com") };
    const r = resolveConnection({ location: { search: "?data=personRanking%3Don" }, parent });
    expect(r).toMatchObject({ ok: true, connection: { mode: "dynamics", orgUrl: "https://contoso.crm.dynamics.com/", settings: { personRanking: true } } });
  });

  it("prefers the page's own Xrm", () => {
    const r = resolveConnection({ location: { search: "" }, Xrm: xrm("https://a.crm4.dynamics.com/"), parent: { Xrm: xrm("https://b.crm.dynamics.com/") } });
    expect(r.ok && r.connection.orgUrl).toBe("https://a.crm4.dynamics.com/");
  });

  it("survives a cross-origin parent it cannot read", () => {
    const parent = {};
    Object.defineProperty(parent, "Xrm", {
      get() {
        throw new Error("SecurityError");
      },
    });
    const r = resolveConnection({ location: { search: "" }, parent });
    expect(r.ok).toBe(false);
  });

  it("in the sandbox reads orgUrl, token and hostUrl from the query string; ranking is off by default", () => {
    const r = resolveConnection({ location: { search: "?orgUrl=http%3A%2F%2F127.0.0.1%3A5555&token=emu_abc&hostUrl=http%3A%2F%2F127.0.0.1%3A8080" } });
    expect(r).toEqual({ ok: true, connection: { mode: "sandbox", orgUrl: "http://127.0.0.1:5555/", token: "emu_abc", hostUrl: "http://127.0.0.1:8080", settings: { personRanking: false } } });
  });

  it("explains what is missing or wrong", () => {
    expect(resolveConnection({ location: { search: "" } })).toEqual({ ok: false, error: expect.stringContaining("?orgUrl=<organisation URL>&token=<bearer token>") as unknown });
    expect(resolveConnection({ location: { search: "?orgUrl=javascript:alert(1)&token=x" } })).toEqual({ ok: false, error: 'orgUrl "javascript:alert(1)" is not an http(s) URL.' });
  });

  it("creates a Web API gateway for the sandbox", () => {
    const r = resolveConnection({ location: { search: "?orgUrl=http://127.0.0.1:5555/&token=t" } });
    if (!r.ok) throw new Error(r.error);
    expect(createGateway(r.connection).adapter).toBe("webapi");
  });
});

describe("record links", () => {
  it("open the form through Xrm.Navigation inside Dynamics, with main.aspx as the link", () => {
    const openForm = jest.fn();
    const r = resolveConnection({ location: { search: "" }, Xrm: xrm("https://contoso.crm.dynamics.com/", openForm) });
    if (!r.ok) throw new Error(r.error);
    const link = recordLink(r.connection, "contact", "0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(link.href).toBe("https://contoso.crm.dynamics.com/main.aspx?etn=contact&id=0f8fad5b-d9cb-469f-a165-70867728950e&pagetype=entityrecord");
    link.open!();
    expect(openForm).toHaveBeenCalledWith({ entityName: "contact", entityId: "0f8fad5b-d9cb-469f-a165-70867728950e" });
  });

  it("point at the sandbox host's form page, or nowhere without a host", () => {
    const withHost = resolveConnection({ location: { search: "?orgUrl=http://127.0.0.1:5555/&token=t&hostUrl=http://127.0.0.1:8080/" } });
    const without = resolveConnection({ location: { search: "?orgUrl=http://127.0.0.1:5555/&token=t" } });
    if (!withHost.ok || !without.ok) throw new Error("no connection");
    expect(recordLink(withHost.connection, "lead", "abc").href).toBe("http://127.0.0.1:8080/form/lead/abc");
    expect(recordLink(without.connection, "lead", "abc")).toEqual({ href: null });
    const template = resolveConnection({ location: { search: `?orgUrl=http://127.0.0.1:5555/&token=t&hostUrl=${encodeURIComponent("http://127.0.0.1:8080/form?table={table}&id={id}&user=govowner")}` } });
    if (!template.ok) throw new Error(template.error);
    expect(recordLink(template.connection, "lead", "abc").href).toBe("http://127.0.0.1:8080/form?table=lead&id=abc&user=govowner");
  });
});
