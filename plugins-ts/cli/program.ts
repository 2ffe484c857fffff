/**
 * The `vitals` program without its list of commands: main.ts gives it every command, headless.ts
 * (the container image) the few a scheduled job runs. Errors a user can act on (UserError) become
 * a message and an exit code; anything else propagates.
 */
import { Command, CommanderError } from "commander";
import type { RegisterCommand } from "./commands";
import { UserError } from "./errors";

/** Builds the `vitals` program with these subcommands (each lives in its own module under ./commands). */
export function buildProgramWith(registers: readonly RegisterCommand[]): Command {
  const program = new Command("vitals")
    .description("CRM Vitals: data health, governance audits and AI readiness for Dynamics 365")
    .version(readVersion(), "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of registers) register(program);
  return program;
}

function readVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("../../package.json") as { version: string };
  return pkg.version;
}

/** Runs the CLI with these subcommands and resolves to the process exit code. */
export async function runProgram(argv: string[], registers: readonly RegisterCommand[]): Promise<number> {
  const program = buildProgramWith(registers);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander; their exit code is 0
      return err.exitCode;
    }
    if (err instanceof UserError) {
      process.stderr.write(`vitals: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
