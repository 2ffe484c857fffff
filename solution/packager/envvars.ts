import type { EnvironmentVariableSource, EnvironmentVariableType, SolutionSource } from "./types";
import { document, el, serialize } from "./xml";

/** environmentvariabledefinition `type` codes. */
export const ENVIRONMENT_VARIABLE_TYPES: Record<EnvironmentVariableType, number> = {
  text: 100000000,
  number: 100000001,
  boolean: 100000002,
  json: 100000003,
};

export function environmentVariablePath(e: EnvironmentVariableSource): string {
  return `environmentvariabledefinitions/${e.schemaName}/environmentvariabledefinition.xml`;
}

/** One environmentvariabledefinition.xml, in the element order of real exports. */
export function buildEnvironmentVariableXml(s: SolutionSource, e: EnvironmentVariableSource): string {
  const lang = String(s.manifest.languageCode);
  const root = document("environmentvariabledefinition", { schemaname: e.schemaName });
  if (e.default !== undefined) el(root, "defaultvalue", e.default);
  el(el(root, "description", undefined, { default: e.description }), "label", undefined, { description: e.description, languagecode: lang });
  el(el(root, "displayname", undefined, { default: e.displayName }), "label", undefined, { description: e.displayName, languagecode: lang });
  el(root, "introducedversion", s.version);
  el(root, "iscustomizable", "1");
  el(root, "isrequired", "0");
  el(root, "secretstore", "0");
  el(root, "type", ENVIRONMENT_VARIABLE_TYPES[e.type]);
  return serialize(root);
}
