/**
 * The panel's port after destroy(): a control removed from the form (the user moved to another
 * record) sends nothing more for the record it no longer shows. Against the emulator over HTTP:
 * an account's load asks for the record, its activities and then the duplicate query built from
 * the record's values; closed as the record's answer arrives, the duplicate query is never sent
 * and the load ends without a score.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { closablePort, PortClosedError } from "../../plugins-ts/client/closablePort";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import type { WebApiPort } from "../../plugins-ts/client/webApiPort";
import { httpPort, start } from "../helpers/emulator";

const compiled = compilePack(defaultRulePack());

describe("the panel's port, closed by destroy()", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 200, seed: 3 });
  });
  afterAll(() => emu?.close());

  const accountId = () => emu.store.rows("account").find((r) => r.statecode === 0 && r.emailaddress1)!.accountid as string;

  it("passes every call through until closed", async () => {
    const log: string[] = [];
    const port = closablePort(httpPort(emu, emu.adminToken, log));
    const open = await createWebApiVitalsSource(port).load("account", accountId(), compiled);
    expect(open.duplicatesChecked).toBe(true);
    expect(log.some((p) => p.startsWith("accounts?"))).toBe(true);
    expect(port.closed).toBe(false);
  });

  it("sends no request once closed: the duplicate query waiting for the record's values stays unsent", async () => {
    const log: string[] = [];
    const inner = httpPort(emu, emu.adminToken, log);
    let close = (): void => undefined;
    // The record's answer arrives just as the user moves on: destroy() closes the port.
    const closing: WebApiPort = {
      retrieveRecord: async (...a) => {
        const row = await inner.retrieveRecord(...a);
        close();
        return row;
      },
      retrieveMultipleRecords: (...a) => inner.retrieveMultipleRecords(...a),
    };
    const port = closablePort(closing);
    close = () => port.close();
    const id = accountId();
    // The load ends without a score (nobody shows it any more), never with one missing its duplicates.
    await expect(createWebApiVitalsSource(port).load("account", id, compiled)).rejects.toBeInstanceOf(PortClosedError);
    expect(port.closed).toBe(true);
    // The record and the reads started with it went out; the duplicate query did not.
    expect(log.some((p) => p.startsWith(`accounts(${id})`))).toBe(true);
    expect(log.filter((p) => p.startsWith("accounts?"))).toEqual([]);
    await expect(port.retrieveRecord("account", id)).rejects.toBeInstanceOf(PortClosedError);
    await expect(port.retrieveMultipleRecords("account", "?$top=1")).rejects.toThrow(/was not sent: the control was removed from the form/);
    expect(log.filter((p) => p.startsWith(`accounts(${id})`))).toHaveLength(1);
  });
});
