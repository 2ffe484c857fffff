/**
 * The organisation's rule pack: environment variable `vit_RulePack` (its current value, else its
 * default value, in one FetchXML request), validated as a whole by the engine. Read once per page session and cached; when
 * it is unset, unreadable or invalid the built-in default pack applies and the reason is kept, so
 * the panel can say that it fell back.
 */
import { compilePack, defaultRulePack, parseRulePack, type CompiledPack } from "../engine";
import { classifyError } from "./errors";
import { loadEngineLibs } from "../engine/engineLibs";
import { xmlEscape, type WebApiPort } from "./webApiPort";

export const RULE_PACK_VARIABLE = "vit_RulePack";

export interface PackChoice {
  compiled: CompiledPack;
  /** "organisation": the environment variable's pack; "default": the built-in one. */
  source: "organisation" | "default";
  /** Why the default applies although an organisation pack was set (invalid, unreadable). */
  fallbackReason?: string;
}

/** The one FetchXML query behind readRulePackText: the definition with its value row (outer join). */
export function rulePackFetchXml(schemaName = RULE_PACK_VARIABLE): string {
  return (
    `<fetch><entity name="environmentvariabledefinition"><attribute name="defaultvalue"/>` +
    `<filter><condition attribute="schemaname" operator="eq" value="${xmlEscape(schemaName)}"/></filter>` +
    `<link-entity name="environmentvariablevalue" from="environmentvariabledefinitionid" to="environmentvariabledefinitionid" link-type="outer" alias="v">` +
    `<attribute name="value"/></link-entity></entity></fetch>`
  );
}

/**
 * Reads the environment variable's text in one request: current value first, then the
 * definition's default. null when unset (or the definition does not exist).
 */
export async function readRulePackText(api: WebApiPort, schemaName = RULE_PACK_VARIABLE): Promise<string | null> {
  const rows = (await api.retrieveMultipleRecords("environmentvariabledefinition", `?fetchXml=${encodeURIComponent(rulePackFetchXml(schemaName))}`)).entities;
  if (rows.length === 0) return null;
  const value = rows.map((r) => r["v.value"]).find((v): v is string => typeof v === "string" && v.trim() !== "");
  const text = value ?? (typeof rows[0].defaultvalue === "string" ? rows[0].defaultvalue : null);
  return text && text.trim() !== "" ? text : null;
}

let defaultCompiled: CompiledPack | undefined;

/**
 * The built-in default pack, compiled once per page (a compiled pack is read-only). Needs the
 * engine's libraries (the pack's JSON and its validator come from them).
 */
export function defaultPack(): CompiledPack {
  return (defaultCompiled ??= compilePack(defaultRulePack()));
}

/** Turns the variable's text into the pack in force. Never throws: a bad pack is refused whole and the default applies. */
export function choosePack(text: string | null): PackChoice {
  if (text === null) return { compiled: defaultPack(), source: "default" };
  try {
    return { compiled: compilePack(parseRulePack(text, `environment variable ${RULE_PACK_VARIABLE}`)), source: "organisation" };
  } catch (err) {
    return { compiled: defaultPack(), source: "default", fallbackReason: (err as Error).message };
  }
}

let session: Promise<PackChoice> | undefined;
/** The session's pack once its promise resolved (until then, and after a reset, undefined). */
let settled: PackChoice | undefined;

/** The pack in force for this page session when it is already known, else undefined (no request). */
export function knownSessionRulePack(): PackChoice | undefined {
  return settled;
}

/**
 * The pack in force for this page session (read once, then cached), with the engine's libraries
 * loaded (the panel's bundle reads them from a web resource; elsewhere they are bundled). The
 * variable and the libraries are fetched at the same time. A read failure of the variable is not
 * cached as a permanent answer: the default applies now and the next session tries again; when
 * the libraries cannot be loaded nothing can be scored, so the promise rejects and the next call
 * tries again.
 */
export function sessionRulePack(api: WebApiPort): Promise<PackChoice> {
  if (session) return session;
  const pending: Promise<PackChoice> = Promise.all([
    loadEngineLibs(),
    readRulePackText(api).then(
      (text) => ({ text }),
      (err: unknown) => ({ err }),
    ),
  ])
    .then(([, read]): PackChoice =>
      "err" in read
        ? {
            compiled: defaultPack(),
            source: "default",
            fallbackReason: `environment variable ${RULE_PACK_VARIABLE} could not be read: ${classifyError(read.err).message}`,
          }
        : choosePack(read.text),
    )
    .then((choice) => {
      if (session === pending) settled = choice;
      return choice;
    })
    .catch((err: unknown) => {
      if (session === pending) session = undefined;
      throw err;
    });
  session = pending;
  return pending;
}

/** Forgets the cached pack (tests; a host that knows the variable changed). */
export function resetSessionRulePack(): void {
  session = undefined;
  settled = undefined;
}
