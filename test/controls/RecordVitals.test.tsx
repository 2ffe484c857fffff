/** The panel by role, as a user and a screen reader meet it, over the real data layer and engine with a fake Web API. */
import * as React from "react";
import axe from "axe-core";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { RecordVitalsRoot } from "../../controls/RecordVitals/components/RecordVitalsRoot/RecordVitalsRoot";
import { getRootProps } from "../../controls/RecordVitals/getRootProps";
import { createWebApiVitalsSource, type VitalsDataSource } from "../../plugins-ts/client/vitalsSource";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { CONTACT_ID, NOW, OPPORTUNITY_ID, daysAgo, fakeWebApi, mockContext, opportunityFixture, type FakeWebApi, type MockContextOptions } from "../helpers/pcfContext";

beforeEach(() => resetSessionRulePack());

function renderPanel(fake: FakeWebApi, options: MockContextOptions = {}, refreshSignal = 0, dataSource?: VitalsDataSource) {
  const context = mockContext({ webAPI: fake.api, ...options });
  const source = dataSource ?? createWebApiVitalsSource(fake.api);
  const props = (signal: number) => getRootProps(context, { dataSource: source, refreshSignal: signal, now: () => NOW });
  const view = render(<RecordVitalsRoot {...props(refreshSignal)} />);
  return { ...view, context, source, rerenderWith: (signal: number) => view.rerender(<RecordVitalsRoot {...props(signal)} />) };
}

describe("an opportunity with gaps", () => {
  it("reads out the score and grade in a live region and lists each dimension", async () => {
    renderPanel(fakeWebApi(opportunityFixture()));
    expect(screen.getByRole("progressbar")).toBeInTheDocument(); // Fluent Spinner while loading
    expect(screen.getByText("Scoring this record…")).toBeInTheDocument();
    const status = await screen.findByRole("status");
    expect(status).toHaveAttribute("aria-live", "polite");
    expect(status).toHaveTextContent(/^[A-F]?Health \d+(\.\d)? of 100, grade [A-F]$/);
    const dims = within(screen.getByRole("region", { name: "Score by dimension" })).getAllByRole("listitem");
    expect(dims.map((d) => d.textContent)).toEqual(expect.arrayContaining([expect.stringMatching(/^Process: \d+(\.\d)? of 100$/), expect.stringMatching(/^Engagement: \d+(\.\d)? of 100$/)]));
  });

  it("groups failed findings by severity with what was found, what was expected and how to fix it", async () => {
    renderPanel(fakeWebApi(opportunityFixture()));
    const findings = await screen.findByRole("region", { name: "What to fix" });
    const headings = within(findings).getAllByRole("heading", { level: 4 }).map((h) => h.textContent ?? "");
    const severityHeadings = headings.filter((h) => /^(Critical|High|Medium|Low) \(\d+\)$/.test(h));
    expect(severityHeadings.length).toBeGreaterThan(0);
    const order = ["Critical", "High", "Medium", "Low"];
    const seen = severityHeadings.map((h) => order.indexOf(h.split(" ")[0]));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const stuck = findings.querySelector<HTMLElement>('[data-rule="opportunity.stage.days"]')!;
    expect(stuck).not.toBeNull();
    expect(within(stuck).getByText("Found").nextSibling).toHaveTextContent("50 days in Develop");
    expect(within(stuck).getByText("Expected").nextSibling).toHaveTextContent("at most 45 days in Develop");
    expect(within(stuck).getByText("How to fix")).toBeInTheDocument();
  });

  it("keeps not-evaluated findings collapsed, with their reasons one click away", async () => {
    const fixture = opportunityFixture();
    delete fixture.lists!.activitypointer; // answered with no rows → facts known: none
    renderPanel(fakeWebApi(fixture));
    await screen.findByRole("status");
    const passed = screen.getByRole("button", { name: /^Passed \(\d+\)$/ });
    expect(passed).toHaveAttribute("aria-expanded", "false");
    fireEvent.click(passed);
    expect(passed).toHaveAttribute("aria-expanded", "true");
  });

  it("shows the stage-readiness checklist of the current stage", async () => {
    renderPanel(fakeWebApi(opportunityFixture()));
    const readiness = await screen.findByRole("region", { name: "Stage readiness" });
    expect(within(readiness).getByText("Opportunity Sales Process: stage Develop")).toBeInTheDocument();
    const criteria = within(within(readiness).getByRole("list", { name: "Exit criteria of this stage" })).getAllByRole("listitem");
    expect(criteria.map((c) => c.textContent)).toEqual(["✗ Missing: Customer need", "✓ Done: Proposed solution", "✓ Done: Stakeholders identified"]);
    expect(within(readiness).getByText(/50 days in stage \(limit 45\)/)).toBeInTheDocument();
    expect(within(readiness).getByText("Over the limit")).toBeInTheDocument();
    expect(within(readiness).getByText(`Last activity: ${daysAgo(40).slice(0, 10)} (expected every 30 days)`)).toBeInTheDocument();
    expect(within(readiness).getByText(`Next follow-up: ${daysAgo(-5).slice(0, 10)}`)).toBeInTheDocument();
  });

  it("says which rules are in force", async () => {
    renderPanel(fakeWebApi(opportunityFixture()));
    expect(await screen.findByText(/^Rules: CRM Vitals default pack \d+\.\d+\.\d+\.$/)).toBeInTheDocument();
    expect(screen.getByText(/from the last saved version; unsaved changes count after you save/)).toBeInTheDocument();
  });
});

