/**
 * Starts a `vitals` program on the process's arguments and sets the exit code. Used by vitals.cjs
 * (every command, through tsx, straight from the sources) and by headless.ts (the container
 * image's entry point), so both start the same way.
 */
export async function start(run: (argv: string[]) => Promise<number>): Promise<void> {
  // `vitals … | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    process.exitCode = await run(process.argv);
  } catch (err) {
    process.stderr.write(`vitals: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
