/**
 * The emulator answers as Microsoft documents the Dataverse Web API, where a real client would
 * notice a difference (each case names its doc page; sandbox/README.md has the fidelity table).
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { batchBody, httpPart } from "../helpers/batch";
import { api, start, tokenOf, userOf, type Api } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };
type Rows = { value: Record<string, unknown>[] } & Record<string, unknown>;

describe("emulator fidelity to the documented Web API", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 18 });
    a = api(emu);
  });
  afterAll(() => emu.close());

  it("names the selected columns in @odata.context of a create with return=representation (Create with data returned)", async () => {
    const res = await a.post("accounts?$select=name,revenue", { name: "Context Co", revenue: 5 }, { Prefer: "return=representation" });
    expect(res.status).toBe(201);
    expect(res.body["@odata.context"]).toBe(`${emu.baseUrl}$metadata#accounts(name,revenue)/$entity`);
    expect(res.body).toMatchObject({ name: "Context Co", revenue: 5 });
  });

  it("answers an unknown savedQuery / userQuery with 404 instead of the whole table (Retrieve and execute predefined queries)", async () => {
    for (const param of ["savedQuery", "userQuery"]) {
      const res = await a.get<Err>(`accounts?${param}=00000000-0000-0000-0000-000000000001`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("0x80040217");
      expect(res.body.error.message).toMatch(param === "savedQuery" ? /savedquery With Id/ : /userquery With Id/);
    }
    expect((await a.get<Err>("accounts?savedQuery=not-a-guid")).status).toBe(400);
  });

  it("resolves parameter aliases in $filter, $orderby and query functions (Use parameter aliases with system query options)", async () => {
    const acct = emu.store.rows("account")[0];
    const byAlias = await a.get<Rows>(`accounts?$select=name&$filter=name eq @p1&@p1=${encodeURIComponent(`'${String(acct.name).replace(/'/g, "''")}'`)}`);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body.value.map((r) => r.accountid)).toContain(acct.accountid);
    expect(byAlias.body.value.every((r) => r.name === acct.name)).toBe(true);
    const created = await a.post("contacts", { lastname: "Alias Recent" });
    expect(created.status).toBe(204);
    const recent = await a.get<Rows>("contacts?$select=lastname&$filter=Microsoft.Dynamics.CRM.LastXHours(PropertyName=@p1,PropertyValue=@p2)&@p1='createdon'&@p2=1");
    expect(recent.status).toBe(200);
    expect(recent.body.value.map((r) => r.lastname)).toContain("Alias Recent");
    const ordered = await a.get<Rows>("accounts?$select=name&$top=5&$orderby=@o&@o=name desc");
    const names = ordered.body.value.map((r) => String(r.name).toLowerCase()); // Dataverse collation ignores case
    expect(names).toHaveLength(5);
    expect(names).toEqual([...names].sort((x, y) => (x < y ? 1 : x > y ? -1 : 0)));
    // an '@' inside a string literal is data, not an alias
    expect((await a.get<Rows>("contacts?$select=fullname&$filter=emailaddress1 eq 'nobody@example.com'")).status).toBe(200);
    const missing = await a.get<Err>("accounts?$filter=name eq @nope");
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/parameter alias '@nope'/);
  });

  it("never answers 304 to a conditional GET with $expand (Perform conditional operations)", async () => {
    const c = emu.store.rows("contact").find((r) => r._parentcustomerid_value)!;
    const first = await a.get(`contacts(${String(c.contactid)})?$select=fullname`);
    const etag = first.headers.get("etag")!;
    expect((await a.get(`contacts(${String(c.contactid)})?$select=fullname`, { "If-None-Match": etag })).status).toBe(304);
    const expanded = await a.get(`contacts(${String(c.contactid)})?$select=fullname&$expand=parentcustomerid_account($select=name)`, { "If-None-Match": etag });
    expect(expanded.status).toBe(200);
  });

  it("answers aggregates without @odata.id and with formatted values when asked (Aggregate and grouping results)", async () => {
    const res = await a.get<Rows>("opportunities?$apply=groupby((statecode),aggregate(estimatedvalue with sum as total,$count as n))", { Prefer: 'odata.include-annotations="*"' });
    expect(res.status).toBe(200);
    expect(res.body.value.length).toBeGreaterThan(0);
    for (const row of res.body.value) {
      expect(row).not.toHaveProperty(["@odata.id"]);
      expect(row["statecode@OData.Community.Display.V1.FormattedValue"]).toMatch(/^(Open|Won|Lost)$/);
      expect(row["n@OData.Community.Display.V1.FormattedValue"]).toBe(Number(row.n).toLocaleString("en-US"));
      if (row.total !== null) expect(row["total@OData.Community.Display.V1.FormattedValue"]).toMatch(/^\$[\d,]+\.\d\d$/);
    }
    const fx = `<fetch aggregate="true"><entity name="opportunity"><attribute name="statecode" groupby="true" alias="state"/><attribute name="opportunityid" aggregate="count" alias="n"/></entity></fetch>`;
    const fetched = await a.get<Rows>(`opportunities?fetchXml=${encodeURIComponent(fx)}`, { Prefer: 'odata.include-annotations="*"' });
    expect(fetched.body.value[0]["state@OData.Community.Display.V1.FormattedValue"]).toMatch(/^(Open|Won|Lost)$/);
    expect(fetched.body.value[0]).not.toHaveProperty(["@odata.id"]);
  });

  it("writes a FetchXML paging cookie with the page's first and last id (Page large result sets with FetchXml)", async () => {
    const fx = `<fetch count="5" page="1"><entity name="account"><attribute name="name"/><order attribute="accountid"/></entity></fetch>`;
    const res = await a.get<Rows>(`accounts?fetchXml=${encodeURIComponent(fx)}`);
    const cookie = String(res.body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]);
    const inner = /pagingcookie="([^"]*)"/.exec(cookie)![1];
    const decoded = decodeURIComponent(decodeURIComponent(inner));
    const ids = res.body.value.map((r) => String(r.accountid).toUpperCase());
    expect(cookie).toMatch(/pagenumber="2"/);
    expect(decoded).toBe(`<cookie page="1"><accountid last="{${ids[ids.length - 1]}}" first="{${ids[0]}}" /></cookie>`);
  });

  it("takes every standard account/opportunity column from Microsoft's metadata, with its real choices", async () => {
    const res = await a.post("accounts", { name: "Standard Co", accountcategorycode: 1, creditlimit: 5000, address2_city: "Oslo" }, { Prefer: 'return=representation,odata.include-annotations="*"' });
    expect(res.status).toBe(201);
    expect(res.body["accountcategorycode@OData.Community.Display.V1.FormattedValue"]).toBe("Preferred Customer");
    expect(res.body).toMatchObject({ creditlimit: 5000, address2_city: "Oslo" });
    const bad = await a.post<Err>("accounts", { name: "x", accountcategorycode: 77 });
    expect(bad.body.error).toMatchObject({ code: "0x8004431a" });
    expect(bad.body.error.message).toMatch(/Accepted Values: 1,2$/);
    const opp = await a.post("opportunities", { name: "Standard deal", budgetamount: 10, purchasetimeframe: 2 });
    expect(opp.status).toBe(204);
    const md = await a.get("EntityDefinitions(LogicalName='opportunity')/Attributes(LogicalName='purchasetimeframe')?$select=LogicalName,AttributeType");
    expect(md.body).toMatchObject({ LogicalName: "purchasetimeframe", AttributeType: "Picklist" });
  });

  it("takes every standard contact, lead, task and phonecall column from Microsoft's table reference, with its length and choices", async () => {
    const res = await a.post("contacts", { lastname: "Income", annualincome: 85000, familystatuscode: 2, address3_city: "Bergen", donotsendmm: true }, { Prefer: 'return=representation,odata.include-annotations="*"' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ annualincome: 85000, address3_city: "Bergen", donotsendmm: true });
    expect(res.body["familystatuscode@OData.Community.Display.V1.FormattedValue"]).toBe("Married");
    expect(res.body["donotsendmm@OData.Community.Display.V1.FormattedValue"]).toBe("Do Not Send");
    const badChoice = await a.post<Err>("contacts", { lastname: "x", preferredcontactmethodcode: 9 });
    expect(badChoice.body.error).toMatchObject({ code: "0x8004431a" });
    expect(badChoice.body.error.message).toMatch(/Accepted Values: 1,2,3,4,5$/);
    const tooLong = await a.post<Err>("contacts", { lastname: "x", suffix: "x".repeat(11) });
    expect(tooLong.body.error.code).toBe("0x80044331");
    const md = await a.get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='annualincome')?$select=LogicalName,AttributeType");
    expect(md.body).toMatchObject({ LogicalName: "annualincome", AttributeType: "Money" });
    const base = await a.get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='annualincome_base')?$select=IsValidForUpdate");
    expect(base.body.IsValidForUpdate).toBe(false); // computed by the platform from annualincome
    const lead = await a.post("leads", { lastname: "Budget", subject: "Fleet", budgetstatus: 2, need: 0, estimatedamount: 1200 }, { Prefer: 'return=representation,odata.include-annotations="*"' });
    expect(lead.status).toBe(201);
    expect(lead.body["budgetstatus@OData.Community.Display.V1.FormattedValue"]).toBe("Can Buy");
    expect(lead.body["need@OData.Community.Display.V1.FormattedValue"]).toBe("Must have");
    expect((await a.post<Err>("leads", { lastname: "x", sic: "1".repeat(21) })).body.error.code).toBe("0x80044331");
    const task = await a.post("tasks", { subject: "Call back", category: "Follow-up", isbilled: false, scheduleddurationminutes: 30 }, { Prefer: "return=representation" });
    expect(task.status).toBe(201);
    expect(task.body).toMatchObject({ category: "Follow-up", isbilled: false, scheduleddurationminutes: 30 });
    expect((await a.post<Err>("tasks", { subject: "x", subcategory: "y".repeat(251) })).body.error.code).toBe("0x80044331");
    const call = await a.post("phonecalls", { subject: "No answer", leftvoicemail: true, category: "Outreach" }, { Prefer: "return=representation" });
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ leftvoicemail: true, category: "Outreach" });
  });

  it("takes every standard email, appointment and activitypointer column from Microsoft's table reference, with its length and choices", async () => {
    const mailbox = emu.store.rows("mailbox")[0];
    const mail = await a.post("emails", {
      subject: "s".repeat(800), trackingtoken: "CRM:0001", deliveryprioritycode: 2, readreceiptrequested: true,
      "receivingmailboxid@odata.bind": `/mailboxes(${String(mailbox.mailboxid)})`,
    }, { Prefer: 'return=representation,odata.include-annotations="*"' });
    expect(mail.status).toBe(201);
    expect(mail.body).toMatchObject({ trackingtoken: "CRM:0001", readreceiptrequested: true, _receivingmailboxid_value: mailbox.mailboxid });
    expect(mail.body["deliveryprioritycode@OData.Community.Display.V1.FormattedValue"]).toBe("High");
    const reply = await a.post("emails", { subject: "Re", "parentactivityid@odata.bind": `/emails(${String(mail.body.activityid)})` }, { Prefer: "return=representation" });
    expect(reply.body._parentactivityid_value).toBe(mail.body.activityid);
    expect((await a.post<Err>("emails", { subject: "s".repeat(801) })).body.error.code).toBe("0x80044331");
    expect((await a.post<Err>("emails", { subject: "x", trackingtoken: "t".repeat(51) })).body.error.code).toBe("0x80044331");
    const badMail = await a.post<Err>("emails", { subject: "x", emailremindertype: 3 });
    expect(badMail.body.error).toMatchObject({ code: "0x8004431a" });
    expect(badMail.body.error.message).toMatch(/Accepted Values: 0,1,2$/);

    const appt = await a.post("appointments", { subject: "Demo", isalldayevent: true, attachmenterrors: 0, outlookownerapptid: 7 }, { Prefer: 'return=representation,odata.include-annotations="*"' });
    expect(appt.status).toBe(201);
    expect(appt.body).toMatchObject({ isalldayevent: true, outlookownerapptid: 7 });
    expect(appt.body["isalldayevent@OData.Community.Display.V1.FormattedValue"]).toBe("Yes");
    expect((await a.post<Err>("appointments", { subject: "a".repeat(201) })).body.error.code).toBe("0x80044331");
    expect((await a.post<Err>("appointments", { subject: "x", subcategory: "y".repeat(251) })).body.error.code).toBe("0x80044331");
    expect((await a.post<Err>("appointments", { subject: "x", attachmenterrors: 2 })).body.error.code).toBe("0x8004431a");

    const call = await a.post("phonecalls", { subject: "Voicemail", leftvoicemail: true }, { Prefer: "return=representation" });
    const viaPointer = await a.get(`activitypointers(${String(call.body.activityid)})?$select=leftvoicemail,community,exchangeweblink`);
    expect(viaPointer.status).toBe(200);
    expect(viaPointer.body).toMatchObject({ leftvoicemail: true, community: null, exchangeweblink: null });
    const md = await a.get("EntityDefinitions(LogicalName='activitypointer')/Attributes(LogicalName='exchangeweblink')?$select=LogicalName,AttributeType,MaxLength");
    expect(md.body).toMatchObject({ LogicalName: "exchangeweblink", AttributeType: "String", MaxLength: 1250 });
  });

  it("tracks changes only on tables with ChangeTrackingEnabled, as the solution ships its own without (Use change tracking)", async () => {
    const own = await a.get<Err>("vit_waivers?$select=vit_name", { Prefer: "odata.track-changes" });
    expect(own.status).toBe(400);
    expect(own.body.error.message).toMatch(/Change tracking is not enabled for the table 'vit_waiver'/);
    const md = await a.get("EntityDefinitions(LogicalName='vit_waiver')?$select=ChangeTrackingEnabled");
    expect(md.body.ChangeTrackingEnabled).toBe(false);
    const standard = await a.get("accounts?$select=name", { Prefer: "odata.track-changes" });
    expect(standard.status).toBe(200);
    expect(standard.body["@odata.deltaLink"]).toEqual(expect.any(String));
  });

  it("uses the platform's error codes: string too long, choice out of range, record-level access (Web service error codes)", async () => {
    const long = await a.post<Err>("tasks", { subject: "x".repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe("0x80044331");
    expect(long.body.error.message).toBe("A validation error occurred. The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.");
    const choice = await a.post<Err>("accounts", { name: "x", industrycode: 9999 });
    expect(choice.body.error.code).toBe("0x8004431a");
    const rep = userOf(emu, "rep1");
    const other = emu.store.rows("contact").find((r) => r._ownerid_value !== rep.systemuserid && !emu.store.rows("team").some((t) => t.teamid === r._ownerid_value))!;
    const denied = await api(emu, tokenOf(emu, "rep1")).patch<Err>(`contacts(${String(other.contactid)})`, { jobtitle: "x" }, { "If-Match": "*" });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("0x80048306");
    expect(denied.body.error.message).toMatch(/does not have WriteAccess right\(s\) for record with Id = /);
  });

  it("answers a $batch that stops at a failure with the failing item's status (Execute batch operations, Handling errors)", async () => {
    const acct = emu.store.rows("account")[0];
    const parts = [
      httpPart("POST", "/api/data/v9.2/tasks", { subject: "x".repeat(201), "regardingobjectid_account_task@odata.bind": `accounts(${String(acct.accountid)})` }),
      httpPart("POST", "/api/data/v9.2/tasks", { subject: "Task 2 in batch" }),
    ];
    const stop = await a.raw("POST", "$batch", batchBody("b_fail", parts), { "Content-Type": "multipart/mixed; boundary=b_fail" });
    expect(stop.status).toBe(400);
    expect(stop.text).toMatch(/"code":"0x80044331"/);
    expect(stop.text).not.toMatch(/HTTP\/1\.1 204/);
    const goOn = await a.raw("POST", "$batch", batchBody("b_go", parts), { "Content-Type": "multipart/mixed; boundary=b_go", Prefer: "odata.continue-on-error" });
    expect(goOn.status).toBe(200);
    expect(goOn.text).toMatch(/HTTP\/1\.1 400/);
    expect(goOn.text).toMatch(/HTTP\/1\.1 204/);
  });
});
