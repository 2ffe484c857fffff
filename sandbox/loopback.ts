/** Listening on and closing loopback HTTP servers: the emulator, the Graph stand-in. */
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 (`port` 0: an ephemeral one) and resolves with the port. */
export function listenLoopback(http: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, "127.0.0.1", () => resolve((http.address() as AddressInfo).port));
  });
}

/** Closes the server, dropping kept-alive connections so it does not wait for them. */
export function closeServer(http: Server): Promise<void> {
  return new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  });
}

/** An error a stand-in answers with its service's error body: HTTP status, error code, headers. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