describe("accessibility", () => {
  it("has no serious or critical axe violations with findings, checklist and actions shown", async () => {
    const { container } = renderPanel(fakeWebApi(opportunityFixture()));
    await screen.findByRole("status");
    fireEvent.click(screen.getByRole("button", { name: /^Passed/ }));
    // jsdom has no layout, so colour contrast cannot be judged here.
    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`)).toEqual([]);
  });
});

describe("a contact with a likely duplicate", () => {
  const other = "aaaaaaaa-0000-0000-0000-000000000009";
  const fixture = () => ({
    records: {
      contact: {
        contactid: CONTACT_ID, fullname: "Jane Doe", firstname: "Jane", lastname: "Doe", emailaddress1: "jane.doe@contoso.com", telephone1: "+1 425 555 0100",
        statecode: 0, modifiedon: daysAgo(1), versionnumber: 7, owninguser: { isdisabled: false, fullname: "Dana Seller" },
      },
    },
    lists: { contact: [{ contactid: other, fullname: "Jane M. Doe", firstname: "Jane", lastname: "Doe", emailaddress1: "jane.doe@contoso.com" }] },
  });

  it("names the duplicate, says why it matches and opens it", async () => {
    const { context } = renderPanel(fakeWebApi(fixture()), { table: "contact", id: CONTACT_ID });
    const dups = await screen.findByRole("region", { name: "Likely duplicates" });
    const item = within(dups).getByRole("listitem");
    expect(item).toHaveTextContent("Jane M. Doe");
    expect(item).toHaveTextContent(/\d+% match: .*same e-?mail/i);
    fireEvent.click(within(item).getByRole("button", { name: "Open Jane M. Doe" }));
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: "contact", entityId: other });
    expect(screen.queryByRole("region", { name: "Stage readiness" })).toBeNull();
  });

  it("offers no actions when the control is disabled", async () => {
    renderPanel(fakeWebApi(fixture()), { table: "contact", id: CONTACT_ID, disabled: true });
    const dups = await screen.findByRole("region", { name: "Likely duplicates" });
    expect(within(dups).getByRole("listitem")).toHaveTextContent("Jane M. Doe");
    expect(within(dups).queryByRole("button")).toBeNull();
  });
});

describe("states", () => {
  it("asks to save a new record and fetches nothing", () => {
    const fake = fakeWebApi(opportunityFixture());
    renderPanel(fake, { id: null });
    expect(screen.getByText("Save the record to see its vitals.")).toBeInTheDocument();
    expect(fake.calls).toHaveLength(0);
  });

  it("shows a masked notice and fetches nothing when column security hides the column", () => {
    const fake = fakeWebApi(opportunityFixture());
    renderPanel(fake, { readable: false });
    expect(screen.getByText(/hidden from you by column security/)).toBeInTheDocument();
    expect(fake.calls).toHaveLength(0);
  });

  it("explains missing read access", async () => {
    const fake = fakeWebApi({ ...opportunityFixture(), fail: { opportunity: { errorCode: -2147220960, message: "Principal user is missing prvReadOpportunity privilege" } } });
    renderPanel(fake);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("You do not have permission to read the data this panel needs.");
    expect(within(alert).queryByRole("button", { name: "Retry" })).toBeNull();
  });

  it("shows an error with a Retry that works", async () => {
    const fixture = { ...opportunityFixture(), fail: { activitypointer: new Error("Failed to fetch") } as Record<string, unknown> };
    const fake = fakeWebApi(fixture);
    renderPanel(fake);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The vitals could not be loaded.");
    expect(alert).toHaveTextContent("Failed to fetch");
    delete fixture.fail.activitypointer;
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("status")).toHaveTextContent(/Health/);
  });

  it("says so when the pack has no rules for the table", async () => {
    renderPanel(fakeWebApi({}), { table: "incident", id: OPPORTUNITY_ID });
    expect(await screen.findByText("Vitals are not configured for the table incident.")).toBeInTheDocument();
  });

  it("uses the compact layout on phones and in narrow columns", async () => {
    const { container, unmount } = renderPanel(fakeWebApi(opportunityFixture()), { formFactor: 3 });
    await screen.findByRole("status");
    expect(container.querySelector('[data-compact="true"]')).not.toBeNull();
    unmount();
    const narrow = renderPanel(fakeWebApi(opportunityFixture()), { allocatedWidth: 320 });
    await screen.findByRole("status");
    expect(narrow.container.querySelector('[data-compact="true"]')).not.toBeNull();
  });

  it("speaks German when the user's language is German", async () => {
    renderPanel(fakeWebApi(opportunityFixture()), { lcid: 1031 });
    expect(await screen.findByRole("status")).toHaveTextContent(/Gesundheit [\d.]+ von 100, Note [A-F]/);
    expect(screen.getByRole("region", { name: "Phasenreife" })).toBeInTheDocument();
  });
});

describe("after a save", () => {
  it("re-scores when the saved row version changed, and only then", async () => {
    const fixture = opportunityFixture();
    const fake = fakeWebApi(fixture);
    const view = renderPanel(fake);
    expect(await screen.findByRole("status")).toHaveTextContent(/Health/);
    const before = screen.getByRole("status").textContent;
    const loads = () => fake.calls.filter((c) => c.method === "retrieveRecord" && c.options.includes("$expand")).length;
    expect(loads()).toBe(1);

    // An unrelated refresh: the version is the same, so only the version probe runs.
    view.rerenderWith(1);
    await waitFor(() => expect(fake.calls.filter((c) => c.options === "?$select=versionnumber,modifiedon")).toHaveLength(1));
    await act(() => Promise.resolve());
    expect(loads()).toBe(1);

    // The user fills in the customer need and saves: new version, the panel reloads and re-scores.
    Object.assign(fixture.records!.opportunity, { customerneed: "Replace 40 vans by Q2", versionnumber: 1002 });
    view.rerenderWith(2);
    await waitFor(() => expect(loads()).toBe(2));
    const readiness = await screen.findByRole("region", { name: "Stage readiness" });
    await waitFor(() => expect(within(readiness).getByText("Done: Customer need", { exact: false })).toBeInTheDocument());
    expect(within(readiness).queryByText("Missing: Customer need", { exact: false })).toBeNull();
    expect(screen.getByRole("status").textContent).toBe(before); // customer need is a Develop exit criterion: not scored until the stage moves on
  });
});
