/** CRM Vitals' Graph client pointed at a stand-in: requests built for graph.microsoft.com, the last hop to the stand-in. */
import { createGraphClient, PERMISSIONS, type GraphClientOptions, type VitalsGraphClient } from "../../plugins-ts/graph/client";
import type { GraphStandInHandle } from "./index";

/** Every application permission activity capture and digests use. */
export const ALL_APP_PERMISSIONS: readonly string[] = Object.values(PERMISSIONS).map((p) => p.application);

export function standInGraphClient(standIn: GraphStandInHandle, roles: readonly string[] = ALL_APP_PERMISSIONS, extra: Partial<GraphClientOptions> = {}): VitalsGraphClient {
  const token = standIn.appToken([...roles]);
  return createGraphClient({ token: () => Promise.resolve(token), route: new URL(standIn.baseUrl).origin, ...extra });
}
