/**
 * Builds raw multipart `$batch` bodies for emulator tests (the wire format Dataverse documents in
 * "Execute batch operations using the Web API").
 */
export function batchBody(boundary: string, parts: string[]): string {
  return parts.map((p) => `--${boundary}\r\n${p}`).join("\r\n") + `\r\n--${boundary}--\r\n`;
}

/** One request part; `body` undefined sends none. */
export function httpPart(method: string, url: string, body?: unknown, contentId?: string, headers: string[] = []): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push("", `${method} ${url} HTTP/1.1`, "Content-Type: application/json", ...headers, "", body === undefined ? "" : JSON.stringify(body));
  return lines.join("\r\n");
}

export function changeSet(boundary: string, parts: string[]): string {
  return `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n${batchBody(boundary, parts)}`;
}
