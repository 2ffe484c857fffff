import * as React from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, Spinner, Tab, TabList } from "@fluentui/react-components";
import { strings } from "../../strings";
import { AuditView } from "../AuditView";
import { CadenceBanner } from "../CadenceBanner";
import { insightStrings } from "../../insightStrings";
import { InsightsView, ReadinessView, ResultsView, RulePackView, SchedulesView, TabErrorBoundary, WaiversView } from "./lazyTabs";
import type { GovernanceCenterState, TabValue } from "./GovernanceCenter.types";
import type { GovernanceClasses } from "./useGovernanceCenterStyles.styles";

const TABS: { value: TabValue; label: string }[] = [
  { value: "audit", label: strings.tabAudit },
  { value: "results", label: strings.tabResults },
  { value: "waivers", label: strings.tabWaivers },
  { value: "rulepack", label: strings.tabRulePack },
];
const READINESS_TAB = { value: "readiness" as const, label: strings.readinessTab };
const SCHEDULES_TAB = { value: "schedules" as const, label: "Schedules" };

/**
 * Pure render of the Governance Center: banner, landmarks, tabs. A panel mounts when its tab is
 * first chosen (its chunk loads then, ./lazyTabs) and stays mounted (an audit keeps running while
 * you look at results).
 */
export function renderGovernanceCenter(state: GovernanceCenterState, classes: GovernanceClasses): React.ReactElement {
  const { props, runs, pack, cadence, directory } = state;
  const errors = [
    runs.error && strings.loadError("the audit runs", runs.error),
    pack.error && strings.loadError("the rule pack", pack.error),
    cadence.error && strings.loadError("the audit cadence", cadence.error),
    directory.error && strings.loadError("users, teams and business units", directory.error),
  ].filter((e): e is string => Boolean(e));
  const ready = runs.value !== null && pack.value !== null;
  const panel = (value: TabValue, content: React.ReactNode): React.ReactElement => (
    <div role="tabpanel" id={`panel-${value}`} aria-labelledby={`tab-${value}`} hidden={state.tab !== value} tabIndex={0}>
      {state.visited.has(value) && (
        <TabErrorBoundary message={(e) => strings.loadError("this tab", e)}>
          <React.Suspense fallback={<Spinner label={strings.loading} />}>{content}</React.Suspense>
        </TabErrorBoundary>
      )}
    </div>
  );
  return (
    <div className={classes.root}>
      <header className={classes.header}>
        <h1 className={classes.h1}>{strings.appTitle}</h1>
        <p className={classes.muted}>{strings.appSubtitle}</p>
      </header>
      {errors.map((e) => (
        <MessageBar key={e} intent="error" role="alert">
          <MessageBarBody>{e}</MessageBarBody>
          <MessageBarActions>
            <Button onClick={state.refresh}>{strings.retry}</Button>
          </MessageBarActions>
        </MessageBar>
      ))}
      {cadence.value && runs.value && <CadenceBanner cadence={cadence.value} runs={runs.value} now={state.now()} />}
      <nav aria-label={strings.navLabel}>
        <TabList selectedValue={state.tab} onTabSelect={(_, d) => state.setTab(d.value as TabValue)}>
          {[...TABS, ...(props.readiness ? [READINESS_TAB] : []), ...(props.insights ? [{ value: "outcomes" as const, label: insightStrings(props.languageId).tab }] : []), ...(props.schedules ? [SCHEDULES_TAB] : [])].map((t) => (
            <Tab key={t.value} id={`tab-${t.value}`} value={t.value} aria-controls={`panel-${t.value}`}>
              {t.label}
            </Tab>
          ))}
        </TabList>
      </nav>
      <main>
        {!ready && !errors.length && <Spinner label={strings.loading} />}
        {ready && (
          <>
            {panel("audit", <AuditView data={props.data} pack={pack.value} directory={directory.value} runs={runs.value!} onFinished={state.refresh} />)}
            {panel(
              "results",
              <ResultsView
                data={props.data}
                runs={runs.value!}
                pack={pack.value}
                directory={directory.value}
                settings={props.settings}
                linkTo={props.linkTo}
                now={state.now}
                onRequestWaiver={(row, ruleId) => state.requestWaiver({ table: row.table, recordId: row.recordId, ruleId })}
              />,
            )}
            {panel("waivers", <WaiversView data={props.data} pack={pack.value} directory={directory.value} now={state.now} prefill={state.waiverPrefill} />)}
            {panel("rulepack", <RulePackView data={props.data} pack={pack.value!} onSaved={state.refresh} />)}
            {props.readiness && panel("readiness", <ReadinessView source={props.readiness} now={state.now} languageId={props.languageId} />)}
            {props.insights && panel("outcomes", <InsightsView source={props.insights} data={props.data} directory={directory.value} languageId={props.languageId} now={state.now} linkTo={props.linkTo} />)}
            {props.schedules && panel("schedules", <SchedulesView source={props.schedules} />)}
          </>
        )}
      </main>
    </div>
  );
}
