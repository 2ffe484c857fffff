/**
 * How a command reaches Microsoft Graph: with `--demo`, the sandbox's Graph stand-in loaded with the
 * demo mailboxes; otherwise the same sign-in options as for Dataverse, for the scope
 * https://graph.microsoft.com/.default (a plain `--token` is Dataverse's; Graph then needs `--graph-token`).
 */
import type { Command } from "commander";
import type { GraphStandInHandle } from "../../sandbox/graph";
import { tokenProviderForScope } from "../dataverse/auth";
import { createGraphClient, GRAPH_SCOPE, type VitalsGraphClient } from "../graph/client";
import { authOptions, type Connection, type ConnectionCliOptions } from "./connection";
import { UserError } from "./errors";
import { loadSandbox } from "./demoLoader";

export interface GraphCliOptions extends ConnectionCliOptions {
  graphToken?: string;
}

export interface GraphConnection {
  graph: VitalsGraphClient;
  /** The stand-in of `--demo`; close it when done. */
  standIn?: GraphStandInHandle;
}

export function addGraphOptions(cmd: Command): Command {
  return cmd.option("--graph-token <bearer>", "a Microsoft Graph bearer token (needed when --token gives only the Dataverse one)");
}

export async function connectGraph(o: GraphCliOptions, conn: Connection, onThrottle?: (retryAfter: string | null) => void): Promise<GraphConnection> {
  const throttled = onThrottle ? (i: { retryAfter: string | null }) => onThrottle(i.retryAfter) : undefined;
  if (conn.emulator) {
    const mail = conn.emulator.mail;
    if (!mail) throw new UserError("the demo organisation was started without mailboxes");
    const { startGraphStandIn } = loadSandbox.graphStandIn();
    const { standInGraphClient } = loadSandbox.graphStandInClient();
    const standIn = await startGraphStandIn({ mailboxes: mail.mailboxes });
    return { graph: standInGraphClient(standIn, undefined, { onThrottle: throttled }), standIn };
  }
  if (o.graphToken) {
    const token = o.graphToken.replace(/^Bearer\s+/i, "");
    return { graph: createGraphClient({ token: () => Promise.resolve(token), onThrottle: throttled }) };
  }
  if (o.token) throw new UserError("--token is a Dataverse token; Microsoft Graph needs its own: add --graph-token <bearer> (az account get-access-token --resource https://graph.microsoft.com)");
  try {
    return { graph: createGraphClient({ token: tokenProviderForScope(authOptions(o), GRAPH_SCOPE), onThrottle: throttled }) };
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
