/**
 * OData `$batch` multipart/mixed parsing and response writing, as Dataverse accepts and answers it.
 */
import { randomUUID } from "node:crypto";
import { badQuery } from "./errors";

export interface BatchItem {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchPart = { kind: "request"; item: BatchItem } | { kind: "changeset"; items: BatchItem[] };

export interface ItemResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

function boundaryOf(contentType: string | undefined, where: string): string {
  const m = /boundary=("?)([^";]+)\1/i.exec(contentType ?? "");
  if (!m) throw badQuery(`${where}: the Content-Type must be multipart/mixed with a boundary parameter.`);
  return m[2];
}

/** Splits a multipart body into its parts (without the boundary lines). */
function splitParts(body: string, boundary: string, where: string): string[] {
  const text = body.replace(/\r\n/g, "\n");
  const delim = `--${boundary}`;
  const pieces = text.split(new RegExp(`^${delim.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(--)?[ \\t]*$`, "m"));
  // split with a capture group yields [preamble, cap, part, cap, part, …, cap, epilogue]
  if (pieces.length < 3) throw badQuery(`${where}: no part delimited by '${delim}' was found.`);
  const parts: string[] = [];
  for (let i = 2; i < pieces.length; i += 2) {
    const closing = pieces[i - 1] === "--";
    if (closing) break;
    parts.push(pieces[i].replace(/^\n/, "").replace(/\n$/, ""));
  }
  return parts;
}

function splitHeaders(part: string): { headers: Record<string, string>; rest: string } {
  const idx = part.indexOf("\n\n");
  const head = idx < 0 ? part : part.slice(0, idx);
  const rest = idx < 0 ? "" : part.slice(idx + 2);
  const headers: Record<string, string> = {};
  for (const line of head.split("\n")) {
    const c = line.indexOf(":");
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, rest };
}

function parseHttpPart(part: string, where: string): BatchItem {
  const { headers: partHeaders, rest } = splitHeaders(part);
  const lines = rest.split("\n");
  const requestLine = lines.shift()?.trim() ?? "";
  const m = /^(GET|POST|PATCH|PUT|DELETE)\s+(\S+)(?:\s+HTTP\/1\.[01])?$/i.exec(requestLine);
  if (!m) throw badQuery(`${where}: '${requestLine}' is not an HTTP request line (METHOD url HTTP/1.1).`);
  const inner = splitHeaders(lines.join("\n"));
  return {
    method: m[1].toUpperCase(),
    url: m[2],
    headers: inner.headers,
    body: inner.rest.trim(),
    contentId: partHeaders["content-id"] ?? inner.headers["content-id"],
  };
}

export function parseBatch(body: string, contentType: string | undefined): BatchPart[] {
  const boundary = boundaryOf(contentType, "$batch");
  const parts: BatchPart[] = [];
  splitParts(body, boundary, "$batch").forEach((p, i) => {
    const { headers, rest } = splitHeaders(p);
    const ct = headers["content-type"] ?? "";
    if (/^multipart\/mixed/i.test(ct)) {
      const cs = boundaryOf(ct, `$batch part ${i + 1}`);
      const items = splitParts(rest, cs, `change set in part ${i + 1}`).map((q, j) => parseHttpPart(q, `change set ${i + 1} request ${j + 1}`));
      for (const it of items) {
        if (it.method === "GET") throw badQuery(`$batch part ${i + 1}: a change set can't contain GET requests.`);
      }
      parts.push({ kind: "changeset", items });
    } else {
      parts.push({ kind: "request", item: parseHttpPart(p, `$batch part ${i + 1}`) });
    }
  });
  return parts;
}

const REASON: Record<number, string> = {
  200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 412: "Precondition Failed", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};

function httpPart(r: ItemResponse): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (r.contentId) lines.push(`Content-ID: ${r.contentId}`);
  lines.push("", `HTTP/1.1 ${r.status} ${REASON[r.status] ?? ""}`.trimEnd());
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  lines.push("", r.body);
  return lines.join("\r\n");
}

export type ResponsePart = { kind: "single"; response: ItemResponse } | { kind: "changeset"; responses: ItemResponse[] };

export function writeBatchResponse(parts: ResponsePart[]): { contentType: string; body: string } {
  const b = `batchresponse_${randomUUID()}`;
  const chunks: string[] = [];
  for (const p of parts) {
    if (p.kind === "single") {
      chunks.push(`--${b}\r\n${httpPart(p.response)}`);
    } else {
      const cs = `changesetresponse_${randomUUID()}`;
      const inner = p.responses.map((r) => `--${cs}\r\n${httpPart(r)}`).join("\r\n");
      chunks.push(`--${b}\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n${inner}\r\n--${cs}--`);
    }
  }
  return { contentType: `multipart/mixed; boundary=${b}`, body: `${chunks.join("\r\n")}\r\n--${b}--\r\n` };
}
