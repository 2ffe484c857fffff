/**
 * The panel's fixes by role: a finding with a fix shows before → after; on a form (a form answers
 * the form channel, as the form script does) Fix asks the form to set its own field and the panel
 * re-scores from the values the form reports back; outside a form the proposal says where it can
 * be applied; a read-only panel offers no action. Real engine, real data layer, fake Web API.
 */
import * as React from "react";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { RecordVitalsRoot } from "../../controls/RecordVitals/components/RecordVitalsRoot/RecordVitalsRoot";
import { getRootProps } from "../../controls/RecordVitals/getRootProps";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { openFormChannel, type FormChannel, type SetValuesMessage } from "../../plugins-ts/client/formChannel";
import type { ColumnValue } from "../../plugins-ts/engine";
import { CONTACT_ID, NOW, daysAgo, fakeWebApi, loadResx, mockContext } from "../helpers/pcfContext";

const strings = loadResx(1033);
const CASING = "The last name is written in ALL CAPITALS or all lower case.";

const fixture = () => ({
  records: {
    contact: {
      contactid: CONTACT_ID, fullname: "Jane DOE", firstname: "Jane", lastname: "DOE", emailaddress1: "jane.doe@contoso.com", telephone1: "+14255550100",
      statecode: 0, modifiedon: daysAgo(1), versionnumber: 7, owninguser: { isdisabled: false, fullname: "Dana Seller" },
    },
  },
});

let channels: FormChannel[] = [];
beforeEach(() => resetSessionRulePack());
afterEach(() => {
  channels.forEach((c) => c.close());
  channels = [];
});

/** A form on the channel: says which fields it shows, sets them on request and reports its values back. */
function fakeForm(editable: string[]): { asked: SetValuesMessage[] } {
  const channel = openFormChannel();
  channels.push(channel);
  const asked: SetValuesMessage[] = [];
  const values: Record<string, ColumnValue> = { lastname: "DOE", firstname: "Jane" };
  channel.subscribe((m) => {
    if (m.kind === "scored") channel.post({ kind: "form", table: m.table, id: m.id, editable, required: ["lastname"] });
    if (m.kind === "setValues") {
      asked.push(m);
      Object.assign(values, m.values);
      channel.post({ kind: "values", table: m.table, id: m.id, values: { ...values } });
    }
  });
  return { asked };
}

function renderPanel(disabled = false) {
  const fake = fakeWebApi(fixture());
  const context = mockContext({ webAPI: fake.api, table: "contact", id: CONTACT_ID, disabled });
  render(<RecordVitalsRoot {...getRootProps(context, { dataSource: createWebApiVitalsSource(fake.api), refreshSignal: 0, now: () => NOW })} />);
  return fake;
}

const findingOf = async (message: string): Promise<HTMLElement> => (await screen.findByText(message)).closest("li")!;

describe("Fix in the panel", () => {
  it("on a form: shows before → after, sets the form's field on Fix and re-scores at once without a request", async () => {
    const form = fakeForm(["firstname", "lastname"]);
    const fake = renderPanel();
    const finding = await findingOf(CASING);
    expect(finding).toHaveTextContent("DOE → Doe");
    const status = screen.getByRole("status");
    const before = status.textContent;
    const requests = fake.calls.length;
    fireEvent.click(await within(finding).findByRole("button", { name: `Fix: ${CASING}` }));
    await waitFor(() => expect(form.asked).toEqual([expect.objectContaining({ kind: "setValues", table: "contact", id: CONTACT_ID, values: { lastname: "Doe" } })]));
    await waitFor(() => expect(screen.queryByText(CASING)).toBeNull());
    expect(screen.getByRole("status").textContent).not.toBe(before);
    expect(screen.getByText(strings.FixPending.replace("{0}", "1"))).toBeInTheDocument();
    expect(fake.calls.length).toBe(requests);
  });

  it("Fix all formatting sets every safe fix of the record on the form", async () => {
    const form = fakeForm(["firstname", "lastname"]);
    renderPanel();
    await findingOf(CASING);
    fireEvent.click(await screen.findByRole("button", { name: /^Fix all formatting \(\d+\)$/ }));
    await waitFor(() => expect(form.asked).toHaveLength(1));
    expect(form.asked[0].values).toMatchObject({ lastname: "Doe" });
  });

  it("offers no Fix for a column the form does not show, and says where the fix can be applied", async () => {
    fakeForm(["firstname"]);
    renderPanel();
    const finding = await findingOf(CASING);
    expect(finding).toHaveTextContent("DOE → Doe");
    expect(await within(finding).findByText(strings.FixOffForm)).toBeInTheDocument();
    expect(within(finding).queryByRole("button", { name: /^Fix: / })).toBeNull();
  });

  it("outside a form (no form answers) shows the proposal and where to apply it, without a button", async () => {
    renderPanel();
    const finding = await findingOf(CASING);
    expect(finding).toHaveTextContent("DOE → Doe");
    expect(within(finding).getByText(strings.FixOffForm)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Fix/ })).toBeNull();
  });

  it("read-only: the proposal is shown, no action and no note", async () => {
    fakeForm(["firstname", "lastname"]);
    renderPanel(true);
    const finding = await findingOf(CASING);
    expect(finding).toHaveTextContent("DOE → Doe");
    expect(within(finding).queryByText(strings.FixOffForm)).toBeNull();
    expect(screen.queryByRole("button", { name: /^Fix/ })).toBeNull();
  });
});
