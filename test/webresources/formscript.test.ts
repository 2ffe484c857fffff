/**
 * The form script against xrm-mock forms and the record panel's publications (the panel's own data
 * layer and scoring over a fake Web API, on the form channel): notifications, field edits re-scored
 * by the panel without a request, stage checks on save, the bundle.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { ItemCollectionMock, ProcessManagerMock, ProcessMock, SaveEventArgumentsMock, SaveEventContextMock, StageMock, XrmMockGenerator } from "xrm-mock";
import { defaultRulePack, type EngineRecord } from "../../plugins-ts/engine";
import { CRITICAL_NOTIFICATION_ID, RECENT_RECORDS, STAGE_NOTIFICATION_ID, onLoad, onPreStageChange, onSave, type FormDependencies } from "../../plugins-ts/webresources/formscript/formVitals";
import { buildFormScript } from "../../plugins-ts/webresources/formscript/build";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { openFormChannel, publicationOf, type FormChannel, type FormMessage, type VitalsPublication } from "../../plugins-ts/client/formChannel";
import { NOW, OPPORTUNITY_ID, daysAgo, fakeWebApi, opportunityFixture, type Fixture } from "../helpers/pcfContext";

const ACCOUNT_ID = "33333333-4444-5555-6666-777777777777";

type Notification = { message: string; level: string; uniqueId: string };
function notifications(): Notification[] {
  return ((XrmMockGenerator.formContext.ui as unknown as { formNotifications?: Notification[] }).formNotifications ?? []).filter(Boolean);
}

interface PanelStub {
  deps: FormDependencies;
  /** Web API requests the panel made. */
  requests: () => number;
  /** Publications (scorings) the panel made. */
  published: VitalsPublication[];
  /** What the panel does after a save: load and score the saved record again, then publish. */
  reload: () => Promise<void>;
}

let channelSeq = 0;
const open: FormChannel[] = [];
/**
 * Messages on a BroadcastChannel arrive in a later task, later still on a loaded machine: the tests
 * wait for the message itself, never a fixed time. `heard` is what the form script's side of the
 * channel was handed (recorded after the form script's listener ran); `until` re-checks its
 * condition after each such message.
 */
const heard: FormMessage[] = [];
let wake: (() => void)[] = [];
afterEach(() => {
  open.splice(0).forEach((c) => c.close());
  heard.splice(0);
  wake = [];
});

/** The form side of a channel, noting every message its subscribers were handed. */
function observed(channel: FormChannel): FormChannel {
  return {
    ...channel,
    subscribe: (listener) =>
      channel.subscribe((m) => {
        listener(m);
        heard.push(m);
        wake.splice(0).forEach((w) => w());
      }),
  };
}

/** Waits until `condition()` holds, checking it now and after every message the form side hears; after 10 s without it, fails naming `what`. */
async function until(what: string, condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`still waiting, 10 s on, for ${what}`)), 10_000);
      wake.push(() => {
        clearTimeout(guard);
        resolve();
      });
    });
  }
}

/** Resolves once a message posted now on channel `name` has been delivered: whatever was posted before it has had its turn too. */
function delivered(name: string): Promise<void> {
  const from = openFormChannel(name);
  const to = openFormChannel(name);
  open.push(from, to);
  return new Promise((resolve) => {
    to.subscribe(() => resolve());
    from.post({ kind: "hello", table: "probe", id: "probe" });
  });
}

const heardScoring = (n = 1) => until(`the form script to hear the panel's scoring ${n}`, () => heard.some((m) => m.kind === "scored" && m.scoring === n));
/**
 * The record panel's side, as RecordVitals does it: its data source loads the record once, the
 * engine scores it, the result goes on the form channel; "hello" repeats it, "values" re-scores the
 * form's values without a request.
 */
