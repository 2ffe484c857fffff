// Realistic build outputs for packager tests, written to a temp folder: what pcf-scripts writes
// for RecordVitals (out/controls/RecordVitals) and what the web resource build writes
// (out/webresources). The manifest has the shape `pcf-scripts build --buildMode production` 1.51.1
// emits for a virtual control (checked against a real build), including the bundle.js.LICENSE.txt it
// writes next to the bundle but does not list in the manifest.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildPackages, type BuiltPackage } from "../../solution/packager";

export const CONTROL_MANIFEST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<manifest>
  <control namespace="CrmVitals" constructor="RecordVitals" version="0.1.0" display-name-key="RecordVitals_Name" description-key="RecordVitals_Desc" control-type="virtual" api-version="1.3.18">
    <external-service-usage enabled="false"/>
    <type-group name="anyColumn">
      <type>SingleLine.Text</type>
      <type>Whole.None</type>
      <type>Lookup.Simple</type>
    </type-group>
    <property name="boundColumn" display-name-key="BoundColumn_Name" description-key="BoundColumn_Desc" of-type-group="anyColumn" usage="bound" required="true"/>
    <resources>
      <code path="bundle.js" order="1"/>
      <platform-library name="React" version="16.14.0"/>
      <platform-library name="Fluent" version="9.46.2"/>
      <css path="css/RecordVitals.css" order="1"/>
      <resx path="strings/RecordVitals.1033.resx" version="1.0.0"/>
      <resx path="strings/RecordVitals.1031.resx" version="1.0.0"/>
    </resources>
    <feature-usage>
      <uses-feature name="WebAPI" required="true"/>
    </feature-usage>
    <built-by name="pac" version="1.51.1"/>
  </control>
</manifest>`;

const RESX = (value: string): string => `<?xml version="1.0" encoding="utf-8"?>
<root>
  <resheader name="resmimetype"><value>text/microsoft-resx</value></resheader>
  <resheader name="version"><value>2.0</value></resheader>
  <data name="RecordVitals_Display_Key" xml:space="preserve"><value>${value}</value></data>
</root>
`;

export interface FixtureBuild {
  dir: string;
  write(relPath: string, content: string | Uint8Array): string;
  remove(relPath: string): void;
  cleanup(): void;
}

/** A temp build folder with every output the solution declares (Governance Center included unless `governance` is false). */
export function makeBuildDir(options: { governance?: boolean } = {}): FixtureBuild {
  const dir = mkdtempSync(join(tmpdir(), "vitals-solution-build-"));
  const write = (relPath: string, content: string | Uint8Array): string => {
    const file = join(dir, ...relPath.split("/"));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  write("controls/RecordVitals/ControlManifest.xml", CONTROL_MANIFEST);
  // bytes that are not valid UTF-8 prove the bundle is copied byte for byte, never re-encoded
  write("controls/RecordVitals/bundle.js", new Uint8Array([...Buffer.from('"use strict";var pcf_tools_652ac3f36e1e4bca82eb3c1dc44e6fad;/*'), 0xff, 0xfe, ...Buffer.from("*/\n")]));
  write("controls/RecordVitals/bundle.js.LICENSE.txt", "/*! license notices of bundled packages */\n");
  write("controls/RecordVitals/css/RecordVitals.css", ".vitals{display:block}\n");
  write("controls/RecordVitals/strings/RecordVitals.1033.resx", RESX("Record vitals"));
  write("controls/RecordVitals/strings/RecordVitals.1031.resx", RESX("Datensatz-Vitalwerte"));
  write("webresources/vit_/scripts/recordvitals.form.js", 'var CrmVitals=CrmVitals||{};CrmVitals.Form={onLoad:function(c){}};\n');
  write("webresources/vit_/scripts/vitals.libs.js", "(function(){globalThis.CrmVitalsEngineLibs={};})();\n");
  if (options.governance !== false) {
    write("webresources/vit_/governance/index.html", '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Governance Center</title><link rel="stylesheet" href="governance.css"></head><body><div id="root"></div><script src="governance.js"></script></body></html>\n');
    write("webresources/vit_/governance/governance.js", "(function(){document.getElementById('root').textContent='Governance Center';})();\n");
    write("webresources/vit_/governance/governance.css", "body{font-family:Segoe UI,sans-serif}\n");
    write("webresources/vit_/governance/icons/audit.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7"/></svg>\n');
  }
  return {
    dir,
    write,
    remove: (relPath) => rmSync(join(dir, ...relPath.split("/")), { recursive: true, force: true }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The managed and unmanaged packages of a fixture build, made once for a test file (filled in by beforeAll). */
export function packagesOnce(): { managed: BuiltPackage; unmanaged: BuiltPackage } {
  const out = {} as { managed: BuiltPackage; unmanaged: BuiltPackage };
  let build: FixtureBuild | undefined;
  beforeAll(() => {
    build = makeBuildDir();
    [out.managed, out.unmanaged] = buildPackages(["managed", "unmanaged"], { buildDir: build.dir });
  });
  afterAll(() => build?.cleanup());
  return out;
}
