/**
 * How a command reaches an organisation: `--url` with one of the sign-in options, or `--demo` with
 * an embedded emulator. One definition for every command that talks to Dataverse.
 */
import type { Command } from "commander";
import type { EmulatorHandle, EmulatorOptions } from "../../sandbox/emulator";
import { tokenProviderFromOptions, type AuthOptions } from "../dataverse/auth";
import type { DataverseGateway } from "../dataverse/gateway";
import { createWebApiGateway } from "../dataverse/webapi";
import { UserError } from "./errors";
import { loadSandbox } from "./demoLoader";

/** Sign-in options are the gateway's own (`AuthOptions`), named the same on the command line. */
export interface ConnectionCliOptions extends Omit<AuthOptions, "onDeviceCode"> {
  url?: string;
  demo?: boolean;
  size: string;
  seed: string;
}

export interface Connection {
  gateway: DataverseGateway;
  orgUrl: string;
  /** The embedded emulator of `--demo`; close it when done. */
  emulator?: EmulatorHandle;
}

export function positiveInt(v: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UserError(`${flag}: "${v}" is not a whole number from 1 to ${max}`);
  return n;
}

/** Adds --url, --demo (described by `demoHelp`, with --size and --seed) and the sign-in options. */
export function addConnectionOptions(cmd: Command, demoHelp: string): Command {
  return cmd
    .option("--url <org url>", "organisation URL, e.g. https://contoso.crm.dynamics.com")
    .option("--demo", demoHelp)
    .option("--size <n>", "with --demo: records in the demo organisation", "2000")
    .option("--seed <n>", "with --demo: seed of the demo organisation", "1")
    .option("--token <bearer>", "a bearer token you already have (e.g. from az account get-access-token)")
    .option("--tenant-id <id>", "Microsoft Entra tenant (client secret, device code)")
    .option("--client-id <id>", "app registration, or a user-assigned managed identity")
    .option("--client-secret <secret>", "client secret of the app registration (prefer the AZURE_CLIENT_SECRET environment variable in pipelines)")
    .option("--managed-identity", "sign in with the managed identity of the machine")
    .option("--federated-app-id <id>", "with --managed-identity and --tenant-id: sign in as this app registration, whose federated credential trusts the managed identity")
    .option("--azure-cli", "sign in with the Azure CLI's account")
    .option("--device-code", "sign in interactively with a device code");
}

/** Refuses a missing or contradictory choice of organisation before anything else happens. */
export function checkConnectionOptions(o: ConnectionCliOptions): void {
  if (!o.demo && !o.url) throw new UserError("name the organisation with --url <org url>, or use --demo");
  if (o.demo && o.url) throw new UserError("--demo and --url cannot be used together");
}

/** Starts the demo emulator, or signs in to the organisation, and returns a gateway. */
export async function connect(o: ConnectionCliOptions, now: Date, demo: Pick<EmulatorOptions, "mail"> = {}): Promise<Connection> {
  checkConnectionOptions(o);
  if (o.demo) {
    const size = positiveInt(o.size, "--size", 1_000_000);
    process.stderr.write(`vitals: starting the emulator with a demo organisation of ${size} records…\n`);
    // The emulator is loaded only here: a command against an organisation never loads it.
    const { startEmulator } = loadSandbox.emulator();
    const emulator = await startEmulator({ data: "demo", size, seed: positiveInt(o.seed, "--seed"), now, throttle: false, ...demo });
    const token = emulator.adminToken;
    return { gateway: createWebApiGateway({ serverUrl: emulator.orgUrl, token: () => token }), orgUrl: emulator.orgUrl, emulator };
  }
  const orgUrl = o.url!;
  const auth = authOptions(o);
  try {
    return { gateway: createWebApiGateway({ serverUrl: orgUrl, token: tokenProviderFromOptions(auth, orgUrl) }), orgUrl };
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** The sign-in options of the command line (the client secret may come from AZURE_CLIENT_SECRET). */
export function authOptions(o: ConnectionCliOptions): AuthOptions {
  return {
    token: o.token,
    tenantId: o.tenantId,
    clientId: o.clientId,
    clientSecret: o.clientSecret ?? process.env.AZURE_CLIENT_SECRET,
    managedIdentity: o.managedIdentity,
    federatedAppId: o.federatedAppId,
    azureCli: o.azureCli,
    deviceCode: o.deviceCode,
  };
}
