/**
 * The AI-readiness self-assessment: twelve questions a sales leader answers in five minutes.
 * Each answer is "yes", "partly" or "no" (100, 50, 0 points). Questions of the Strategy & alignment
 * pillar make up that pillar; every other question feeds the pillar its practice belongs to (10 % of
 * that pillar, the data the other 90 %) and is checked against that pillar's data for contradictions.
 */

export const PILLARS = ["data", "process", "adoption", "governance", "activity", "strategy"] as const;
export type PillarId = (typeof PILLARS)[number];

export const PILLAR_NAMES: Readonly<Record<PillarId, string>> = {
  data: "Data foundation",
  process: "Process discipline",
  adoption: "Adoption",
  governance: "Governance",
  activity: "Activity capture",
  strategy: "Strategy & alignment",
};

export const ANSWER_VALUES = ["yes", "partly", "no"] as const;
export type Answer = (typeof ANSWER_VALUES)[number];
export const ANSWER_POINTS: Readonly<Record<Answer, number>> = { yes: 100, partly: 50, no: 0 };

export interface Question {
  id: string;
  text: string;
  pillar: PillarId;
}

export const QUESTIONS: readonly Question[] = [
  { id: "process-owners", text: "Each sales process has a named business owner who decides how it works.", pillar: "strategy" },
  { id: "business-led", text: "The business, not IT alone, chose the CRM and leads its roadmap.", pillar: "strategy" },
  { id: "success-defined", text: "Success with the CRM is defined per department with measurable targets.", pillar: "strategy" },
  { id: "ai-use-cases", text: "The AI use cases we want are agreed with the business and prioritised.", pillar: "strategy" },
  { id: "stages-documented", text: "Our sales stages are documented with exit criteria that sellers follow.", pillar: "process" },
  { id: "pipeline-single-source", text: "Pipeline reviews use the CRM as the single source of truth (close dates are kept current).", pillar: "process" },
  { id: "data-entry-rules", text: "There are written rules for what must be filled in when a record is created.", pillar: "data" },
  { id: "newcomer-training", text: "Newcomers are trained on the CRM before they get access.", pillar: "adoption" },
  { id: "daily-use", text: "Everyone in sales works in the CRM every week, not in spreadsheets.", pillar: "adoption" },
  { id: "data-ownership", text: "Every record has an owner, and leavers' records are reassigned when they go.", pillar: "governance" },
  { id: "quality-reviewed", text: "Data quality is reviewed on a fixed cadence.", pillar: "governance" },
  { id: "activity-logging", text: "Sellers are expected to log calls, meetings and emails against their deals.", pillar: "activity" },
];

export type Answers = Readonly<Record<string, Answer>>;

/** Thrown for answers that cannot be used; the message names the question. */
export class AnswersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnswersError";
  }
}

/**
 * Checks a parsed answers object ({ "<question id>": "yes" | "partly" | "no" }, every question
 * answered). `source` names where the answers came from, for the message.
 */
export function validateAnswers(data: unknown, source = "answers"): Answers {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new AnswersError(`${source}: expected an object of question id → "yes" | "partly" | "no"`);
  }
  const known = new Map(QUESTIONS.map((q) => [q.id, q]));
  const out: Record<string, Answer> = {};
  const problems: string[] = [];
  for (const [id, value] of Object.entries(data as Record<string, unknown>)) {
    const q = known.get(id);
    if (!q) {
      problems.push(`"${id}" is not a question (known: ${[...known.keys()].join(", ")})`);
      continue;
    }
    const v = typeof value === "string" ? value.trim().toLowerCase() : value;
    if (typeof v !== "string" || !(ANSWER_VALUES as readonly string[]).includes(v)) {
      problems.push(`question "${id}" (${q.text}) has answer ${JSON.stringify(value)}; answer "yes", "partly" or "no"`);
      continue;
    }
    out[id] = v as Answer;
  }
  const missing = QUESTIONS.filter((q) => !(q.id in (data as Record<string, unknown>)));
  for (const q of missing) problems.push(`question "${q.id}" (${q.text}) is not answered`);
  if (problems.length) throw new AnswersError(`${source}: ${problems.join("; ")}`);
  return out;
}

/**
 * The documented example answer set used by `vitals readiness --demo` without --answers: a leader
 * who believes the basics are in place (so the demo organisation's data can contradict it).
 */
export const EXAMPLE_ANSWERS: Answers = {
  "process-owners": "yes",
  "business-led": "partly",
  "success-defined": "partly",
  "ai-use-cases": "no",
  "stages-documented": "yes",
  "pipeline-single-source": "yes",
  "data-entry-rules": "yes",
  "newcomer-training": "partly",
  "daily-use": "yes",
  "data-ownership": "yes",
  "quality-reviewed": "partly",
  "activity-logging": "yes",
};
