import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { runAudit } from "../../audit/run";
import { loadOrgRulePack } from "../../audit/settings";
import { DEFAULT_TABLES } from "../../engine";
import { AnswersError, EXAMPLE_ANSWERS, assessReadiness, renderScorecardHtml, renderScorecardText, validateAnswers, type Answers } from "../../readiness";
import { UserError } from "../errors";
import { writeFileAtomic } from "../io/atomic";
import { parseNow } from "../pack";
import { addConnectionOptions, checkConnectionOptions, connect, type ConnectionCliOptions } from "../connection";

interface ReadinessCliOptions extends ConnectionCliOptions {
  answers?: string;
  report?: string;
  save: boolean;
  now?: string;
}

async function loadAnswers(file: string): Promise<Answers> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new UserError(`--answers: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`--answers: ${file} is not valid JSON (${(err as Error).message})`);
  }
  try {
    return validateAnswers(data, file);
  } catch (err) {
    if (err instanceof AnswersError) throw new UserError(err.message);
    throw err;
  }
}

export function register(program: Command): void {
  const cmd = program
    .command("readiness")
    .description("AI-readiness scorecard: six pillars from the organisation's data and a leader's self-assessment, stored in vit_readinessassessment");
  addConnectionOptions(cmd, "assess a demo organisation in an embedded emulator (audited first)")
    .option("--answers <file>", "self-assessment answers: JSON object of question id → yes | partly | no (required with --url)")
    .option("--report <file>", "also write the scorecard as a self-contained, printable HTML page")
    .option("--no-save", "do not store the assessment in vit_readinessassessment")
    .option("--now <iso>", "the assessment's clock (default: now)")
    .addHelpText(
      "after",
      `
Examples:
  vitals readiness --demo --report readiness.html
  vitals readiness --url https://contoso.crm.dynamics.com --azure-cli --answers answers.json --report readiness.html

With --demo and no --answers, the documented example answers (docs/readiness.md) are used.`,
    )
    .action(async (o: ReadinessCliOptions) => {
      checkConnectionOptions(o);
      if (o.report && !/\.html?$/i.test(o.report)) throw new UserError(`--report: "${o.report}" must end in .html`);
      if (!o.demo && !o.answers) throw new UserError("--answers <file> is required with --url: the Strategy & alignment pillar comes from the self-assessment");
      const now = parseNow(o.now);
      const answers = o.answers ? await loadAnswers(o.answers) : EXAMPLE_ANSWERS;
      const note = o.answers ? undefined : "Self-assessment: the documented example answers (no --answers given).";

      const { gateway, orgUrl, emulator } = await connect(o, now);
      try {
        const org = await loadOrgRulePack(gateway);
        if (org.warning) process.stderr.write(`vitals: warning: ${org.warning}\n`);
        if (emulator) {
          process.stderr.write("vitals: auditing the demo organisation first (the Data foundation and Process pillars read the last audit)…\n");
          const audit = await runAudit({ gateway, pack: org.pack, scope: { tables: [...DEFAULT_TABLES] }, mode: "full", now });
          if (audit.status !== "completed") throw new Error(`the demo audit ${audit.status}${audit.error ? `: ${audit.error}` : ""}`);
        }
        const { card, savedId } = await assessReadiness(gateway, { pack: org.pack, now, answers, save: o.save });
        process.stdout.write(renderScorecardText(card, note));
        if (savedId !== undefined) process.stderr.write(`vitals: stored the assessment in vit_readinessassessment (${savedId})\n`);
        if (o.report) {
          await writeFileAtomic(o.report, renderScorecardHtml(card, answers, { orgUrl, note }));
          process.stderr.write(`vitals: wrote the scorecard to ${o.report}\n`);
        }
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`the readiness assessment failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await emulator?.close();
      }
    });
}
