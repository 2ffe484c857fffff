import * as React from "react";
import { strings } from "../strings";
import { Button, makeStyles, MessageBar, MessageBarBody, Radio, RadioGroup, Spinner, TableCell, TableRow } from "@fluentui/react-components";
import { HeadedTable } from "./HeadedTable";
import { loadOrgRulePack } from "../../../audit/settings";
import type { DataverseGateway } from "../../../dataverse/gateway";
import { assessReadiness } from "../../../readiness";
import { ANSWER_VALUES, QUESTIONS, validateAnswers, type Answer, type Answers } from "../../../readiness/questions";
import type { Scorecard } from "../../../readiness/score";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";
import { ProjectionsView } from "./ProjectionsView";

/** Where the page gets a scorecard: reads the signals, scores the answers and stores the assessment. */
export interface ReadinessSource {
  assess(answers: Answers, now: Date): Promise<Scorecard>;
}

/** The real source over the Governance Center's gateway, with the organisation's rule pack. */
export function createReadinessSource(gateway: DataverseGateway): ReadinessSource {
  return {
    async assess(answers, now) {
      const { pack } = await loadOrgRulePack(gateway);
      return (await assessReadiness(gateway, { pack, now, answers })).card;
    },
  };
}

export interface ReadinessViewProps {
  source: ReadinessSource;
  now: () => Date;
  /** The user's language for the projections (1033 English, 1031 German). */
  languageId?: number;
}

/** Printing the scorecard leaves the questions out. */
const usePrintStyles = makeStyles({ noPrint: { "@media print": { display: "none" } } });

const ANSWER_LABEL: Readonly<Record<Answer, string>> = { yes: strings.answerYes, partly: strings.answerPartly, no: strings.answerNo };
const num = (x: number | null): string => (x === null ? "not measured" : Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The AI-readiness page: answer the twelve questions, see the scorecard, print it. */
export function ReadinessView(props: ReadinessViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const print = usePrintStyles();
  const [answers, setAnswers] = React.useState<Partial<Record<string, Answer>>>({});
  const [card, setCard] = React.useState<Scorecard | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const complete = QUESTIONS.every((q) => answers[q.id] !== undefined);

  const score = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setCard(await props.source.assess(validateAnswers(answers, "the self-assessment"), props.now()));
    } catch (err) {
      setError(`The readiness assessment failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={classes.panel}>
      <section aria-labelledby="readiness-heading" className={classes.section}>
        <h2 id="readiness-heading" className={classes.h2}>
          {strings.readinessHeading}
        </h2>
        <p className={`${classes.muted} ${print.noPrint}`}>{strings.readinessIntro}</p>
        <form
          className={print.noPrint}
          aria-label={strings.readinessForm}
          onSubmit={(e) => {
            e.preventDefault();
            if (complete && !busy) void score();
          }}
        >
          {QUESTIONS.map((q) => (
            <fieldset key={q.id} className={classes.fieldset}>
              <legend className={classes.legend}>{q.text}</legend>
              <RadioGroup layout="horizontal" aria-label={q.text} value={answers[q.id] ?? ""} onChange={(_, d) => setAnswers((a) => ({ ...a, [q.id]: d.value as Answer }))}>
                {ANSWER_VALUES.map((v) => (
                  <Radio key={v} value={v} label={ANSWER_LABEL[v]} />
                ))}
              </RadioGroup>
            </fieldset>
          ))}
          <div className={classes.actions}>
            <Button appearance="primary" type="submit" disabled={!complete || busy}>
              {strings.scoreReadiness}
            </Button>
            {card && (
              <Button type="button" onClick={() => window.print()}>
                {strings.printScorecard}
              </Button>
            )}
          </div>
        </form>
        {busy && <Spinner label={strings.readingData} />}
        {error && (
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{error}</MessageBarBody>
          </MessageBar>
        )}
      </section>
      {card && <ScorecardView card={card} />}
      {card?.projections && <ProjectionsView projections={card.projections} languageId={props.languageId} />}
    </div>
  );
}

function ScorecardView({ card }: { card: Scorecard }): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  return (
    <section aria-labelledby="scorecard-heading" className={classes.section}>
      <h3 id="scorecard-heading" className={classes.h3}>
        {strings.overallReadiness(num(card.overall))}
      </h3>
      <div className={classes.tableWrap}>
        <HeadedTable label={strings.pillarsTable} size="medium" columns={[strings.colPillar, strings.colScore, strings.colSignals]}>
          {card.pillars.map((p) => (
            <TableRow key={p.id}>
              <TableCell>{p.name}</TableCell>
              <TableCell className={classes.numberCell}>{num(p.score)}</TableCell>
              <TableCell>
                <ul>
                  {p.signals.map((s) => (
                    <li key={s.id}>
                      {s.label}: {s.display}
                    </li>
                  ))}
                </ul>
              </TableCell>
            </TableRow>
          ))}
        </HeadedTable>
      </div>
      <h3 className={classes.h3}>{strings.prerequisitesHeading}</h3>
      <ul aria-label={strings.prerequisitesList}>
        {card.prerequisites.map((p) => (
          <li key={p.feature}>{p.text}</li>
        ))}
      </ul>
      <h3 className={classes.h3}>{strings.contradictionsHeading}</h3>
      {card.contradictions.length === 0 ? (
        <p>{strings.noContradictions}</p>
      ) : (
        <HeadedTable label={strings.contradictionsTable} size="medium" columns={[strings.colStatement, strings.colAnswer, strings.colEvidence]}>
          {card.contradictions.map((c) => (
            <TableRow key={c.questionId}>
              <TableCell>{c.question}</TableCell>
              <TableCell>{c.answer}</TableCell>
              <TableCell>{c.evidence}</TableCell>
            </TableRow>
          ))}
        </HeadedTable>
      )}
      <h3 className={classes.h3}>{strings.summaryHeading}</h3>
      {card.summary.map((line, i) => (
        <p key={i}>{line}</p>
      ))}
    </section>
  );
}
