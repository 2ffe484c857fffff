#!/usr/bin/env node
// Entry point of the `vitals` command (package.json "bin"). The CLI is TypeScript run through tsx,
// so `npx vitals` works straight after `npm ci` with no build step.
"use strict";
require("tsx/cjs");
// `vitals … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (err) => {
  if (err && err.code === "EPIPE") process.exit(0);
  throw err;
});
const { main } = require("./main.ts");
main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`vitals: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
