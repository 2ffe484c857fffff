// Validates customizations.xml against Microsoft's CustomizationsSolution.xsd 9.0.0.2090 (the
// libxml2-ready copy vendored in test/fixtures/xsd-xmllint) with xmllint-wasm, passing every schema
// file the main one includes.
//
// One in-memory adjustment is needed: xmllint-wasm 5.3 bundles libxml2 2.13, which refuses to
// compile FormXml.xsd because the content model of <control><parameters> (a choice of ~20 choices
// that share element names) is not deterministic ("The content model is not determinist",
// FormXml.xsd:417). For that one element we substitute "any elements" (processContents="skip"),
// so the rest of the schema compiles and applies in full. The generated forms use no
// <control><parameters> element (the panel's <customControl><parameters> is a different one), and `schemaAdjustment` below is asserted in the tests to still be needed
// and to change nothing else.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { validateXML, type XMLValidationResult } from "xmllint-wasm";

export const XSD_DIR = join(__dirname, "..", "fixtures", "xsd-xmllint");
/** Real exported solutions the packager's output is compared with (test/fixtures/SOURCES.md). */
export const EXPORTS_DIR = join(__dirname, "..", "fixtures", "solution-exports");

const START = '<xs:element name="parameters" minOccurs="0" maxOccurs="1">';
const LAST_BRANCH = "<!-- Date Range Control parameters -->";
const REPLACEMENT =
  '<xs:element name="parameters" minOccurs="0" maxOccurs="1"><xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded" /></xs:sequence></xs:complexType></xs:element>';

/** FormXml.xsd with the <control><parameters> content model replaced; throws if the file no longer has the expected shape. */
export function schemaAdjustment(formXml: string): { adjusted: string; removed: string } {
  const controlType = formXml.indexOf('<xs:complexType name="FormXmlControlType">');
  const start = formXml.indexOf(START, controlType);
  const branch = formXml.indexOf(LAST_BRANCH, start);
  const end = formXml.indexOf("</xs:element>", branch);
  if (controlType < 0 || start < 0 || branch < 0 || end < 0) throw new Error("FormXml.xsd does not have the expected FormXmlControlType/parameters shape");
  const stop = end + "</xs:element>".length;
  return { adjusted: formXml.slice(0, start) + REPLACEMENT + formXml.slice(stop), removed: formXml.slice(start, stop) };
}

export interface SchemaFiles {
  main: { fileName: string; contents: string };
  preload: { fileName: string; contents: string }[];
}

export function schemaFiles(adjust = true): SchemaFiles {
  const files = readdirSync(XSD_DIR).filter((f) => f.endsWith(".xsd")).sort();
  const read = (f: string): string => {
    const text = readFileSync(join(XSD_DIR, f), "utf8");
    return adjust && f === "FormXml.xsd" ? schemaAdjustment(text).adjusted : text;
  };
  return {
    main: { fileName: "CustomizationsSolution.xsd", contents: read("CustomizationsSolution.xsd") },
    preload: files.filter((f) => f !== "CustomizationsSolution.xsd").map((f) => ({ fileName: f, contents: read(f) })),
  };
}

/** xmllint --schema CustomizationsSolution.xsd customizations.xml */
export async function validateCustomizations(xml: string, adjust = true): Promise<XMLValidationResult> {
  const schema = schemaFiles(adjust);
  return validateXML({
    xml: [{ fileName: "customizations.xml", contents: xml }],
    schema: [schema.main],
    preload: schema.preload,
    maxMemoryPages: 4096,
  });
}

/**
 * The app-module elements a current (9.2) export writes that the 9.0.0.2090 schema predates
 * (see the shared reference examples, devkeydet-codefirstsolution AppModules/…/AppModule.xml): removed before validating,
 * as the other newer elements are for a real export.
 */
export function withoutNewerAppModuleElements(xml: string): string {
  return xml.replace(/<AppModule>[\s\S]*?<\/AppModule>/g, (app) =>
    app.replace(/<(OptimizedFor|statecode|statuscode|NavigationType)\s*\/>\s*|<(OptimizedFor|statecode|statuscode|NavigationType)>[^<]*<\/\2>\s*/g, "").replace(/<appsettings>[\s\S]*?<\/appsettings>\s*/g, ""));
}

/**
 * The solutionaction attributes a managed form layer carries on the tabs, sections and cells it adds
 * (the record panel on the standard main forms, solution/packager/panelforms.ts): Microsoft's
 * 9.0.0.2090 FormXml.xsd declares solutionaction on none of those elements, though managed exports
 * write it there. Removed before validating; everything else of the form is validated.
 */
export function withoutFormSolutionActions(xml: string): string {
  return xml.replace(/<(tab|section|cell) ([^>]*?) solutionaction="(?:Added|Modified|Removed)"/g, "<$1 $2");
}
