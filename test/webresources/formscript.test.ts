/** The form script against xrm-mock forms and a fake Web API: notifications on load, stage checks on save, the bundle. */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { ItemCollectionMock, ProcessManagerMock, ProcessMock, SaveEventArgumentsMock, SaveEventContextMock, StageMock, XrmMockGenerator } from "xrm-mock";
import { defaultRulePack } from "../../plugins-ts/engine";
import { CRITICAL_NOTIFICATION_ID, STAGE_NOTIFICATION_ID, onLoad, onPreStageChange, onSave, type FormDependencies } from "../../plugins-ts/webresources/formscript/formVitals";
import { buildFormScript } from "../../plugins-ts/webresources/formscript/build";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { NOW, OPPORTUNITY_ID, daysAgo, fakeWebApi, opportunityFixture, type Fixture } from "../helpers/pcfContext";

const ACCOUNT_ID = "33333333-4444-5555-6666-777777777777";

type Notification = { message: string; level: string; uniqueId: string };
function notifications(): Notification[] {
  return ((XrmMockGenerator.formContext.ui as unknown as { formNotifications?: Notification[] }).formNotifications ?? []).filter(Boolean);
}

function deps(fixture: Fixture, languageId = 1033): FormDependencies {
  return { webApi: fakeWebApi(fixture).api, now: () => NOW, languageId };
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

  it("names critical findings in an ERROR notification and clears it after a save that fixes them", async () => {
    const fixture = account(null);
    await onLoad(XrmMockGenerator.eventContext, deps(fixture));
    const [n] = notifications();
    expect(n).toMatchObject({ level: "ERROR", uniqueId: CRITICAL_NOTIFICATION_ID });
    expect(n.message).toMatch(/^CRM Vitals: 1 critical issue on this record\. This account has no name/);

    // The user types a name and saves: the post-save handler re-scores and clears the notification.
    fixture.records!.account.name = "Contoso Pharmaceuticals";
    const handlers = (XrmMockGenerator.formContext.data.entity as unknown as { postSaveEventHandlers: (() => void)[] }).postSaveEventHandlers;
    expect(handlers).toHaveLength(1);
    handlers[0]();
    await new Promise((r) => setTimeout(r, 10));
    expect(notifications()).toEqual([]);
  });

  it("speaks German to German users", async () => {
    await onLoad(XrmMockGenerator.eventContext, deps(account(""), 1031));
    expect(notifications()[0].message).toMatch(/^CRM Vitals: 1 kritisches Problem/);
  });

  it("leaves the form alone when the record cannot be read", async () => {
    await expect(onLoad(XrmMockGenerator.eventContext, deps({ fail: { account: { status: 403, message: "no access" } } }))).resolves.toBeUndefined();
    expect(notifications()).toEqual([]);
  });

  it("does nothing on a new record", async () => {
    XrmMockGenerator.initialise({ entity: { entityName: "account" } });
    (XrmMockGenerator.formContext.data.entity as unknown as { id: string }).id = ""; // Dynamics: getId() is "" until the first save
    const d = deps(account(null));
    await onLoad(XrmMockGenerator.eventContext, d);
    expect(notifications()).toEqual([]);
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
    await onLoad(XrmMockGenerator.eventContext, deps(qualifyFixture()));
    moveTo("s2");
    const { ctx, args } = saveContext();
    onSave(ctx);
    expect(args.isDefaultPrevented()).toBe(false);
    const n = notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)!;
    expect(n.level).toBe("WARNING");
    expect(n.message).toBe("CRM Vitals: before Develop, these are still missing: Estimated budget (Qualify), Decision maker identified (Qualify). Fill them in, or move the record back.");
  });

  it("finds its state when the save event hands another formContext object for the same record", async () => {
    await onLoad(XrmMockGenerator.eventContext, deps(qualifyFixture()));
    moveTo("s2");
    const other = Object.create(XrmMockGenerator.formContext) as Xrm.FormContext;
    const args = new SaveEventArgumentsMock(1);
    onSave(new SaveEventContextMock({ formContext: other, eventArgs: args }));
    expect(notifications().find((x) => x.uniqueId === STAGE_NOTIFICATION_ID)?.level).toBe("WARNING");
  });

  it("judges the values on the form, not only the saved ones", async () => {
    await onLoad(XrmMockGenerator.eventContext, deps(qualifyFixture()));
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
    await onLoad(XrmMockGenerator.eventContext, deps(fixture));
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
    await onLoad(XrmMockGenerator.eventContext, deps(qualifyFixture()));
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
    await onLoad(XrmMockGenerator.eventContext, deps(qualifyFixture()));
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
    const sandbox: { CrmVitals?: { Other?: number; Form?: { onLoad: unknown; onSave: unknown } } } = { CrmVitals: { Other: 1 } };
    runInNewContext(code, Object.assign(sandbox, { globalThis: sandbox, Intl, URL }));
    expect(typeof sandbox.CrmVitals?.Form?.onLoad).toBe("function");
    expect(typeof sandbox.CrmVitals?.Form?.onSave).toBe("function");
    expect(typeof (sandbox.CrmVitals?.Form as { onPreStageChange?: unknown } | undefined)?.onPreStageChange).toBe("function");
    expect(sandbox.CrmVitals?.Other).toBe(1);
  });
});
