import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, idFrom, start, tokenOf, userOf, type Api } from "../helpers/emulator";
import { batchBody, changeSet, httpPart } from "../helpers/batch";

type Err = { error: { code: string; message: string } };
type Rows = { value: Record<string, unknown>[] };

const ANNOTATIONS = { Prefer: 'odata.include-annotations="*"' };

describe("emulator: activity parties", () => {
  let emu: EmulatorHandle;
  let a: Api;
  let contactId: string;
  let contactEmail: string;
  let rep1: { id: string; email: string };

  beforeAll(async () => {
    emu = await start({ size: 300, seed: 11 });
    a = api(emu);
    const contact = emu.store.rows("contact").find((c) => typeof c.emailaddress1 === "string" && c.emailaddress1.includes("@"))!;
    contactId = String(contact.contactid);
    contactEmail = String(contact.emailaddress1);
    const u = userOf(emu, "rep1");
    rep1 = { id: u.systemuserid, email: String(emu.store.get("systemuser", u.systemuserid)!.internalemailaddress) };
  });
  afterAll(() => emu.close());

  function emailBody(subject: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      subject,
      directioncode: true,
      email_activity_parties: [
        { "partyid_systemuser@odata.bind": `/systemusers(${rep1.id})`, participationtypemask: 1 },
        { "partyid_contact@odata.bind": `/contacts(${contactId})`, participationtypemask: 2 },
        { addressused: "someone@example.com", participationtypemask: 3 },
      ],
      ...extra,
    };
  }

  it("creates an email and its three parties in one POST; they are read through activityparties", async () => {
    const res = await a.post("emails", emailBody("Deep insert", { "regardingobjectid_contact_email@odata.bind": `/contacts(${contactId})` }));
    expect(res.status).toBe(204);
    const id = idFrom(res.headers.get("odata-entityid"));
    expect(emu.store.get("email", id)).toMatchObject({ subject: "Deep insert", _regardingobjectid_value: contactId });

    const parties = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${id}&$select=participationtypemask,addressused,_partyid_value,ispartydeleted,_activityid_value`, ANNOTATIONS);
    expect(parties.status).toBe(200);
    const rows = parties.body.value.sort((x, y) => Number(x.participationtypemask) - Number(y.participationtypemask));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      participationtypemask: 1, "participationtypemask@OData.Community.Display.V1.FormattedValue": "Sender",
      _partyid_value: rep1.id, "_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      addressused: rep1.email, _activityid_value: id, "_activityid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "email",
      ispartydeleted: false,
    });
    expect(rows[1]).toMatchObject({
      participationtypemask: 2, _partyid_value: contactId, "_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact", addressused: contactEmail,
    });
    expect(rows[2]).toMatchObject({ participationtypemask: 3, _partyid_value: null, addressused: "someone@example.com" });
    expect(rows[2]).not.toHaveProperty("_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname");

    // Without the annotation preference the lookup target is not sent.
    const plain = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${id} and participationtypemask eq 2`);
    expect(plain.body.value).toHaveLength(1);
    expect(plain.body.value[0]).not.toHaveProperty("_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname");

    // Filters on the party, on the type with Microsoft.Dynamics.CRM.In, and paging.
    const byParty = await a.get<Rows>(`activityparties?$filter=_partyid_value eq ${contactId} and _activityid_value eq ${id}`);
    expect(byParty.body.value.map((r) => r.participationtypemask)).toEqual([2]);
    const inTypes = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${id} and Microsoft.Dynamics.CRM.In(PropertyName='participationtypemask',PropertyValues=['1','3'])`);
    expect(inTypes.body.value.map((r) => r.participationtypemask).sort()).toEqual([1, 3]);
    const page = await a.get<Rows & { "@odata.nextLink"?: string }>(`activityparties?$filter=_activityid_value eq ${id}`, { Prefer: "odata.maxpagesize=2" });
    expect(page.body.value).toHaveLength(2);
    const next = await a.get<Rows>(page.body["@odata.nextLink"]!, { Prefer: "odata.maxpagesize=2" });
    expect(next.body.value).toHaveLength(1);

    // $expand of the collection-valued navigation property, on one email and on the collection.
    const one = await a.get(`emails(${id})?$select=subject&$expand=email_activity_parties($select=participationtypemask,addressused)`);
    const expanded = one.body.email_activity_parties as Record<string, unknown>[];
    expect(expanded.map((p) => p.participationtypemask).sort()).toEqual([1, 2, 3]);
    expect(expanded[0]).not.toHaveProperty("_partyid_value");
    const many = await a.get<Rows>(`emails?$select=subject&$filter=activityid eq ${id}&$expand=email_activity_parties($select=addressused)`);
    expect((many.body.value[0].email_activity_parties as unknown[]).length).toBe(3);
  });

  it("refuses a bad party with a 400 naming the item and the property, and creates nothing", async () => {
    const missing = "00000000-0000-0000-0000-00000000abcd";
    const cases: [unknown[], RegExp][] = [
      [[{ participationtypemask: 1, addressused: "a@example.com" }, { "partyid_contact@odata.bind": `/contacts(${missing})`, participationtypemask: 2 }],
        /email_activity_parties\[1\]\.partyid_contact@odata\.bind: .*contact.*Does Not Exist/],
      [[{ "partyid_contact@odata.bind": `/contacts(${contactId})`, participationtypemask: 5 }],
        /email_activity_parties\[0\]\.participationtypemask: 5 \(Required attendee\) is not a participation type of email; email takes 1 \(Sender\), 2 \(To Recipient\), 3 \(CC Recipient\), 4 \(BCC Recipient\)/],
      [[{ addressused: "b@example.com", participationtypemask: 99 }], /email_activity_parties\[0\]\.participationtypemask: .*The value 99 of 'participationtypemask' .* is outside the valid range/],
      [[{ "partyid_nonexistenttable@odata.bind": `/contacts(${contactId})`, participationtypemask: 2 }],
        /email_activity_parties\[0\]: 'partyid_nonexistenttable' is not a navigation property of activityparty/],
      [[{ "partyid_account@odata.bind": `/contacts(${contactId})`, participationtypemask: 2 }], /email_activity_parties\[0\]\.partyid_account@odata\.bind: .*points to 'contact'.*expects 'account'/],
      [[{ participationtypemask: 2 }], /email_activity_parties\[0\]: a party needs a record .* or an address \(addressused\)/],
      [[{ addressused: "c@example.com" }], /email_activity_parties\[0\]: participationtypemask is required/],
      [[{ addressused: "d@example.com", participationtypemask: 2, nosuch: 1 }], /email_activity_parties\[0\]: the property 'nosuch' does not exist/],
    ];
    const before = emu.store.count("email");
    const partiesBefore = emu.store.count("activityparty");
    for (const [parties, msg] of cases) {
      const res = await a.post<Err>("emails", { subject: "Must not exist", email_activity_parties: parties });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(msg);
    }
    const notArray = await a.post<Err>("emails", { subject: "Must not exist", email_activity_parties: { participationtypemask: 2 } });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.message).toMatch(/'email_activity_parties' must be a JSON array/);
    expect(emu.store.count("email")).toBe(before);
    expect(emu.store.count("activityparty")).toBe(partiesBefore);
    expect(emu.store.rows("email").some((r) => r.subject === "Must not exist")).toBe(false);
  });

  it("takes parties per activity type: appointment attendees and organizer, phone call from/to", async () => {
    const appt = await a.post("appointments", {
      subject: "Quarterly review", globalobjectid: "040000008200E00074C5B7101A82E00800000000F0A1", scheduledstart: "2030-03-01T10:00:00Z", scheduledend: "2030-03-01T11:00:00Z",
      appointment_activity_parties: [
        { "partyid_systemuser@odata.bind": `/systemusers(${rep1.id})`, participationtypemask: 7 },
        { "partyid_contact@odata.bind": `/contacts(${contactId})`, participationtypemask: 5 },
        { addressused: "guest@example.com", participationtypemask: 6 },
      ],
    });
    expect(appt.status).toBe(204);
    const apptId = idFrom(appt.headers.get("odata-entityid"));
    const parties = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${apptId}`, ANNOTATIONS);
    expect(parties.body.value.map((p) => p.participationtypemask).sort()).toEqual([5, 6, 7]);
    expect(parties.body.value.every((p) => p["_activityid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] === "appointment")).toBe(true);

    const sender = await a.post<Err>("appointments", { subject: "x", appointment_activity_parties: [{ addressused: "a@example.com", participationtypemask: 1 }] });
    expect(sender.status).toBe(400);
    expect(sender.body.error.message).toMatch(/appointment_activity_parties\[0\]\.participationtypemask: 1 \(Sender\) is not a participation type of appointment/);

    const call = await a.post("phonecalls", { subject: "Call", phonecall_activity_parties: [{ "partyid_contact@odata.bind": `/contacts(${contactId})`, participationtypemask: 2 }] });
    expect(call.status).toBe(204);
    const task = await a.post<Err>("tasks", { subject: "t", task_activity_parties: [{ addressused: "a@example.com", participationtypemask: 2 }] });
    expect(task.status).toBe(400);
    expect(task.body.error.message).toMatch(/task has no party-list columns/);
  });

  it("filters emails by messageid and appointments by globalobjectid", async () => {
    const messageId = "<CAF1a2b3c4@mail.example.com>";
    const res = await a.post("emails", { subject: "With Message-ID", messageid: messageId, senton: "2030-01-05T09:30:00Z" });
    expect(res.status).toBe(204);
    const id = idFrom(res.headers.get("odata-entityid"));
    const found = await a.get<Rows>(`emails?$select=subject,messageid,senton&$filter=${encodeURIComponent(`messageid eq '${messageId}'`)}`);
    expect(found.status).toBe(200);
    expect(found.body.value).toEqual([expect.objectContaining({ activityid: id, messageid: messageId, senton: "2030-01-05T09:30:00Z" })]);
    const none = await a.get<Rows>(`emails?$filter=${encodeURIComponent("messageid eq '<other@mail.example.com>'")}`);
    expect(none.body.value).toHaveLength(0);

    const goid = "040000008200E00074C5B7101A82E008000000001234";
    const appt = await a.post("appointments", { subject: "By GOID", globalobjectid: goid });
    const apptId = idFrom(appt.headers.get("odata-entityid"));
    const byGoid = await a.get<Rows>(`appointments?$select=subject&$filter=globalobjectid eq '${goid}'`);
    expect(byGoid.body.value.map((r) => r.activityid)).toEqual([apptId]);
    const tooLong = await a.post<Err>("emails", { subject: "x", messageid: `<${"m".repeat(320)}@x>` });
    expect(tooLong.status).toBe(400);
    // The documented message names the table ("Execute batch operations using the Web API", Handling errors), code 0x80044331.
    expect(tooLong.body.error).toMatchObject({ code: "0x80044331" });
    expect(tooLong.body.error.message).toMatch(/'messageid' attribute of the 'email' entity exceeded the maximum allowed length of '320'/);
  });

  it("deep insert works inside a $batch change set, and a bad party rolls the change set back", async () => {
    const url = `${emu.baseUrl}emails`;
    const body = batchBody("batch_ap", [
      changeSet("cs_ok", [
        httpPart("POST", `${emu.baseUrl}contacts`, { firstname: "Batch", lastname: "Recipient", emailaddress1: "batch.recipient@example.com" }, "1"),
        httpPart("POST", url, { subject: "Batched email", email_activity_parties: [{ "partyid_contact@odata.bind": "$1", participationtypemask: 2 }, { addressused: "x@example.com", participationtypemask: 1 }] }, "2"),
      ]),
      changeSet("cs_bad", [
        httpPart("POST", url, { subject: "Batched rollback" }, "1"),
        httpPart("POST", url, { subject: "Batched bad party", email_activity_parties: [{ addressused: "y@example.com", participationtypemask: 7 }] }, "2"),
      ]),
    ]);
    const res = await a.raw("POST", "$batch", body, { "Content-Type": "multipart/mixed; boundary=batch_ap" });
    // Without continue-on-error the batch answers the failing change set's status ("Execute batch operations", Handling errors).
    expect(res.status).toBe(400);
    expect(res.text.match(/HTTP\/1\.1 204/g)).toHaveLength(2);
    expect(res.text).toMatch(/HTTP\/1\.1 400/);
    expect(res.text).toMatch(/email_activity_parties\[0\]\.participationtypemask: 7 \(Organizer\)/);
    const contact = emu.store.rows("contact").find((c) => c.emailaddress1 === "batch.recipient@example.com")!;
    const email = emu.store.rows("email").find((e) => e.subject === "Batched email")!;
    const parties = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${String(email.activityid)}&$orderby=participationtypemask`);
    expect(parties.body.value.map((p) => [p.participationtypemask, p._partyid_value, p.addressused])).toEqual([
      [1, null, "x@example.com"],
      [2, contact.contactid, "batch.recipient@example.com"],
    ]);
    expect(emu.store.rows("email").some((e) => e.subject === "Batched rollback" || e.subject === "Batched bad party")).toBe(false);
  });

  it("shows a party only to users who can read its activity", async () => {
    const asRep1 = api(emu, tokenOf(emu, "rep1"));
    const res = await asRep1.post("emails", emailBody("Rep1's email"));
    expect(res.status).toBe(204);
    const id = idFrom(res.headers.get("odata-entityid"));
    expect(emu.store.get("email", id)!._ownerid_value).toBe(rep1.id);
    const path = `activityparties?$filter=_activityid_value eq ${id}`;
    // rep1 owns the email; the manager reads the business unit; rep2 (Basic depth) and the
    // marketer (Basic depth) can't read rep1's own email, so they don't see its parties.
    expect((await asRep1.get<Rows>(path)).body.value).toHaveLength(3);
    expect((await api(emu, tokenOf(emu, "manager")).get<Rows>(path)).body.value).toHaveLength(3);
    expect((await api(emu, tokenOf(emu, "rep2")).get(`emails(${id})`)).status).toBe(403);
    const rep2 = await api(emu, tokenOf(emu, "rep2")).get<Rows>(path);
    expect(rep2.status).toBe(200);
    expect(rep2.body.value).toHaveLength(0);
    expect((await api(emu, tokenOf(emu, "marketer")).get<Rows>(path)).body.value).toHaveLength(0);
    const count = await api(emu, tokenOf(emu, "rep2")).get(`activityparties/$count?$filter=_activityid_value eq ${id}`);
    expect(count.text).toBe("0");
  });

  it("answers direct writes and single reads of activityparties like Dataverse", async () => {
    const party = emu.store.rows("activityparty")[0];
    const id = String(party.activitypartyid);
    const create = await a.post<Err>("activityparties", { addressused: "z@example.com", participationtypemask: 2 });
    expect(create.status).toBe(400);
    expect(create.body.error).toMatchObject({ code: "0x80040800" });
    expect(create.body.error.message).toMatch(/^The 'Create' method does not support entities of type 'activityparty'\./);
    const update = await a.patch<Err>(`activityparties(${id})`, { addressused: "z@example.com" });
    expect(update.body.error.message).toMatch(/^The 'Update' method does not support entities of type 'activityparty'\./);
    const del = await a.del<Err>(`activityparties(${id})`);
    expect(del.body.error.message).toMatch(/^The 'Delete' method does not support entities of type 'activityparty'\./);
    const one = await a.get<Err>(`activityparties(${id})`);
    expect(one.status).toBe(400);
    expect(one.body.error.message).toMatch(/^The 'Retrieve' method does not support entities of type 'activityparty'\./);
    expect(emu.store.get("activityparty", id)).toMatchObject({ addressused: party.addressused });

    const email = emu.store.rows("email").find((e) => e.subject === "Deep insert")!;
    const patch = await a.patch<Err>(`emails(${String(email.activityid)})`, { email_activity_parties: [] });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toMatch(/takes 'email_activity_parties' on create only/);
  });

  it("deleting an email deletes its parties (and a delta link reports them); deleting a party's record marks it deleted", async () => {
    const track = await a.get<Rows & { "@odata.deltaLink": string }>("activityparties?$select=participationtypemask", { Prefer: "odata.track-changes" });
    const deltaLink = track.body["@odata.deltaLink"];
    const res = await a.post("emails", emailBody("To be deleted"));
    const id = idFrom(res.headers.get("odata-entityid"));
    const partyIds = emu.store.rows("activityparty").filter((p) => p._activityid_value === id).map((p) => String(p.activitypartyid));
    expect(partyIds).toHaveLength(3);
    expect((await a.del(`emails(${id})`)).status).toBe(204);
    expect((await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${id}`)).body.value).toHaveLength(0);
    const delta = await a.get<Rows>(deltaLink, { Prefer: "odata.track-changes" });
    const deleted = delta.body.value.filter((v) => v.reason === "deleted").map((v) => String(v.id));
    expect(deleted.sort()).toEqual([...partyIds].sort());

    const contact = await a.post("contacts", { firstname: "Gone", lastname: "Soon", emailaddress1: "gone.soon@example.com" });
    const cid = idFrom(contact.headers.get("odata-entityid"));
    const email = await a.post("emails", { subject: "To a contact deleted later", email_activity_parties: [{ "partyid_contact@odata.bind": `/contacts(${cid})`, participationtypemask: 2 }] });
    const eid = idFrom(email.headers.get("odata-entityid"));
    expect((await a.del(`contacts(${cid})`)).status).toBe(204);
    const left = await a.get<Rows>(`activityparties?$filter=_activityid_value eq ${eid}&$select=ispartydeleted,addressused,_partyid_value`);
    expect(left.body.value).toEqual([expect.objectContaining({ ispartydeleted: true, addressused: "gone.soon@example.com", _partyid_value: cid })]);
  });
});
