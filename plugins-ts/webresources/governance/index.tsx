/**
 * Entry of the Governance Center web resource (vit_/governance/index.html loads index.js).
 * Resolves the connection (Dynamics or sandbox), creates the gateway and renders the page. The
 * tabs after the first and their sources load on demand (./lazySources, lazyTabs).
 */
import * as React from "react";
import * as ReactDOM from "react-dom";
import { FluentProvider, MessageBar, MessageBarBody, webLightTheme } from "@fluentui/react-components";
import { createGateway, recordLink, resolveConnection } from "./connection";
import { createGovernanceData } from "./data";
import { GovernanceCenter } from "./components/GovernanceCenter/GovernanceCenter";
import { languageOf } from "./insightStrings";
import { lazyInsightSource, lazyReadinessSource, lazyScheduleSource } from "./lazySources";
import { strings } from "./strings";

function start(): void {
  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root element");
  const resolved = resolveConnection(window);
  if (!resolved.ok) {
    ReactDOM.render(
      <FluentProvider theme={webLightTheme}>
        <main>
          <h1>{strings.appTitle}</h1>
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{resolved.error}</MessageBarBody>
          </MessageBar>
        </main>
      </FluentProvider>,
      root,
    );
    return;
  }
  const { connection } = resolved;
  const gateway = createGateway(connection);
  const data = createGovernanceData(gateway);
  ReactDOM.render(<GovernanceCenter data={data} readiness={lazyReadinessSource(gateway)} insights={lazyInsightSource(gateway)} schedules={lazyScheduleSource(gateway)} languageId={languageOf(window)} settings={connection.settings} linkTo={(t, id) => recordLink(connection, t, id)} />, root);
}

start();
