/** The panel's markup: pure JSX over the view model, no state and no data access. */
import * as React from "react";
import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Spinner,
  Text,
  mergeClasses,
} from "@fluentui/react-components";
import { DIMENSIONS, type Finding, type Grade } from "../../../../plugins-ts/engine";
import type { StringKey } from "../../ManifestConstants";
import type { RecordVitalsViewModel, VitalsState } from "./RecordVitalsRoot.types";
import type { useRecordVitalsStyles } from "./useRecordVitalsStyles.styles";
import { FindingFix } from "../FindingFix/FindingFix";

type Classes = ReturnType<typeof useRecordVitalsStyles>;
type Ready = Extract<VitalsState, { status: "ready" }>;

const GRADE_COLOR: Record<Grade, "success" | "brand" | "warning" | "danger" | "severe"> = {
  A: "success",
  B: "brand",
  C: "warning",
  D: "severe",
  F: "danger",
};

function FindingDetails({ f, vm, c }: { f: Finding; vm: RecordVitalsViewModel; c: Classes }): React.ReactElement {
  const { t, compact } = vm.props;
  return (
    <dl className={mergeClasses(c.detail, compact && c.detailCompact)}>
      <dt className={c.term}>{t("Observed")}</dt>
      <dd className={c.value}>{f.observed === "" ? "—" : f.observed}</dd>
      <dt className={c.term}>{t("Expected")}</dt>
      <dd className={c.value}>{f.expected}</dd>
      <dt className={c.term}>{t("Fix")}</dt>
      <dd className={c.value}>{f.fix}</dd>
    </dl>
  );
}

