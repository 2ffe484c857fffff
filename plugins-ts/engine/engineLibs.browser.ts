/**
 * The engine's libraries in the record panel: read from the global that the web resource
 * vit_/scripts/vitals.libs.js sets (built from ./engineLibs.entry, cached by the browser, loaded
 * once per page). The panel awaits `loadEngineLibs()` before it scores; an engine call before that
 * throws an error naming the web resource, never a wrong score.
 *
 * Failure modes: the script cannot be fetched (not imported, blocked) → `loadEngineLibs` rejects
 * with the URL; a second call after a failure tries again.
 */
import { ENGINE_LIBS_GLOBAL, type EngineLibs } from "./engineLibs.types";

/** Where Dynamics serves the web resource (root-relative: the org's own origin). */
export const ENGINE_LIBS_URL = "/WebResources/vit_/scripts/vitals.libs.js";

type LibsGlobal = Record<string, EngineLibs | undefined>;

export function engineLibs(): EngineLibs {
  const libs = (globalThis as unknown as LibsGlobal)[ENGINE_LIBS_GLOBAL];
  if (!libs) throw new Error(`CRM Vitals: the engine libraries are not loaded (web resource ${ENGINE_LIBS_URL}); call loadEngineLibs() first`);
  return libs;
}

let loading: Promise<void> | undefined;

export function loadEngineLibs(url: string = ENGINE_LIBS_URL): Promise<void> {
  if ((globalThis as unknown as LibsGlobal)[ENGINE_LIBS_GLOBAL]) return Promise.resolve();
  loading ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = () => ((globalThis as unknown as LibsGlobal)[ENGINE_LIBS_GLOBAL] ? resolve() : reject(new Error(`CRM Vitals: ${url} loaded but did not provide the engine libraries`)));
    script.onerror = () => reject(new Error(`CRM Vitals: the engine libraries could not be loaded from ${url} (is the CRM Vitals solution imported?)`));
    document.head.appendChild(script);
  }).catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
