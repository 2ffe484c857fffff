/**
 * The slice of a Web API client the vitals need. PCF's `context.webAPI` and the form's
 * `Xrm.WebApi` both satisfy it as they are, and tests pass a fake. Keep it this small so any
 * other adapter (the gateway's PCF adapter, the sandbox host) can stand in.
 */
import { xmlEscape } from "../export/xml";

export type WebApiRow = Record<string, unknown>;

export interface WebApiPort {
  retrieveRecord(entityType: string, id: string, options?: string): PromiseLike<WebApiRow>;
  retrieveMultipleRecords(entityType: string, options?: string, maxPageSize?: number): PromiseLike<{ entities: WebApiRow[]; nextLink?: string }>;
}

/** GUID without braces, lower case; throws on anything that is not a GUID. */
export function normaliseId(id: string, what = "record id"): string {
  const s = id.trim().replace(/^\{|\}$/g, "").toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) {
    throw new Error(`${what} "${id}" is not a GUID`);
  }
  return s;
}

/** An OData string literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export { xmlEscape };