/** "Fix all formatting" (every safe fix of this record, set on the form) and how many fixes wait for a save. */
function renderFixAll(vm: RecordVitalsViewModel): React.ReactElement | null {
  const { t } = vm.props;
  const { fixes } = vm;
  if (!fixes.onForm || (fixes.safe.length === 0 && fixes.pending === 0)) return null;
  return (
    <>
      {fixes.safe.length > 0 && (
        <div>
          <Button size="small" appearance="secondary" onClick={() => fixes.apply(fixes.safe)}>
            {t("FixAll", fixes.safe.length)}
          </Button>
        </div>
      )}
      {fixes.pending > 0 && (
        <MessageBar intent="info">
          <MessageBarBody>{t("FixPending", fixes.pending)}</MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}

function renderFindings(s: Ready, vm: RecordVitalsViewModel, c: Classes): React.ReactElement {
  const { t } = vm.props;
  const { groups } = s;
  return (
    <section className={c.section} aria-labelledby={`${vm.idPrefix}findings`}>
      <h3 id={`${vm.idPrefix}findings`} className={c.heading}>
        {t("Findings")}
      </h3>
      {renderFixAll(vm)}
      {groups.failed.length === 0 && <Text>{t("NoFailures")}</Text>}
      {groups.failed.map((g) => (
        <div key={g.severity} className={c.section}>
          <h4 className={c.subheading}>{t("SeverityGroup", t(`Severity_${g.severity}` as StringKey), g.findings.length)}</h4>
          <ul className={c.list} aria-label={t(`Severity_${g.severity}` as StringKey)}>
            {g.findings.map((f) => (
              <li key={f.ruleId} className={mergeClasses(c.finding, f.waived && c.findingWaived)} data-rule={f.ruleId}>
                <Text weight="semibold">
                  {f.waived && (
                    <>
                      <Badge appearance="outline" color="informative">
                        {t("Waived")}
                      </Badge>{" "}
                    </>
                  )}
                  {f.message}
                </Text>
                {f.waived && <Text size={200}>{t("WaivedNote")}</Text>}
                <FindingDetails f={f} vm={vm} c={c} />
                {vm.fixes.byRule.has(f.ruleId) && <FindingFix proposal={vm.fixes.byRule.get(f.ruleId)!} label={f.message} canApply={vm.fixes.canApply(vm.fixes.byRule.get(f.ruleId)!)} explainOffForm={!vm.props.disabled} onApply={(p) => vm.fixes.apply([p])} t={t} />}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {(groups.notEvaluated.length > 0 || groups.passed.length > 0) && (
        <Accordion collapsible multiple>
          {groups.notEvaluated.length > 0 && (
            <AccordionItem value="notEvaluated">
              <AccordionHeader as="h4" size="small">
                {t("NotEvaluated", groups.notEvaluated.length)}
              </AccordionHeader>
              <AccordionPanel>
                <ul className={c.list}>
                  {groups.notEvaluated.map((f) => (
                    <li key={f.ruleId} data-rule={f.ruleId}>
                      <Text>{f.message}</Text>{" "}
                      <Text size={200}>
                        ({t("NotEvaluatedReason")}: {f.reason ?? f.observed})
                      </Text>
                    </li>
                  ))}
                </ul>
              </AccordionPanel>
            </AccordionItem>
          )}
          {groups.passed.length > 0 && (
            <AccordionItem value="passed">
              <AccordionHeader as="h4" size="small">
                {t("Passed", groups.passed.length)}
              </AccordionHeader>
              <AccordionPanel>
                <ul className={c.list}>
                  {groups.passed.map((f) => (
                    <li key={f.ruleId} data-rule={f.ruleId}>
                      <Text size={200}>
                        {f.expected}: {f.observed}
                      </Text>
                    </li>
                  ))}
                </ul>
              </AccordionPanel>
            </AccordionItem>
          )}
        </Accordion>
      )}
    </section>
  );
}

function renderDimensions(s: Ready, vm: RecordVitalsViewModel, c: Classes): React.ReactElement {
  const { t, compact } = vm.props;
  const dims = DIMENSIONS.filter((d) => s.score.dimensions[d] !== undefined);
  return (
    <section className={c.section} aria-labelledby={`${vm.idPrefix}dimensions`}>
      <h3 id={`${vm.idPrefix}dimensions`} className={c.heading}>
        {t("Dimensions")}
      </h3>
      <ul className={mergeClasses(c.list, c.dimensions, compact && c.dimensionsCompact)}>
        {dims.map((d) => {
          const score = s.score.dimensions[d]?.score ?? null;
          const label = t(`Dimension_${d}` as StringKey);
          return (
            <li key={d}>
              <Text size={200}>{score === null ? t("DimensionNotScored", label) : t("DimensionScore", label, score)}</Text>
              <div aria-hidden="true">
                <ProgressBar value={score === null ? 0 : score / 100} color={score === null ? undefined : score >= 80 ? "success" : score >= 60 ? "warning" : "error"} thickness="medium" />
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function renderReadiness(s: Ready, vm: RecordVitalsViewModel, c: Classes): React.ReactElement | null {
  const r = s.readiness;
  if (!r) return null;
  const { t, formatDate } = vm.props;
  const mark = (met: boolean | null): string => (met === true ? "✓" : met === false ? "✗" : "?");
  return (
    <section className={c.section} aria-labelledby={`${vm.idPrefix}readiness`}>
      <h3 id={`${vm.idPrefix}readiness`} className={c.heading}>
        {t("Readiness")}
      </h3>
      {r.status === "unknown" && <Text>{t("ReadinessNotFetched")}</Text>}
      {r.status === "none" && <Text>{t("ReadinessNoStage")}</Text>}
      {r.status === "fetched" && r.stage && (
        <>
          <Text>{t("ReadinessStage", r.processName, r.stage)}</Text>
          <h4 className={c.subheading}>{t("ExitCriteria")}</h4>
          {r.criteria.length === 0 ? (
            <Text>{t("NoExitCriteria")}</Text>
          ) : (
            <ul className={c.list} aria-label={t("ExitCriteria")}>
              {r.criteria.map((e) => (
                <li key={e.column} className={e.met === true ? c.met : e.met === false ? c.missing : c.unknown} data-met={String(e.met)}>
                  <span aria-hidden="true">{mark(e.met)} </span>
                  {t(e.met === true ? "CriterionMet" : e.met === false ? "CriterionMissing" : "CriterionUnknown", e.label)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <ul className={c.list}>
        {r.status === "fetched" && (
          <li className={r.daysInStage !== null && r.maxDays !== null && r.daysInStage > r.maxDays ? c.late : undefined}>
            {r.daysInStage === null
              ? t("DaysInStageUnknown")
              : r.maxDays !== null
                ? t("DaysInStage", r.daysInStage, r.maxDays)
                : t("DaysInStageNoLimit", r.daysInStage)}
            {r.daysInStage !== null && r.maxDays !== null && r.daysInStage > r.maxDays && (
              <>
                {" "}
                <Badge color="danger">{t("Overdue")}</Badge>
              </>
            )}
          </li>
        )}
        {r.lastActivityOn !== undefined && (
          <li className={r.lastActivityLate ? c.late : undefined}>
            {r.lastActivityOn === null
              ? r.cadenceDays !== null
                ? t("LastActivity", t("LastActivityNone"), r.cadenceDays)
                : t("LastActivityNone")
              : r.cadenceDays !== null
                ? t("LastActivity", formatDate(r.lastActivityOn), r.cadenceDays)
                : t("LastActivityNoCadence", formatDate(r.lastActivityOn))}
          </li>
        )}
        {r.nextActivityDueOn !== undefined && (
          <li className={r.nextActivityDueOn === null || r.followUpOverdue ? c.late : undefined}>
            {r.nextActivityDueOn === null
              ? t("NextFollowUpNone")
              : r.followUpOverdue
                ? t("NextFollowUpOverdue", formatDate(r.nextActivityDueOn))
                : t("NextFollowUp", formatDate(r.nextActivityDueOn))}
          </li>
        )}
      </ul>
    </section>
  );
}

function renderDuplicates(s: Ready, vm: RecordVitalsViewModel, c: Classes): React.ReactElement | null {
  if (!s.snapshot.duplicatesChecked) return null;
  const { t, disabled, openRecord } = vm.props;
  const dups = s.snapshot.record.related?.duplicates ?? [];
  return (
    <section className={c.section} aria-labelledby={`${vm.idPrefix}duplicates`}>
      <h3 id={`${vm.idPrefix}duplicates`} className={c.heading}>
        {t("Duplicates")}
      </h3>
      {dups.length === 0 ? (
        <Text>{t("NoDuplicates")}</Text>
      ) : (
        <ul className={c.list}>
          {dups.map((d) => {
            const name = d.name ?? t("DuplicateUnnamed");
            return (
              <li key={`${d.table}:${d.id}`} className={c.duplicate}>
                <span>
                  <Text weight="semibold">{name}</Text> <Text size={200}>{t("DuplicateMatch", Math.round(d.score * 100), d.reason)}</Text>
                </span>
                {!disabled && (
                  <Button size="small" appearance="secondary" onClick={() => openRecord(d.table, d.id)}>
                    {t("DuplicateOpen", name)}
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function renderReady(s: Ready, vm: RecordVitalsViewModel, c: Classes): React.ReactElement {
  const { t } = vm.props;
  const { score, grade } = s.score;
  const pack = s.pack;
  return (
    <>
      <div className={c.header} role="status" aria-live="polite" aria-atomic="true" aria-busy={s.refreshing}>
        {grade && (
          <Badge className={c.gradeBadge} size="extra-large" shape="rounded" color={GRADE_COLOR[grade]} aria-hidden="true">
            {grade}
          </Badge>
        )}
        <Text className={c.scoreText}>{score === null || grade === null ? t("ScoreNone") : t("ScoreLabel", score, grade)}</Text>
        {s.refreshing && <Spinner size="extra-tiny" aria-hidden="true" />}
      </div>
      {renderDimensions(s, vm, c)}
      {renderFindings(s, vm, c)}
      {renderReadiness(s, vm, c)}
      {renderDuplicates(s, vm, c)}
      <div className={c.footer}>
        {s.snapshot.partial.length > 0 && (
          <Text size={200} block>
            {t("PartialData", s.snapshot.partial.map((p) => `${p.fact} (${p.reason})`).join("; "))}
          </Text>
        )}
        {pack.fallbackReason && (
          <MessageBar intent="warning">
            <MessageBarBody>{t("PackFallback", pack.fallbackReason)}</MessageBarBody>
          </MessageBar>
        )}
        <Text size={200} block>
          {pack.source === "organisation" ? t("PackOrganisation", pack.compiled.pack.name, pack.compiled.pack.version) : t("PackDefault", pack.compiled.pack.version)}
        </Text>
        <Text size={200} block>
          {t("ScoredAt", s.scoredAt.toLocaleTimeString())}
        </Text>
      </div>
    </>
  );
}

export function renderRecordVitals(vm: RecordVitalsViewModel, c: Classes): React.ReactElement {
  const { t, compact } = vm.props;
  const s = vm.state;
  let body: React.ReactElement;
  switch (s.status) {
    case "loading":
      body = <Spinner label={t("Loading")} />;
      break;
    case "newRecord":
      body = (
        <MessageBar intent="info">
          <MessageBarBody>{t("NewRecord")}</MessageBarBody>
        </MessageBar>
      );
      break;
    case "masked":
      body = (
        <MessageBar intent="info">
          <MessageBarBody>{t("Masked")}</MessageBarBody>
        </MessageBar>
      );
      break;
    case "unsupported":
      body = (
        <MessageBar intent="info">
          <MessageBarBody>{t("UnsupportedTable", s.table)}</MessageBarBody>
        </MessageBar>
      );
      break;
    case "noAccess":
      body = (
        <MessageBar intent="warning" role="alert">
          <MessageBarBody>
            <MessageBarTitle>{t("NoAccess")}</MessageBarTitle> {t("NoAccessDetail")}
          </MessageBarBody>
        </MessageBar>
      );
      break;
    case "error":
      body = (
        <MessageBar intent="error" role="alert" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{t("ErrorTitle")}</MessageBarTitle> {s.message}
          </MessageBarBody>
          <MessageBarActions>
            <Button onClick={vm.retry}>{t("Retry")}</Button>
          </MessageBarActions>
        </MessageBar>
      );
      break;
    case "ready":
      body = renderReady(s, vm, c);
      break;
  }
  return (
    <div className={mergeClasses(c.root, compact && c.compact)} data-compact={compact ? "true" : "false"} aria-labelledby={`${vm.idPrefix}title`} role="region">
      <h2 id={`${vm.idPrefix}title`} className={c.heading}>
        {t("Title")}
      </h2>
      {body}
    </div>
  );
}
