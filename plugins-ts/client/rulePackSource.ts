/**
 * The organisation's rule pack: environment variable `vit_RulePack` (its current value, else its
 * default value), validated as a whole by the engine. Read once per page session and cached; when
 * it is unset, unreadable or invalid the built-in default pack applies and the reason is kept, so
 * the panel can say that it fell back.
 */
import { compilePack, defaultRulePack, parseRulePack, type CompiledPack } from "../engine";
import { classifyError } from "./errors";
import { normaliseId, odataString, type WebApiPort } from "./webApiPort";

export const RULE_PACK_VARIABLE = "vit_RulePack";

export interface PackChoice {
  compiled: CompiledPack;
  /** "organisation": the environment variable's pack; "default": the built-in one. */
  source: "organisation" | "default";
  /** Why the default applies although an organisation pack was set (invalid, unreadable). */
  fallbackReason?: string;
}

/** Reads the environment variable's text: current value first, then the definition's default. null when unset. */
export async function readRulePackText(api: WebApiPort, schemaName = RULE_PACK_VARIABLE): Promise<string | null> {
  const defs = await api.retrieveMultipleRecords(
    "environmentvariabledefinition",
    `?$select=environmentvariabledefinitionid,defaultvalue&$filter=schemaname eq ${odataString(schemaName)}`,
  );
  const def = defs.entities[0];
  if (!def) return null;
  const defId = typeof def.environmentvariabledefinitionid === "string" ? normaliseId(def.environmentvariabledefinitionid, "environment variable definition id") : null;
  let value: unknown = null;
  if (defId) {
    const values = await api.retrieveMultipleRecords("environmentvariablevalue", `?$select=value&$filter=_environmentvariabledefinitionid_value eq ${defId}`);
    value = values.entities[0]?.value ?? null;
  }
  const text = typeof value === "string" && value.trim() !== "" ? value : typeof def.defaultvalue === "string" ? def.defaultvalue : null;
  return text && text.trim() !== "" ? text : null;
}

/** Turns the variable's text into the pack in force. Never throws: a bad pack is refused whole and the default applies. */
export function choosePack(text: string | null): PackChoice {
  if (text === null) return { compiled: compilePack(defaultRulePack()), source: "default" };
  try {
    return { compiled: compilePack(parseRulePack(text, `environment variable ${RULE_PACK_VARIABLE}`)), source: "organisation" };
  } catch (err) {
    return { compiled: compilePack(defaultRulePack()), source: "default", fallbackReason: (err as Error).message };
  }
}

let session: Promise<PackChoice> | undefined;

/**
 * The pack in force for this page session (read once, then cached). A read failure is not cached
 * as a permanent answer: the default applies now and the next session tries again.
 */
export function sessionRulePack(api: WebApiPort): Promise<PackChoice> {
  session ??= readRulePackText(api).then(
    (text) => choosePack(text),
    (err: unknown) => ({
      compiled: compilePack(defaultRulePack()),
      source: "default" as const,
      fallbackReason: `environment variable ${RULE_PACK_VARIABLE} could not be read: ${classifyError(err).message}`,
    }),
  );
  return session;
}

/** Forgets the cached pack (tests; a host that knows the variable changed). */
export function resetSessionRulePack(): void {
  session = undefined;
}
