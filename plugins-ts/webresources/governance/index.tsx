/**
 * Entry of the Governance Center web resource (vit_/governance/index.html loads index.js).
 * Resolves the connection (Dynamics or sandbox), creates the gateway and renders the page.
 */
import * as React from "react";
import * as ReactDOM from "react-dom";
import { FluentProvider, MessageBar, MessageBarBody, webLightTheme } from "@fluentui/react-components";
import { createGateway, recordLink, resolveConnection } from "./connection";
import { createGovernanceData } from "./data";
import { GovernanceCenter } from "./components/GovernanceCenter/GovernanceCenter";
import { createReadinessSource } from "./components/ReadinessView";
import { createInsightSource } from "./components/InsightsView";
import { languageOf } from "./insightStrings";
import { createScheduleSource } from "./schedules";
import { createFixSource } from "./fixes";
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
  ReactDOM.render(<GovernanceCenter data={data} readiness={createReadinessSource(gateway)} insights={createInsightSource(gateway)} schedules={createScheduleSource(gateway)} fixes={createFixSource(gateway)} languageId={languageOf(window)} settings={connection.settings} linkTo={(t, id) => recordLink(connection, t, id)} />, root);
}

start();
