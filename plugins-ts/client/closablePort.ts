/**
 * A `WebApiPort` that sends nothing once closed. The record panel closes it in `destroy()`: when
 * the user moves to another record, Unified Interface removes the control from the form, and a
 * removed control must not go on asking the Web API for the record it no longer shows (the
 * duplicate query that waits for the record's values, a retry) — those requests would compete with
 * the new record's.
 *
 * Contract: until `close()` every call is the wrapped port's own. After it, a new call rejects with
 * `PortClosedError` and sends nothing; a call already sent settles as it will (PCF's `webAPI`
 * cannot abort), and the panel ignores its answer. Closing twice is harmless.
 */
import type { WebApiPort } from "./webApiPort";

export class PortClosedError extends Error {
  constructor(what: string) {
    super(`${what} was not sent: the control was removed from the form.`);
    this.name = "PortClosedError";
  }
}

export interface ClosablePort extends WebApiPort {
  close(): void;
  readonly closed: boolean;
}

export function closablePort(api: WebApiPort): ClosablePort {
  let closed = false;
  return {
    retrieveRecord: (entityType, id, options) => (closed ? Promise.reject(new PortClosedError(`The read of ${entityType} ${id}`)) : api.retrieveRecord(entityType, id, options)),
    retrieveMultipleRecords: (entityType, options, maxPageSize) =>
      closed ? Promise.reject(new PortClosedError(`The query of ${entityType}`)) : api.retrieveMultipleRecords(entityType, options, maxPageSize),
    close: () => {
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}
