#!/usr/bin/env node
// Runs pcf-scripts with settings from pcf.config.json, the project's one source of truth.
// pcf-scripts only reads ./pcfconfig.json; this writes it (git-ignored) from the "pcfScripts"
// section right before every call, so the two can never disagree; featureconfig.json likewise from
// "pcfFeatures".
//
//   node controls/pcf.cjs build [--buildMode development]
//   node controls/pcf.cjs refreshTypes
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { spawnSync } = require("node:child_process");

const root = join(__dirname, "..");
const config = JSON.parse(readFileSync(join(root, "pcf.config.json"), "utf8"));
if (!config.pcfScripts || typeof config.pcfScripts.outDir !== "string") {
  console.error("pcf.config.json: missing \"pcfScripts.outDir\"");
  process.exit(1);
}
writeFileSync(join(root, "pcfconfig.json"), JSON.stringify(config.pcfScripts, null, 2) + "\n");
// pcf-scripts' feature switches (featureconfig.json, read from the working directory), same rule.
writeFileSync(join(root, "featureconfig.json"), JSON.stringify(config.pcfFeatures ?? {}, null, 2) + "\n");

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: node controls/pcf.cjs <pcf-scripts command> [options]");
  process.exit(2);
}
const bin = require.resolve("pcf-scripts/bin/pcf-scripts.js");
const r = spawnSync(process.execPath, [bin, ...args], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PP_TOOLS_TELEMETRY_OPTOUT: "true" },
});
process.exit(r.status === null ? 1 : r.status);
