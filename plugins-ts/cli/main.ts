import { Command, CommanderError } from "commander";
import { commands } from "./commands";
import { UserError } from "./errors";

/** Builds the `vitals` program. Each subcommand lives in its own module under ./commands. */
export function buildProgram(): Command {
  const program = new Command("vitals")
    .description("CRM Vitals: data health, governance audits and AI readiness for Dynamics 365")
    .version(readVersion(), "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

function readVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("../../package.json") as { version: string };
  return pkg.version;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
