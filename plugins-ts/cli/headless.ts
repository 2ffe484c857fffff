/**
 * The container image's `vitals`: the commands a scheduled job runs against an organisation
 * (runner, audit, digest, capture, readiness, rules), bundled by esbuild into one file (Dockerfile).
 * The sandbox page and the emulator command stay out of the image; `--demo` still works (the
 * emulator is plain TypeScript).
 */
import { register as audit } from "./commands/audit";
import { register as capture } from "./commands/capture";
import { register as digest } from "./commands/digest";
import { register as readiness } from "./commands/readiness";
import { register as rules } from "./commands/rules";
import { register as runner } from "./commands/runner";
import { runProgram } from "./program";
import { start } from "./start";

void start((argv) => runProgram(argv, [runner, audit, digest, capture, readiness, rules]));
