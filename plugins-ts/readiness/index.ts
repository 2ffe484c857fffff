/**
 * The AI-readiness scorecard: read the signals and the previous assessment through the gateway,
 * score them (pure), and store the new assessment.
 */
import type { DataverseGateway } from "../dataverse/gateway";
import type { RulePack } from "../engine/pack/types";
import type { Answers } from "./questions";
import { buildScorecard, type Scorecard } from "./score";
import { readSignals, type ReadinessSignals } from "./signals";
import { readPreviousAssessment, saveAssessment } from "./store";

export * from "./questions";
export * from "./score";
export * from "./signals";
export * from "./store";
export * from "./render";

export interface AssessOptions {
  pack: RulePack;
  now: Date;
  answers: Answers;
  /** Store the assessment in vit_readinessassessment (default true). */
  save?: boolean;
}

export interface Assessment {
  card: Scorecard;
  signals: ReadinessSignals;
  /** Id of the stored vit_readinessassessment row, when saved. */
  savedId?: string;
}

export async function assessReadiness(gateway: DataverseGateway, opts: AssessOptions): Promise<Assessment> {
  const signals = await readSignals(gateway, { pack: opts.pack, now: opts.now });
  const previous = await readPreviousAssessment(gateway, opts.now);
  const card = buildScorecard(signals, opts.answers, previous);
  const savedId = opts.save === false ? undefined : await saveAssessment(gateway, card, opts.answers);
  return { card, signals, savedId };
}
