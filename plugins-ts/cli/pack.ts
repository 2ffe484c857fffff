import { promises as fs } from "node:fs";
import { defaultRulePack, parseRulePack, RulePackError, type RulePack } from "../engine";
import { UserError } from "./errors";

/** The pack named by `--pack`, or the default pack. An invalid pack is refused with every error. */
export async function loadPack(path: string | undefined): Promise<RulePack> {
  if (!path) return defaultRulePack();
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch {
    throw new UserError(`${path}: rule pack file not found or not readable`);
  }
  try {
    return parseRulePack(text, path);
  } catch (err) {
    if (err instanceof RulePackError) throw new UserError(err.message);
    throw err;
  }
}

/** Parses `--now`; the CLI is the caller that owns the clock. */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new UserError(`--now: "${value}" is not an ISO-8601 date or date-time (e.g. 2026-11-23 or 2026-11-23T09:00:00Z)`);
  }
  return d;
}
