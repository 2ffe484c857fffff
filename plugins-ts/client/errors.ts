/**
 * What went wrong when the vitals were loaded, in the terms the panel and the form script show:
 * no read access (HTTP 403 or a Dataverse privilege error) or anything else.
 */
export type VitalsErrorKind = "noAccess" | "notFound" | "failed";

export interface ClassifiedError {
  kind: VitalsErrorKind;
  /** The message as the service or the runtime gave it. */
  message: string;
}

/** Dataverse error codes that mean "you may not read this" (prvRead…, access denied). */
const ACCESS_CODES = new Set([
  -2147220960, // 0x80040220 principal user is missing a privilege
  -2147187962, // 0x80048306 access denied
  -2147204720, // 0x8004A190 user has no read access (sharing)
]);
const ACCESS_HEX = new Set(["0x80040220", "0x80048306", "0x8004a190"]);
const NOT_FOUND_CODES = new Set([-2147220969, -2147185406]); // 0x80040217, 0x80048d02
const NOT_FOUND_HEX = new Set(["0x80040217", "0x80048d02"]);

function field(err: unknown, name: string): unknown {
  return typeof err === "object" && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

function asNumberCode(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === "string" && /^0x[0-9a-f]{8}$/i.test(v)) return parseInt(v, 16) | 0;
  return undefined;
}

/** Reads PCF / Xrm.WebApi errors ({errorCode, message}), Web API bodies ({error:{code,message}}) and fetch-style errors ({status}). */
export function classifyError(err: unknown): ClassifiedError {
  const inner = field(err, "error");
  const message =
    (typeof field(err, "message") === "string" && (field(err, "message") as string)) ||
    (typeof field(inner, "message") === "string" && (field(inner, "message") as string)) ||
    (typeof err === "string" ? err : "Unknown error");
  const status = asNumberCode(field(err, "status") ?? field(err, "statusCode") ?? field(err, "httpStatusCode"));
  const codes = [field(err, "errorCode"), field(err, "code"), field(inner, "code")].map(asNumberCode).filter((c): c is number => c !== undefined);
  const hexes = [field(err, "code"), field(inner, "code")].filter((c): c is string => typeof c === "string").map((c) => c.toLowerCase());
  if (status === 403 || codes.some((c) => ACCESS_CODES.has(c)) || hexes.some((h) => ACCESS_HEX.has(h)) || /\bprv(Read|Write)\w*|privilege/i.test(message)) {
    return { kind: "noAccess", message };
  }
  if (status === 404 || codes.some((c) => NOT_FOUND_CODES.has(c)) || hexes.some((h) => NOT_FOUND_HEX.has(h))) {
    return { kind: "notFound", message };
  }
  return { kind: "failed", message };
}