async function panel(fixture: Fixture, languageId = 1033): Promise<PanelStub> {
  const name = `test.form.${++channelSeq}`;
  const panelSide = openFormChannel(name);
  const formSide = observed(openFormChannel(name));
  open.push(panelSide, formSide);
  const fake = fakeWebApi(fixture);
  const source = createWebApiVitalsSource(fake.api);
  const published: VitalsPublication[] = [];
  let record: EngineRecord | undefined;
  const pack = await source.rulePack();
  const score = (r: EngineRecord) => {
    record = r;
    const p = publicationOf(pack.compiled, r, pack.compiled.score(r, { now: NOW }), published.length + 1);
    published.push(p);
    panelSide.post(p);
  };
  const reload = async () => {
    const [, table] = Object.entries(fixture.records ?? {})[0] ?? [];
    const t = Object.keys(fixture.records ?? {})[0];
    if (!t || !table) throw new Error("fixture without a record");
    score((await source.load(t, String(table[`${t}id`]), pack.compiled)).record);
  };
  panelSide.subscribe((m) => {
    if (m.kind === "hello" && published.length) panelSide.post(published[published.length - 1]);
    if (m.kind === "values" && record) score({ ...record, values: { ...record.values, ...m.values } });
  });
  try {
    await reload();
  } catch {
    // The record cannot be read: the panel shows its error and publishes nothing.
  }
  return { deps: { channel: formSide, languageId }, requests: () => fake.calls.length, published, reload };
}

async function deps(fixture: Fixture, languageId = 1033): Promise<FormDependencies> {
  return (await panel(fixture, languageId)).deps;
}

function saveContext(): { ctx: Xrm.Events.SaveEventContext; args: SaveEventArgumentsMock } {
  const args = new SaveEventArgumentsMock(1);
  const ctx = new SaveEventContextMock({ formContext: XrmMockGenerator.formContext, eventArgs: args });
  return { ctx, args };
}

beforeEach(() => resetSessionRulePack());

describe("onLoad", () => {
  const account = (name: string | null): Fixture => ({
    records: {
      account: {
        accountid: ACCOUNT_ID, name, telephone1: "+1 425 555 0100", emailaddress1: "info@contoso.com", websiteurl: "www.contoso.com", statecode: 0,
        address1_country: "United States", address1_city: "Redmond", industrycode: 1, modifiedon: daysAgo(3), versionnumber: 5,
        _primarycontactid_value: null, primarycontactid: null, owninguser: { isdisabled: false, fullname: "Dana Seller" },
      },
    },
  });

  beforeEach(() => {
    XrmMockGenerator.initialise({ entity: { entityName: "account", id: `{${ACCOUNT_ID.toUpperCase()}}` } });
  });

  it("names critical findings in an ERROR notification and clears it when the panel's scoring after a save has none", async () => {
    const fixture = account(null);
    const p = await panel(fixture);
    onLoad(XrmMockGenerator.eventContext, p.deps);
    await heardScoring(1);
    const [n] = notifications();
    expect(n).toMatchObject({ level: "ERROR", uniqueId: CRITICAL_NOTIFICATION_ID });
    expect(n.message).toMatch(/^CRM Vitals: 1 critical issue on this record\. This account has no name/);
    // One scoring for the open, by the panel; the form script made no request of its own.
    expect(p.published.map((x) => x.scoring)).toEqual([1]);
    const requestsAtOpen = p.requests();

    // The user types a name and saves: the panel re-scores the saved record and the notification goes.
    fixture.records!.account.name = "Contoso Pharmaceuticals";
    await p.reload();
    await heardScoring(2);
    expect(notifications()).toEqual([]);
    expect(p.requests()).toBeGreaterThan(requestsAtOpen);
  });

  it("hands the form's own values to the panel when a pack column changes, which re-scores them without a request", async () => {
    XrmMockGenerator.Attribute.createString("name", "");
    const p = await panel(account(null));
    onLoad(XrmMockGenerator.eventContext, p.deps);
    await heardScoring(1);
    expect(notifications()[0]?.uniqueId).toBe(CRITICAL_NOTIFICATION_ID);
    const before = p.requests();
    const name = XrmMockGenerator.formContext.getAttribute("name");
    name.setValue("Contoso Pharmaceuticals");
    name.fireOnChange();
    await heardScoring(2);
    expect(p.published.map((x) => x.scoring)).toEqual([1, 2]);
    expect(p.requests()).toBe(before);
    expect(notifications()).toEqual([]);
  });

  it("starts after the panel or before it: a late form script asks for the last result", async () => {
    const p = await panel(account(null));
    expect(p.published).toHaveLength(1); // published before the form script listened
    onLoad(XrmMockGenerator.eventContext, p.deps);
    await heardScoring(1);
    expect(notifications()[0]?.uniqueId).toBe(CRITICAL_NOTIFICATION_ID);
    expect(p.published).toHaveLength(1); // repeated, not scored again
  });

  it("speaks German to German users", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(account(""), 1031));
    await heardScoring(1);
    expect(notifications()[0].message).toMatch(/^CRM Vitals: 1 kritisches Problem/);
  });

  it("leaves the form alone when the panel could not read the record", async () => {
    const d = await deps({ fail: { account: { status: 403, message: "no access" } } });
    expect(() => onLoad(XrmMockGenerator.eventContext, d)).not.toThrow();
    expect(notifications()).toEqual([]);
  });

  it("does nothing on a new record", async () => {
    XrmMockGenerator.initialise({ entity: { entityName: "account" } });
    (XrmMockGenerator.formContext.data.entity as unknown as { id: string }).id = ""; // Dynamics: getId() is "" until the first save
    const channel = openFormChannel("test.form.new");
    open.push(channel);
    onLoad(XrmMockGenerator.eventContext, { channel, languageId: 1033 });
    await delivered("test.form.new");
    expect(notifications()).toEqual([]);
  });
});

