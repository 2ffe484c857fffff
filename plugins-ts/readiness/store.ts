/**
 * Assessments in vit_readinessassessment: the answers, the pillars (with prerequisites and
 * contradictions) as JSON, the overall score and when it was assessed. The previous assessment
 * gives the summary its "change since".
 */
import type { DataverseGateway } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { PILLARS, type Answers, type PillarId } from "./questions";
import type { PreviousAssessment, Scorecard } from "./score";

export const ASSESSMENT_TABLE = "vit_readinessassessment";

/** What vit_pillars holds. */
export interface StoredPillars {
  v: 1;
  pillars: { id: PillarId; score: number | null }[];
  prerequisites: { feature: string; ready: boolean; counts: { label: string; value: number; needed: number }[] }[];
  contradictions: { questionId: string; evidence: string }[];
}

/** Saves the assessment; returns the new row's id. */
export async function saveAssessment(gateway: DataverseGateway, card: Scorecard, answers: Answers, name?: string): Promise<string> {
  const pillars: StoredPillars = {
    v: 1,
    pillars: card.pillars.map((p) => ({ id: p.id, score: p.score })),
    prerequisites: card.prerequisites.map((p) => ({ feature: p.feature, ready: p.ready, counts: p.counts })),
    contradictions: card.contradictions.map((c) => ({ questionId: c.questionId, evidence: c.evidence })),
  };
  const [outcome] = await gateway.createMany(ASSESSMENT_TABLE, [
    {
      vit_name: name ?? `AI readiness ${card.assessedOn.slice(0, 10)}`,
      vit_answers: JSON.stringify(answers),
      vit_pillars: JSON.stringify(pillars),
      vit_overallscore: card.overall,
      vit_assessedon: card.assessedOn,
    },
  ]);
  if (!outcome.ok) throw new Error(`saving the assessment in ${ASSESSMENT_TABLE} failed: ${outcome.error.message}`);
  return outcome.id ?? "";
}

/** The newest active assessment made before `before`, or null. */
export async function readPreviousAssessment(gateway: DataverseGateway, before: Date): Promise<PreviousAssessment | null> {
  for await (const page of gateway.streamTable({
    table: ASSESSMENT_TABLE,
    columns: ["vit_overallscore", "vit_pillars", "vit_assessedon"],
    filter: f.and(f.eq("statecode", 0), f.lt("vit_assessedon", before), f.notNull("vit_overallscore")),
    orderBy: ["vit_assessedon desc"],
    pageSize: 1,
  })) {
    const row = page.rows[0];
    if (!row) return null;
    const id = String(row.vit_readinessassessmentid);
    const pillars: Partial<Record<PillarId, number | null>> = {};
    if (typeof row.vit_pillars === "string") {
      let parsed: Partial<StoredPillars>;
      try {
        parsed = JSON.parse(row.vit_pillars) as Partial<StoredPillars>;
      } catch {
        throw new Error(`${ASSESSMENT_TABLE} ${id}: vit_pillars is not valid JSON`);
      }
      for (const p of parsed.pillars ?? []) if ((PILLARS as readonly string[]).includes(p.id)) pillars[p.id] = p.score;
    }
    return { assessedOn: String(row.vit_assessedon), overall: Number(row.vit_overallscore), pillars };
  }
  return null;
}
