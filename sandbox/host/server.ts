/**
 * The sandbox host: a small node:http server on 127.0.0.1 that serves
 *   /                      the record list page
 *   /form?table=&id=       a form-like page hosting the production RecordVitals bundle
 *   /host/*                the pages' scripts (bundled from ./browser by esbuild once, at start), CSS, config, strings
 *   /lib/*, /controls/*    React / ReactDOM 16.14 UMD, the Fluent v9 platform library, bundle.js
 *   /webresources/*        built web resources from out/webresources/ (the Governance Center)
 *   /WebResources/*        the same files under the path Dynamics serves web resources at (the
 *                          panel loads vit_/scripts/vitals.libs.js from there)
 *   /api/data/v9.2/*       a reverse proxy to the emulator (same origin: no CORS), absolute
 *                          emulator URLs in answers rewritten to this origin; a request without
 *                          a bearer token is signed in by the page's session cookie, as a
 *                          Dynamics form's same-origin requests are
 *   /_emulator/*           the emulator's statistics, proxied
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { build } from "esbuild";
import { BUNDLE, CONTROL_OUT, GOVERNANCE_PAGE, PLATFORM_GLOBALS_SCRIPT, PLATFORM_LIBRARIES, WEBRESOURCES_OUT, resxStrings, type StaticFile } from "./assets";
import type { HostConfig } from "./browser/config";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".xml": "text/xml", ".resx": "text/xml", ".ico": "image/x-icon",
};

const BROWSER_DIR = join(__dirname, "browser");

/** Host path of the Governance Center page when it has been built into out/webresources/, else null. */
export function governancePage(): string | null {
  return existsSync(join(WEBRESOURCES_OUT, GOVERNANCE_PAGE)) ? `/webresources/${GOVERNANCE_PAGE}` : null;
}

export interface HostOptions {
  /** The emulator's organisation URL (http://127.0.0.1:<port>/). */
  emulatorOrgUrl: string;
  /** Built once per start; `governancePage` is re-checked on every request of the config. */
  config: Omit<HostConfig, "governancePage">;
  /** 0 = any free port. */
  port: number;
  /** Try the next ports when `port` is taken (default false: fail with EADDRINUSE). */
  nextFreePort?: boolean;
}

export interface HostHandle {
  /** http://127.0.0.1:<port>/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

function page(title: string, head: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/host/host.css">${head}</head>
<body><a class="skip" href="#main">Skip to main content</a><div id="app"><p class="loading">Loading…</p></div>
<script src="${script}"></script></body></html>`;
}

const LIST_PAGE = page("CRM Vitals sandbox", "", "/host/list.js");
const FORM_PAGE = page(
  "Record — CRM Vitals sandbox",
  `<script src="/lib/react.js"></script><script src="/lib/react-dom.js"></script><script>${PLATFORM_GLOBALS_SCRIPT}</script>` +
    `<script src="/lib/fluent.js"></script><script src="/controls/RecordVitals/bundle.js"></script>`,
  "/host/form.js",
);

const LIBS: Record<string, StaticFile> = {
  "/lib/react.js": PLATFORM_LIBRARIES.react,
  "/lib/react-dom.js": PLATFORM_LIBRARIES.reactDom,
  "/lib/fluent.js": PLATFORM_LIBRARIES.fluent,
  "/controls/RecordVitals/bundle.js": { path: BUNDLE, type: "text/javascript" },
};

/** The pages' scripts, bundled from TypeScript in memory. */
async function bundlePages(): Promise<Map<string, string>> {
  const r = await build({
    entryPoints: { list: join(BROWSER_DIR, "list.ts"), form: join(BROWSER_DIR, "form.ts") },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    outdir: "/host",
    sourcemap: "inline",
    logLevel: "silent",
  });
  return new Map(r.outputFiles.map((f) => [`/host/${f.path.split("/").pop()}`, f.text]));
}

/** A file under `root` for a URL path, or null (no traversal outside root). */
function fileUnder(root: string, urlPath: string): string | null {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, "");
  const file = join(root, rel);
  if (!file.startsWith(root + sep) || !existsSync(file)) return null;
  const st = statSync(file);
  if (st.isDirectory()) {
    const index = join(file, "index.html");
    return existsSync(index) ? index : null;
  }
  return file;
}

