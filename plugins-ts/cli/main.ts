import type { Command } from "commander";
import { commands } from "./commands";
import { buildProgramWith, runProgram } from "./program";

/** Builds the `vitals` program. Each subcommand lives in its own module under ./commands. */
export function buildProgram(): Command {
  return buildProgramWith(commands);
}

/** Runs the CLI and resolves to the process exit code. */
export function main(argv: string[]): Promise<number> {
  return runProgram(argv, commands);
}
