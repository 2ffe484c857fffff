/**
 * The CLI's one door to the sandbox (the emulator, the Graph stand-in, the sandbox host): each is
 * loaded on first use, by `--demo` and by the `demo` and `emulator` commands only, so a command
 * against an organisation never loads it (eslint holds plugins-ts to type-only imports of sandbox/).
 *
 * Why `require` and not `import()`: the CLI runs as CommonJS through tsx (vitals.cjs, and esbuild's
 * bundle in the container image). A dynamic `import()` would go through Node's ES-module loader,
 * which tsx's CommonJS hook does not serve, and would load a second copy of every module the
 * sandbox shares with the CLI (an `instanceof DataverseError` would fail across the copies).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as Emulator from "../../sandbox/emulator";
import type * as GraphStandIn from "../../sandbox/graph";
import type * as GraphStandInClient from "../../sandbox/graph/client";
import type * as SandboxHost from "../../sandbox/host";

export const loadSandbox = {
  emulator: (): typeof Emulator => require("../../sandbox/emulator") as typeof Emulator,
  graphStandIn: (): typeof GraphStandIn => require("../../sandbox/graph") as typeof GraphStandIn,
  graphStandInClient: (): typeof GraphStandInClient => require("../../sandbox/graph/client") as typeof GraphStandInClient,
  host: (): typeof SandboxHost => require("../../sandbox/host") as typeof SandboxHost,
};