function sendFile(res: ServerResponse, file: string, type?: string): void {
  res.writeHead(200, { "content-type": type ?? TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "cache-control": "no-cache" });
  createReadStream(file).pipe(res);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-cache" }).end(body);
}

/** Forwards a request to the emulator; absolute emulator URLs in text answers become this origin's. */
function proxy(req: IncomingMessage, res: ServerResponse, target: URL, ownOrigin: string): void {
  const headers = { ...req.headers, host: target.host };
  delete headers.connection;
  const session = /(?:^|;\s*)vitals_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
  if (!headers.authorization && session) headers.authorization = `Bearer ${decodeURIComponent(session)}`;
  const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
    const chunks: Buffer[] = [];
    up.on("data", (c: Buffer) => chunks.push(c));
    up.on("end", () => {
      const emuOrigin = target.origin;
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) {
        if (v === undefined || k === "content-length" || k === "connection" || k === "transfer-encoding") continue;
        out[k] = typeof v === "string" ? v.split(emuOrigin).join(ownOrigin) : v;
      }
      let body = Buffer.concat(chunks);
      const type = String(up.headers["content-type"] ?? "");
      if (/json|multipart|text/.test(type)) body = Buffer.from(body.toString("utf8").split(emuOrigin).join(ownOrigin), "utf8");
      out["content-length"] = String(body.length);
      res.writeHead(up.statusCode ?? 502, out).end(body);
    });
    up.on("error", () => res.destroy());
  });
  upstream.on("error", (e) => {
    // The emulator dropped the connection (fault injection) or is gone: drop ours too, like a network failure.
    if (!res.headersSent) send(res, 502, "application/json", JSON.stringify({ error: { code: "0x80060891", message: `The emulator did not answer: ${e.message}` } }));
    else res.destroy();
  });
  req.pipe(upstream);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    const onError = (e: Error) => {
      server.off("listening", onListening);
      fail(e);
    };
    const onListening = () => {
      server.off("error", onError);
      ok((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
}

export async function startHost(opts: HostOptions): Promise<HostHandle> {
  const scripts = await bundlePages();
  const css = readFileSync(join(BROWSER_DIR, "host.css"), "utf8");
  const strings = { 1033: JSON.stringify(resxStrings(1033)), 1031: JSON.stringify(resxStrings(1031)) };
  const target = new URL(opts.emulatorOrgUrl);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const ownOrigin = `http://${req.headers.host ?? "127.0.0.1"}`;
    try {
      if (path.startsWith("/api/") || path.startsWith("/_emulator/")) return proxy(req, res, target, ownOrigin);
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "Method not allowed");
      if (path === "/" || path === "/index.html") return send(res, 200, "text/html; charset=utf-8", LIST_PAGE);
      if (path === "/form") return send(res, 200, "text/html; charset=utf-8", FORM_PAGE);
      if (path === "/host/config.json") return send(res, 200, "application/json", JSON.stringify({ ...opts.config, governancePage: governancePage() } satisfies HostConfig));
      if (path === "/host/strings/1033.json") return send(res, 200, "application/json", strings[1033]);
      if (path === "/host/strings/1031.json") return send(res, 200, "application/json", strings[1031]);
      if (path === "/host/host.css") return send(res, 200, "text/css", css);
      const script = scripts.get(path);
      if (script) return send(res, 200, "text/javascript", script);
      const lib = LIBS[path];
      if (lib) return sendFile(res, lib.path, lib.type);
      if (path.startsWith("/controls/RecordVitals/")) {
        const f = fileUnder(CONTROL_OUT, path.slice("/controls/RecordVitals/".length));
        if (f) return sendFile(res, f);
      }
      if (path.startsWith("/webresources/") || path.startsWith("/WebResources/")) {
        const f = fileUnder(WEBRESOURCES_OUT, path.slice("/webresources/".length));
        if (f) return sendFile(res, f);
      }
      if (path === "/favicon.ico") return res.writeHead(204).end();
      send(res, 404, "text/plain", `Not found: ${path}`);
    } catch (e) {
      send(res, 500, "text/plain", `Sandbox host error: ${(e as Error).message}`);
    }
  });

  let port = opts.port;
  for (let attempt = 0; ; attempt++) {
    try {
      port = await listen(server, port);
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== "EADDRINUSE" || !opts.nextFreePort || port === 0 || attempt >= 20) throw e;
      port++;
    }
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