describe("a long session moving between records in-page", () => {
  it("keeps a channel listener for the most recent records only", () => {
    let live = 0;
    const posted: FormMessage[] = [];
    const channel: FormChannel = {
      post: (m) => void posted.push(m),
      subscribe: () => {
        live++;
        return () => void live--;
      },
      close: () => undefined,
    };
    const deps: FormDependencies = { channel, languageId: 1033 };
    const ids = Array.from({ length: RECENT_RECORDS + 12 }, (_, i) => `aaaaaaaa-0000-0000-0000-${String(i + 1).padStart(12, "0")}`);
    for (const id of ids) {
      XrmMockGenerator.initialise({ entity: { entityName: "account", id: `{${id}}` } });
      onLoad(XrmMockGenerator.eventContext, deps);
    }
    expect(live).toBe(RECENT_RECORDS);
    // every record opened asked the panel for its result, the last one included
    expect(posted.filter((m) => m.kind === "hello").map((m) => m.id)).toEqual(ids);
  });
});

describe("onSave of an opportunity moving stage", () => {
  function setup(): void {
    const stages = [new StageMock("s1", "Qualify", "active"), new StageMock("s2", "Develop", "inactive"), new StageMock("s3", "Propose", "inactive")];
    const process = new ProcessManagerMock([new ProcessMock({ id: "p1", name: "Opportunity Sales Process", stages: new ItemCollectionMock(stages) as unknown as Xrm.Collection.ItemCollection<Xrm.ProcessFlow.Stage>, rendered: true })]);
    XrmMockGenerator.initialise({ entity: { entityName: "opportunity", id: OPPORTUNITY_ID }, process: process as unknown as Xrm.ProcessFlow.ProcessManager });
    XrmMockGenerator.Attribute.createNumber("budgetamount", undefined);
    XrmMockGenerator.Attribute.createBoolean("decisionmaker", false);
    XrmMockGenerator.Attribute.createLookup("parentcontactid", { id: "{99999999-0000-0000-0000-000000000002}", name: "Jane Doe", entityType: "contact" });
  }
  const moveTo = (id: string) => XrmMockGenerator.formContext.data.process.setActiveStage(id);
  const qualifyFixture = (): Fixture => {
    const f = opportunityFixture({ budgetamount: null, decisionmaker: false });
    f.lists!.opportunitysalesprocess = [{ activestagestartedon: daysAgo(3), statecode: 0, activestageid: { stagename: "Qualify" } }];
    return f;
  };

  beforeEach(setup);

  it("warns, naming the missing data of earlier stages, and lets the save through", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(qualifyFixture()));
    await heardScoring(1);
    moveTo("s2");
    const { ctx, args } = saveContext();
    onSave(ctx);
    expect(args.isDefaultPrevented()).toBe(false);
    const n = notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)!;
    expect(n.level).toBe("WARNING");
    expect(n.message).toBe("CRM Vitals: before Develop, these are still missing: Estimated budget (Qualify), Decision maker identified (Qualify). Fill them in, or move the record back.");
  });

  it("finds its state when the save event hands another formContext object for the same record", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(qualifyFixture()));
    await heardScoring(1);
    moveTo("s2");
    const other = Object.create(XrmMockGenerator.formContext) as Xrm.FormContext;
    const args = new SaveEventArgumentsMock(1);
    onSave(new SaveEventContextMock({ formContext: other, eventArgs: args }));
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)?.level).toBe("WARNING");
  });

  it("judges the values on the form, not only the saved ones", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(qualifyFixture()));
    await heardScoring(1);
    XrmMockGenerator.formContext.getAttribute("budgetamount").setValue(80000);
    XrmMockGenerator.formContext.getAttribute("decisionmaker").setValue(true);
    moveTo("s2");
    const { ctx } = saveContext();
    onSave(ctx);
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)).toBeUndefined();
  });

  it("blocks the save when the pack says blockOnSave for the stage rule", async () => {
    const pack = defaultRulePack();
    const blocking = { ...pack, rules: pack.rules.map((r) => (r.id === "opportunity.stage.exit_criteria" ? { ...r, blockOnSave: true } : r)) };
    const fixture: Fixture = {
      ...qualifyFixture(),
      lists: {
        ...qualifyFixture().lists,
        environmentvariabledefinition: [{ environmentvariabledefinitionid: "12345678-1234-1234-1234-123456789012", defaultvalue: JSON.stringify(blocking) }],
      },
    };
    onLoad(XrmMockGenerator.eventContext, await deps(fixture));
    await heardScoring(1);
    moveTo("s2");
    const { ctx, args } = saveContext();
    onSave(ctx);
    expect(args.isDefaultPrevented()).toBe(true);
    const n = notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)!;
    expect(n.level).toBe("ERROR");
    expect(n.message).toContain("cannot be saved in Develop yet; missing: Estimated budget (Qualify), Decision maker identified (Qualify)");
    // Pressing "Next Stage" is stopped the same way.
    const prevent = jest.fn();
    onPreStageChange({
      getFormContext: () => XrmMockGenerator.formContext,
      getEventArgs: () => ({ getDirection: () => "Next", getStage: () => ({ getName: () => "Propose" }), preventDefault: prevent }),
    } as unknown as Xrm.Events.StageChangeEventContext);
    expect(prevent).toHaveBeenCalledTimes(1);
  });

  it("warns when the user presses Next Stage, and blocks it with blockOnSave", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(qualifyFixture()));
    await heardScoring(1);
    const prevent = jest.fn();
    const stageEvent = (direction: string, name: string) =>
      ({
        getFormContext: () => XrmMockGenerator.formContext,
        getEventArgs: () => ({ getDirection: () => direction, getStage: () => ({ getName: () => name }), preventDefault: prevent }),
      }) as unknown as Xrm.Events.StageChangeEventContext;
    onPreStageChange(stageEvent("Next", "Develop"));
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)?.message).toContain("before Develop, these are still missing: Estimated budget (Qualify)");
    expect(prevent).not.toHaveBeenCalled();
    onPreStageChange(stageEvent("Previous", "Qualify"));
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)).toBeUndefined();
  });

  it("says nothing when the stage did not change", async () => {
    onLoad(XrmMockGenerator.eventContext, await deps(qualifyFixture()));
    await heardScoring(1);
    const { ctx, args } = saveContext();
    onSave(ctx);
    expect(args.isDefaultPrevented()).toBe(false);
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)).toBeUndefined();
  });
});

describe("the web resource bundle", () => {
  it("is one IIFE that adds CrmVitals.Form to the page and keeps the rest of the namespace", async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), "vit-form-")), "recordvitals.form.js");
    await buildFormScript({ outfile });
    const code = readFileSync(outfile, "utf8");
    expect(code.startsWith('"use strict";(()=>{')).toBe(true);
    // It carries no engine and no libraries (the panel scores): within the 30 KB budget of a form script.
    expect(code.length).toBeLessThanOrEqual(30 * 1024);
    const sandbox: { CrmVitals?: { Other?: number; Form?: { onLoad: unknown; onSave: unknown } } } = { CrmVitals: { Other: 1 } };
    runInNewContext(code, Object.assign(sandbox, { globalThis: sandbox, Intl, URL }));
    expect(typeof sandbox.CrmVitals?.Form?.onLoad).toBe("function");
    expect(typeof sandbox.CrmVitals?.Form?.onSave).toBe("function");
    expect(typeof (sandbox.CrmVitals?.Form as { onPreStageChange?: unknown } | undefined)?.onPreStageChange).toBe("function");
    expect(sandbox.CrmVitals?.Other).toBe(1);
  });
});
