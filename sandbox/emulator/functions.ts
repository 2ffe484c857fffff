/**
 * Functions and actions the emulator answers (`WhoAmI`). Each is called by name at the service
 * root; `functionCall` returns null for a name it doesn't know, so the router can answer with the
 * entity-set error.
 */
import { json, type Emulator, type Req, type Res, type UserEntry } from "./context";

export function functionCall(em: Emulator, r: Req, p: UserEntry, path: string): Res | null {
  if (/^WhoAmI(\(\))?$/.test(path)) {
    em.count("whoami");
    return json(200, { "@odata.context": `${r.base}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`, BusinessUnitId: p.businessUnitId, UserId: p.id, OrganizationId: em.organizationId });
  }
  return null;
}
