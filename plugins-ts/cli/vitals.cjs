#!/usr/bin/env node
// Entry point of the `vitals` command (package.json "bin"). The CLI is TypeScript run through tsx,
// so `npx vitals` works straight after `npm ci` with no build step. The container image starts
// headless.ts instead (see Dockerfile); start.ts is shared.
"use strict";
require("tsx/cjs");
const { main } = require("./main.ts");
void require("./start.ts").start(main);
