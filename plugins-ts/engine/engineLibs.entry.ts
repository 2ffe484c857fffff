/** Entry of the web resource vit_/scripts/vitals.libs.js: puts the engine's libraries on the page for ./engineLibs.browser. */
import { bundledEngineLibs } from "./engineLibs";
import { ENGINE_LIBS_GLOBAL } from "./engineLibs.types";

(globalThis as unknown as Record<string, unknown>)[ENGINE_LIBS_GLOBAL] = bundledEngineLibs;
