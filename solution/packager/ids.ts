import { createHash } from "node:crypto";

/**
 * The namespace of every CRM Vitals component id: the RFC 4122 URL namespace applied to
 * "https://crmvitals/solution". Changing it would give every form, view, role and web resource a
 * new id, and an upgrade would then create duplicates instead of updating them: never change it.
 */
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
export const CRM_VITALS_NAMESPACE = uuidV5("https://crmvitals/solution", URL_NAMESPACE);

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in `namespace`, lower-case. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  if (ns.length !== 16) throw new Error(`uuidV5: namespace "${namespace}" is not a UUID`);
  const hash = createHash("sha1").update(ns).update(Buffer.from(name, "utf8")).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The stable id of a solution component, from its kind and a name unique within that kind. */
export function componentId(kind: string, name: string): string {
  return uuidV5(`${kind}:${name.toLowerCase()}`, CRM_VITALS_NAMESPACE);
}

export function webResourceId(name: string): string {
  return componentId("webresource", name);
}

/**
 * Where a web resource's content sits in the zip, as Dataverse exports name it: the name without
 * the characters that are not letters, digits or "_", followed by the web resource id in upper
 * case (vit_/scripts/recordvitals.form.js → WebResources/vit_scriptsrecordvitalsformjs<ID>).
 */
export function webResourceZipPath(name: string): string {
  return `WebResources/${name.replace(/[^A-Za-z0-9_]/g, "")}${webResourceId(name).toUpperCase()}`;
}

/** `{id}` as exports write ids in braces. */
export function braced(id: string): string {
  return `{${id}}`;
}
