/**
 * The Governance Center's views in jsdom, by role, over a fake data layer.
 */
import * as React from "react";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { GovernanceCenter } from "../../plugins-ts/webresources/governance/components/GovernanceCenter/GovernanceCenter";
import type { GovernanceCenterProps } from "../../plugins-ts/webresources/governance/components/GovernanceCenter/GovernanceCenter.types";
import { defaultRulePack } from "../../plugins-ts/engine";
import { FakeData, USERS, progress, result, run } from "./fakeData";

const NOW = new Date("2026-11-23T12:00:00Z");

function mount(data: FakeData, over: Partial<GovernanceCenterProps> = {}) {
  const links: string[] = [];
  const utils = render(
    <GovernanceCenter
      data={data}
      settings={{ personRanking: false }}
      linkTo={(t, id) => {
        links.push(`${t}/${id}`);
        return { href: `https://host.example/form/${t}/${id}` };
      }}
      now={() => NOW}
      {...over}
    />,
  );
  return { ...utils, links };
}

async function ready(): Promise<void> {
  await screen.findByRole("button", { name: "Start audit" });
}

describe("landmarks and tabs", () => {
  it("has a heading, navigation and main landmark, and switches panels by tab", async () => {
    mount(new FakeData());
    await ready();
    expect(screen.getByRole("heading", { level: 1, name: "CRM Vitals Governance Center" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Governance Center sections" })).toBeInTheDocument();
    expect(screen.getByRole("main")).toBeInTheDocument();
    expect(screen.getAllByRole("tab")).toHaveLength(4);
    for (const name of ["Audit", "Results", "Waivers", "Rule pack"]) expect(screen.getByRole("tab", { name })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Results" })).toBeNull();
    fireEvent.click(screen.getByRole("tab", { name: "Results" }));
    expect(await screen.findByRole("heading", { name: "Results" })).toBeInTheDocument();
    expect(screen.getByRole("tabpanel", { name: "Results" })).toBeInTheDocument();
  });
});

describe("audit cadence", () => {
  it("shows the next due date and an overdue banner when the last completed audit is older than the cadence", async () => {
    mount(new FakeData({ cadence: { days: 14, raw: "14" }, runs: [run({ startedOn: "2026-11-01T10:00:00.000Z" })] }));
    await ready();
    expect(screen.getByText(/Audits are due every 14 days/)).toHaveTextContent("Next audit due: 2026-11-15.");
    expect(screen.getByText("Audit overdue")).toBeInTheDocument();
    expect(screen.getByText(/8 days past the cadence/)).toBeInTheDocument();
  });

  it("shows no overdue banner within the cadence, and says when nothing has been audited", async () => {
    const { unmount } = mount(new FakeData({ cadence: { days: 30, raw: "30" } }));
    await ready();
    expect(screen.queryByText("Audit overdue")).toBeNull();
    unmount();
    mount(new FakeData({ runs: [], cadence: { days: null, raw: "weekly" } }));
    await ready();
    expect(screen.getByText("No audit yet")).toBeInTheDocument();
    expect(screen.getByText(/"weekly" \(vit_AuditCadenceDays\) is not a whole number/)).toBeInTheDocument();
  });
});

describe("starting an audit", () => {
  it("runs the chosen scope and mode, shows progress in a progress bar and a live region, then the outcome", async () => {
    const data = new FakeData();
    mount(data);
    await ready();
    const tables = screen.getByRole("group", { name: "Tables in scope" });
    const boxes = within(tables).getAllByRole("checkbox");
    expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual(boxes.map(() => true));
    fireEvent.click(within(tables).getByRole("checkbox", { name: "lead" }));
    fireEvent.change(screen.getByRole("combobox", { name: "Business unit (optional)" }), { target: { value: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" } });
    fireEvent.click(screen.getByRole("radio", { name: /^Incremental/ }));
    fireEvent.click(screen.getByRole("button", { name: "Start audit" }));
    expect(await screen.findByRole("progressbar")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Cancel" })).toBeEnabled();
    await screen.findByText(/^Audit completed: 120 records, organisation score 72.5 \(grade C\)/);
    expect(data.audits).toHaveLength(1);
    expect(data.audits[0].mode).toBe("incremental");
    expect(data.audits[0].scope).toEqual({ tables: ["account", "contact", "opportunity"], businessUnitId: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" });
    expect(screen.getByTestId("progress-stats")).toHaveTextContent("120 of about 120 records");
    expect(screen.getByTestId("progress-stats")).toHaveTextContent("12 requests");
    expect(screen.getByRole("button", { name: "Cancel" })).toBeDisabled();
    // History reloads after the run.
    expect(data.calls.filter((c) => c === "runs").length).toBeGreaterThan(1);
  });

  it("announces progress in a polite live region while running", async () => {
    let release!: () => void;
    const data = new FakeData({
      audit: async (o) => {
        o.onProgress?.(progress({ recordsScanned: 40, etaMs: 65_000 }));
        await new Promise<void>((ok) => (release = ok));
        return result();
      },
    });
    mount(data);
    await ready();
    fireEvent.click(screen.getByRole("button", { name: "Start audit" }));
    const live = document.querySelector('[aria-live="polite"]')!;
    await waitFor(() => expect(live).toHaveTextContent("Scoring records: 40 records. about 1 min 5 s left."));
    const bar = screen.getByRole("progressbar");
    expect(bar).toHaveAttribute("aria-valuenow", String(40 / 120));
    act(() => release());
    await screen.findByText(/^Audit completed/);
  });

  it("cancels a running audit through its AbortSignal", async () => {
    const data = new FakeData({
      audit: (o) =>
        new Promise((ok) => {
          o.signal!.addEventListener("abort", () => ok(result({ status: "cancelled", recordsScanned: 40 })));
        }),
    });
    mount(data);
    await ready();
    fireEvent.click(screen.getByRole("button", { name: "Start audit" }));
    const cancel = screen.getByRole("button", { name: "Cancel" });
    await waitFor(() => expect(cancel).toBeEnabled());
    fireEvent.click(cancel);
    expect(await screen.findByText(/^Audit cancelled after 40 records/)).toBeInTheDocument();
    expect(data.audits[0].signal!.aborted).toBe(true);
  });

  it("resumes an interrupted run with its own scope, and shows a failure with its message", async () => {
    const failed = run({ id: "r9", name: "Full audit 2026-11-20", status: "failed", resumable: true, error: "503 from the service", scope: { tables: ["contact"], ownerId: USERS.jordan } });
    const data = new FakeData({ runs: [failed, run()], audit: () => Promise.reject(new Error("network gone")) });
    mount(data);
    await ready();
    const table = screen.getByRole("table", { name: "Interrupted audits" });
    expect(within(table).getByText("503 from the service")).toBeInTheDocument();
    fireEvent.click(within(table).getByRole("button", { name: "Resume Full audit 2026-11-20" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The audit stopped: network gone");
    expect(data.audits[0]).toMatchObject({ resume: "r9", mode: "full", scope: { tables: ["contact"], ownerId: USERS.jordan } });
  });

  it("cannot start without a table", async () => {
    mount(new FakeData());
    await ready();
    for (const box of within(screen.getByRole("group", { name: "Tables in scope" })).getAllByRole("checkbox")) fireEvent.click(box);
    expect(screen.getByRole("button", { name: "Start audit" })).toBeDisabled();
    expect(screen.getByRole("alert")).toHaveTextContent("Choose at least one table.");
  });
});

describe("results", () => {
  async function openResults(data: FakeData, personRanking = false) {
    const m = mount(data, { settings: { personRanking } });
    await ready();
    fireEvent.click(screen.getByRole("tab", { name: "Results" }));
    await screen.findByTestId("org-score");
    return m;
  }

  it("shows score, grade and the breakdowns by table, dimension and rule with the pack's titles and messages", async () => {
    await openResults(new FakeData());
    expect(screen.getByTestId("org-score")).toHaveTextContent("72.5");
    expect(screen.getByTestId("org-score")).toHaveTextContent("Grade C");
    expect(within(screen.getByRole("table", { name: "By table" })).getAllByRole("row")).toHaveLength(3);
    expect(within(screen.getByRole("table", { name: "By dimension" })).getByText("Completeness")).toBeInTheDocument();
    const rules = screen.getByRole("table", { name: "By rule" });
    const rule = defaultRulePack().rules.find((r) => r.id === "contact.email.format")!;
    expect(within(rules).getByText(rule.title)).toBeInTheDocument();
    expect(within(rules).getByText(rule.message)).toBeInTheDocument();
    // Nothing to drill into for a rule without failures.
    const website = defaultRulePack().rules.find((r) => r.id === "account.website.required")!;
    expect(within(rules).getByRole("button", { name: `Show records failing ${website.title}` })).toBeDisabled();
  });

  it("draws the trend as an accessible SVG with a data table alternative", async () => {
    await openResults(new FakeData({ runs: [run({ id: "b", startedOn: "2026-11-10T10:00:00Z", overallScore: 78 }), run()] }));
    const chart = screen.getByRole("img", { name: "Organisation score over completed audits" });
    expect(chart.querySelectorAll("circle")).toHaveLength(2);
    expect(chart.querySelector("desc")).toHaveTextContent("2 completed audits, from 2026-11-01 to 2026-11-10.");
    const table = screen.getByRole("table", { name: "Organisation score over completed audits", hidden: true });
    expect(within(table).getAllByRole("row", { hidden: true })).toHaveLength(3);
  });

  it("names business units but not people while per-person ranking is off", async () => {
    await openResults(new FakeData());
    expect(within(screen.getByRole("table", { name: "By business unit" })).getByText("Sales Europe")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "By owner" })).toBeNull();
    expect(screen.getByText(/Per-person ranking is off/)).toBeInTheDocument();
    expect(screen.getByRole("tabpanel", { name: "Results" })).not.toHaveTextContent("Jordan Lee");
  });

  it("ranks owners by name, most failed findings first, when an administrator turned ranking on", async () => {
    await openResults(new FakeData(), true);
    const rows = within(screen.getByRole("table", { name: "By owner" })).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("1Jordan Lee");
    expect(rows[2]).toHaveTextContent("2Dana Whitfield");
  });

  it("drills down into the records failing a rule, linking each to its form, and starts a waiver request from a row", async () => {
    const recordId = "dddddddd-dddd-dddd-dddd-dddddddddddd";
    const data = new FakeData({ drill: [{ table: "contact", recordId, name: "Ann Example", score: 61, grade: "D", observed: "ann@", expected: "a valid email address", ownerId: USERS.jordan }] });
    const { links } = await openResults(data);
    const rule = defaultRulePack().rules.find((r) => r.id === "contact.email.format")!;
    fireEvent.click(screen.getByRole("button", { name: `Show records failing ${rule.title}` }));
    const region = await screen.findByRole("region", { name: `Records failing ${rule.title}` });
    const link = await within(region).findByRole("link", { name: "Open Ann Example" });
    expect(link).toHaveAttribute("href", `https://host.example/form/contact/${recordId}`);
    expect(links).toContain(`contact/${recordId}`);
    expect(data.calls).toContain("drill contact contact.email.format");
    expect(within(region).getByText("1 record")).toBeInTheDocument();
    // Owners are not named while ranking is off.
    expect(region).not.toHaveTextContent("Jordan Lee");
    fireEvent.click(within(region).getByRole("button", { name: "Request a waiver for Ann Example" }));
    expect(await screen.findByRole("tabpanel", { name: "Waivers" })).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: /Record id/ })).toHaveValue(recordId);
    expect(screen.getByRole("combobox", { name: /^Rule/ })).toHaveValue("contact.email.format");
  });
});

describe("waivers", () => {
  const base = { table: "contact", recordId: "dddddddd-dddd-dddd-dddd-dddddddddddd", reason: "Shared mailbox", approvedOn: null, approvedById: null, ownerId: USERS.jordan, createdOn: "2026-11-01T00:00:00Z", etag: 'W/"7"' };
  const waivers = [
    { ...base, id: "w1", name: "pending one", ruleId: "contact.email.format", storedStatus: "requested" as const, status: "requested" as const, expiresOn: null },
    { ...base, id: "w2", name: "lapsed one", ruleId: "contact.jobtitle.required", storedStatus: "approved" as const, status: "expired" as const, expiresOn: "2026-11-10T00:00:00Z" },
    { ...base, id: "w3", name: "rejected one", ruleId: "contact.phone.format", storedStatus: "rejected" as const, status: "rejected" as const, expiresOn: null },
  ];

  async function openWaivers(data: FakeData) {
    mount(data);
    await ready();
    fireEvent.click(screen.getByRole("tab", { name: "Waivers" }));
    return screen.findByRole("table", { name: "Waivers" });
  }

  it("lists waivers with their status (an approved waiver past its expiry shows as expired) and filters them", async () => {
    const table = await openWaivers(new FakeData({ waivers }));
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(within(within(table).getAllByRole("row")[2]).getByText("Expired")).toBeInTheDocument();
    fireEvent.change(screen.getByRole("combobox", { name: "Status" }), { target: { value: "expired" } });
    expect(within(screen.getByRole("table", { name: "Waivers" })).getAllByRole("row")).toHaveLength(2);
    fireEvent.change(screen.getByRole("combobox", { name: "Status" }), { target: { value: "approved" } });
    expect(screen.getByText("No waiver matches the filters.")).toBeInTheDocument();
  });

  it("approves with the chosen expiry, rejects, and expires", async () => {
    const data = new FakeData({ waivers });
    await openWaivers(data);
    fireEvent.change(screen.getByLabelText("Approved waivers expire on"), { target: { value: "2027-03-31" } });
    fireEvent.click(screen.getByRole("button", { name: "Approve pending one" }));
    await screen.findByText("Waiver approved.");
    fireEvent.click(screen.getByRole("button", { name: "Reject pending one" }));
    await screen.findByText("Waiver rejected.");
    fireEvent.click(screen.getByRole("button", { name: "Expire lapsed one" }));
    await screen.findByText("Waiver expired.");
    expect(data.decisions).toEqual([
      { id: "w1", decision: "approved", expiresOn: "2027-03-31T23:59:59.000Z" },
      { id: "w1", decision: "rejected", expiresOn: null },
      { id: "w2", decision: "expired", expiresOn: null },
    ]);
  });

  it("validates a request before sending it", async () => {
    const data = new FakeData();
    mount(data);
    await ready();
    fireEvent.click(screen.getByRole("tab", { name: "Waivers" }));
    await screen.findByText("No waiver matches the filters.");
    fireEvent.change(screen.getByRole("combobox", { name: "Record's table" }), { target: { value: "contact" } });
    const submit = screen.getByRole("button", { name: "Request waiver" });
    expect(submit).toHaveAttribute("type", "submit");
    fireEvent.submit(submit.closest("form")!);
    expect(await screen.findByText(/Enter the record's id as a GUID/)).toBeInTheDocument();
    expect(screen.getByText("Give a reason.")).toBeInTheDocument();
    expect(data.requests).toEqual([]);
    fireEvent.change(screen.getByRole("textbox", { name: /Record id/ }), { target: { value: "DDDDDDDD-DDDD-DDDD-DDDD-DDDDDDDDDDDD" } });
    fireEvent.change(screen.getByRole("combobox", { name: /^Rule/ }), { target: { value: "contact.email.format" } });
    fireEvent.change(screen.getByRole("textbox", { name: /Reason/ }), { target: { value: "  Shared mailbox on purpose " } });
    fireEvent.click(screen.getByRole("button", { name: "Request waiver" }));
    await screen.findByText(/Waiver requested/);
    expect(data.requests).toEqual([{ table: "contact", recordId: "DDDDDDDD-DDDD-DDDD-DDDD-DDDDDDDDDDDD", ruleId: "contact.email.format", reason: "Shared mailbox on purpose" }]);
  });
});

describe("rule pack editor", () => {
  async function openPack(data: FakeData) {
    mount(data);
    await ready();
    fireEvent.click(screen.getByRole("tab", { name: "Rule pack" }));
    return screen.findByRole("textbox", { name: /Organisation rule pack JSON/ });
  }

  it("shows the default pack read only", async () => {
    await openPack(new FakeData());
    const def = screen.getByRole("textbox", { name: "Default rule pack JSON" });
    expect(def).toHaveAttribute("readonly");
    expect(JSON.parse((def as HTMLTextAreaElement).value)).toEqual(defaultRulePack());
  });

  it("lists every validation error inline with rule id and JSON path, and never saves an invalid pack", async () => {
    const data = new FakeData();
    const editor = await openPack(data);
    const pack = JSON.parse(JSON.stringify(defaultRulePack())) as { rules: { id: string; severity: string; weight: number }[] };
    pack.rules[0].severity = "catastrophic";
    pack.rules[2].weight = -1;
    fireEvent.change(editor, { target: { value: JSON.stringify(pack) } });
    const errors = await screen.findByRole("list", { name: /errors?: the pack cannot be saved/ });
    expect(errors).toHaveTextContent(`Rule ${pack.rules[0].id}, $.rules[0].severity`);
    expect(errors).toHaveTextContent(`Rule ${pack.rules[2].id}, $.rules[2].weight`);
    expect(editor).toHaveAttribute("aria-describedby", "pack-errors");
    const save = screen.getByRole("button", { name: "Save rule pack" });
    expect(save).toBeDisabled();
    fireEvent.click(save);
    fireEvent.change(editor, { target: { value: "{ nope" } });
    expect(await screen.findByText(/\$: not valid JSON/)).toBeInTheDocument();
    expect(save).toBeDisabled();
    expect(data.saved).toEqual([]);
  });

  it("saves a valid pack and reloads what is in force", async () => {
    const data = new FakeData();
    const editor = await openPack(data);
    const pack = { ...defaultRulePack(), id: "contoso", version: "2.0.0" };
    fireEvent.change(editor, { target: { value: JSON.stringify(pack) } });
    expect(await screen.findByText(/^Valid: \d+ rules\.$/)).toBeInTheDocument();
    const before = data.calls.filter((c) => c === "runs").length;
    fireEvent.click(screen.getByRole("button", { name: "Save rule pack" }));
    await screen.findByText(/^Saved\./);
    expect(data.saved).toEqual([JSON.stringify(pack)]);
    await waitFor(() => expect(data.calls.filter((c) => c === "runs").length).toBeGreaterThan(before));
  });
});
