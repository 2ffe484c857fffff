/**
 * Activity-capture test helpers: the emulator with demo mailboxes, the Graph stand-in loaded with
 * them, and the Graph client pointed at it (requests built for graph.microsoft.com, last hop to
 * the stand-in).
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { startGraphStandIn, type GraphStandInHandle } from "../../sandbox/graph";
import type { GraphClientOptions, VitalsGraphClient } from "../../plugins-ts/graph/client";
import { standInGraphClient } from "../../sandbox/graph/client";

export const NOW = new Date("2026-11-23T00:00:00Z");

export interface CaptureWorld {
  emu: EmulatorHandle;
  graph: GraphStandInHandle;
  close(): Promise<void>;
}

export async function startCaptureWorld(size = 600, seed = 3): Promise<CaptureWorld> {
  const emu = await startEmulator({ size, seed, now: NOW, throttle: false, mail: true });
  const graph = await startGraphStandIn({ mailboxes: emu.mail!.mailboxes });
  return { emu, graph, close: async () => void (await Promise.all([emu.close(), graph.close()])) };
}

export function graphClient(world: CaptureWorld, roles?: readonly string[], extra: Partial<GraphClientOptions> = {}): VitalsGraphClient {
  return standInGraphClient(world.graph, roles, extra);
}
