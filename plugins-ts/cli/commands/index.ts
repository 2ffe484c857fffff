import type { Command } from "commander";

/** Every subcommand registers itself on the program; add new ones to this list. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
