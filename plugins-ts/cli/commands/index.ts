import type { Command } from "commander";
import { register as score } from "./score";
import { register as rules } from "./rules";
import { register as dedupe } from "./dedupe";
import { register as solution } from "./solution";
import { register as emulator } from "./emulator";
import { register as demo } from "./demo";
import { register as audit } from "./audit";
import { register as auditWorker } from "./auditworker";
import { register as readiness } from "./readiness";
import { register as capture } from "./capture";
import { register as digest } from "./digest";
import { register as runner } from "./runner";
import { register as fix } from "./fix";

/** Every subcommand registers itself on the program; add new ones to this list. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [score, rules, dedupe, audit, auditWorker, readiness, capture, digest, runner, fix, solution, emulator, demo];
