/**
 * A form open (plugins-ts/client/openRecord): the rule pack's lookup leaves in the same turn as the
 * record's facts (so over the batching port they are one `$batch`), the guessed facts are kept only
 * when the pack in force plans the same query, and a later open in the page does not look the pack up.
 * Waves are counted the way ./batchPort groups calls: every call started before the next microtask.
 */
import { defaultRulePack, type RulePack } from "../../plugins-ts/engine";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import type { WebApiPort } from "../../plugins-ts/client/webApiPort";
import { OPPORTUNITY_ID, fakeWebApi, opportunityFixture, type Fixture } from "../helpers/pcfContext";

beforeEach(() => resetSessionRulePack());

/** The tables each wave of calls read (a wave: the calls started in one turn). */
function counted(api: WebApiPort): { port: WebApiPort; waves: string[][] } {
  const waves: string[][] = [];
  let open: string[] | null = null;
  const note = (table: string) => {
    if (!open) {
      const wave: string[] = [];
      open = wave;
      waves.push(wave);
      queueMicrotask(() => (open = null));
    }
    open.push(table);
  };
  return {
    waves,
    port: {
      retrieveRecord: (t, id, o) => (note(t), api.retrieveRecord(t, id, o)),
      retrieveMultipleRecords: (t, o, n) => (note(t), api.retrieveMultipleRecords(t, o, n)),
    },
  };
}

function withPack(fixture: Fixture, pack: RulePack): Fixture {
  return { ...fixture, lists: { ...fixture.lists, environmentvariabledefinition: [{ defaultvalue: JSON.stringify(pack) }] } };
}

it("sends the pack's lookup with the record's facts when the variable is unset, and keeps those facts", async () => {
  const fake = fakeWebApi(opportunityFixture());
  const { port, waves } = counted(fake.api);
  const opened = await createWebApiVitalsSource(port).open("opportunity", OPPORTUNITY_ID);
  expect(opened.pack.source).toBe("default");
  expect(waves).toHaveLength(1);
  expect(waves[0][0]).toBe("environmentvariabledefinition");
  expect(waves[0]).toEqual(expect.arrayContaining(["opportunity", "activitypointer"]));
  // The same facts as a load for the pack in force.
  const direct = await createWebApiVitalsSource(fakeWebApi(opportunityFixture()).api).load("opportunity", OPPORTUNITY_ID, opened.pack.compiled);
  expect(opened.snapshot?.record).toEqual(direct.record);
});

it("loads the record again when the organisation's pack asks for other facts than the default", async () => {
  const base = defaultRulePack();
  const only = base.rules.filter((r) => r.table === "opportunity" && r.check.type === "required").slice(0, 1);
  expect(only).toHaveLength(1);
  const column = only[0].check.type === "required" ? only[0].check.column : "";
  const pack: RulePack = { ...base, id: "org.narrow", processes: {}, rules: only };
  const fake = fakeWebApi(withPack(opportunityFixture(), pack));
  const { port, waves } = counted(fake.api);
  const opened = await createWebApiVitalsSource(port).open("opportunity", OPPORTUNITY_ID);
  expect(opened.pack.source).toBe("organisation");
  expect(waves).toHaveLength(2);
  expect(waves[1]).toEqual(["opportunity"]);
  // Only what the organisation's pack reads: the default pack's activity facts are not kept.
  expect(opened.snapshot?.record.related?.lastActivityOn).toBeUndefined();
  expect(Object.keys(opened.snapshot?.record.values ?? {})).toContain(column);
});

it("does not look the pack up again on the next open of the page, and reports a table the pack does not cover", async () => {
  const fake = fakeWebApi(opportunityFixture());
  const { port, waves } = counted(fake.api);
  const source = createWebApiVitalsSource(port);
  await source.open("opportunity", OPPORTUNITY_ID);
  const before = waves.length;
  await source.open("opportunity", OPPORTUNITY_ID);
  expect(waves.slice(before).flat()).not.toContain("environmentvariabledefinition");
  expect(waves.slice(before)).toHaveLength(1);
  const none = await source.open("incident", OPPORTUNITY_ID);
  expect(none.snapshot).toBeNull();
});
