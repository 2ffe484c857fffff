/**
 * Where the files a page needs to host the production RecordVitals bundle live: React 16.14 and
 * ReactDOM UMD builds, the Fluent v9 platform library pcf-start ships, the built bundle, and the
 * control's resx strings. Shared by the sandbox host and the browser tests' bare panel page.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..");
export const CONTROL_DIR = join(ROOT, "controls");
export const CONTROL_OUT = join(ROOT, "out", "controls", "RecordVitals");
export const BUNDLE = join(CONTROL_OUT, "bundle.js");
export const WEBRESOURCES_OUT = join(ROOT, "out", "webresources");
/** The engine libraries web resource the panel loads from `/WebResources/vit_/scripts/vitals.libs.js` (as in Dynamics). */
export const ENGINE_LIBS = join(WEBRESOURCES_OUT, "vit_", "scripts", "vitals.libs.js");
export const ENGINE_LIBS_URL_PATH = "/WebResources/vit_/scripts/vitals.libs.js";
/** The Governance Center page another build writes; linked from the list page when present. */
export const GOVERNANCE_PAGE = "vit_/governance/index.html";

export interface StaticFile {
  path: string;
  type: string;
}

/**
 * The platform libraries as a model-driven app provides them: React and ReactDOM 16.14 (UMD,
 * production), then pcf-start's Fluent v9 build, which expects `Reactv16`/`ReactDOMv16` globals.
 */
export const PLATFORM_LIBRARIES: Readonly<Record<"react" | "reactDom" | "fluent", StaticFile>> = {
  react: { path: join(ROOT, "node_modules", "react", "umd", "react.production.min.js"), type: "text/javascript" },
  reactDom: { path: join(ROOT, "node_modules", "react-dom", "umd", "react-dom.production.min.js"), type: "text/javascript" },
  fluent: { path: join(ROOT, "node_modules", "pcf-start", "lib", "fluent_9_4_0.js"), type: "text/javascript" },
};

/** The script that makes the UMD globals visible under the names the Fluent library looks for. */
export const PLATFORM_GLOBALS_SCRIPT = "window.Reactv16 = window.React; window.ReactDOMv16 = window.ReactDOM;";

export const AXE_SCRIPT: StaticFile = { path: require.resolve("axe-core/axe.min.js"), type: "text/javascript" };

export type Lcid = 1033 | 1031;
export const LANGUAGES: Readonly<Record<Lcid, string>> = { 1033: "English", 1031: "Deutsch" };

const XML_ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };

/** The `<data name><value>` pairs of the control's resx file for a language. */
export function resxStrings(lcid: Lcid = 1033): Record<string, string> {
  const file = join(CONTROL_DIR, "RecordVitals", "strings", `RecordVitals.${lcid}.resx`);
  const xml = readFileSync(file, "utf8");
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<data name="([^"]+)"[^>]*>\s*<value>([\s\S]*?)<\/value>/g)) {
    out[m[1]] = m[2].replace(/&(lt|gt|quot|apos|amp);/g, (e) => XML_ENTITIES[e] ?? e);
  }
  if (Object.keys(out).length === 0) throw new Error(`${file}: no <data name><value> entries found`);
  return out;
}
