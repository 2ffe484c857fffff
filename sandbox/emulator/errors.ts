import { ServiceError } from "../loopback";

/** An error the emulator answers with the documented Dataverse error body. */
export class ODataError extends ServiceError {
  override name = "ODataError";

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Documented Dataverse error codes used by the emulator. */
export const CODES = {
  /** Query syntax error (ODataException / parse failure). */
  badQuery: "0x80060888",
  /** Generic invalid argument. */
  invalidArgument: "0x80040203",
  /** Object does not exist. */
  notFound: "0x80040217",
  /** Principal is missing a privilege / has no access to the record. */
  noPrivilege: "0x80040220",
  /** Duplicate record by key (upsert with If-None-Match, alternate-key clash). */
  duplicate: "0x80040237",
  /** ETag mismatch on If-Match. */
  concurrency: "0x80060882",
  /** Aggregate over more than 50,000 rows. */
  aggregateLimit: "0x8004E023",
  /** Service protection: number of requests. */
  throttleRequests: "0x80072322",
  /** Service protection: execution time. */
  throttleTime: "0x80072321",
  /** Service protection: concurrent requests. */
  throttleConcurrency: "0x80072326",
  /** Unauthenticated (no or unknown bearer token). */
  unauthorized: "0x80072560",
  /** Service unavailable (injected fault). */
  unavailable: "0x80040216",
  /** Batch request limit exceeded. */
  batchLimit: "0x8004D24B",
  /** Unsupported feature in the emulator / platform. */
  notSupported: "0x80040800",
  /** A string longer than its column's MaxLength (StringLengthTooLong). */
  stringTooLong: "0x80044331",
  /** A choice value that isn't one of the column's options (PicklistValueOutOfRange). */
  choiceOutOfRange: "0x8004431a",
  /** The privilege is granted, but not at the depth this record needs (access check failed). */
  noRecordAccess: "0x80048306",
} as const;

export function badQuery(message: string): ODataError {
  return new ODataError(400, CODES.badQuery, message);
}
