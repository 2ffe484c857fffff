import * as React from "react";
import type { IInputs, IOutputs } from "./generated/ManifestTypes";
import { RecordVitalsRoot } from "./components/RecordVitalsRoot/RecordVitalsRoot";
import { getRootProps, isDataUpdate } from "./getRootProps";
import { LAYOUT_ONLY_UPDATES } from "./ManifestConstants";
import { createWebApiVitalsSource, type VitalsDataSource } from "../../plugins-ts/client/vitalsSource";
import { createBatchingPort, fetchBatchSender, webApiRoot } from "../../plugins-ts/client/batchPort";
import { closablePort, type ClosablePort } from "../../plugins-ts/client/closablePort";
import { loadEngineLibs } from "../../plugins-ts/engine/engineLibs";

// The engine's libraries (vitals.libs.js) start loading with the bundle, while the form still
// reads its record: the panel's first request waits for them. A failure here is not reported;
// the panel's own call tries again and shows the error.
loadEngineLibs().catch(() => undefined);

/** The record vitals panel: a virtual control; all behaviour lives in RecordVitalsRoot. */
export class RecordVitals implements ComponentFramework.ReactControl<IInputs, IOutputs> {
  private dataSource!: VitalsDataSource;
  private port: ClosablePort | null = null;
  private refreshSignal = 0;

  public init(context: ComponentFramework.Context<IInputs>): void {
    context.mode.trackContainerResize(true);
    // Reads started together go out as one $batch (plugins-ts/client/batchPort).
    const root = webApiRoot(context, window.location.origin);
    // Closed in destroy(): a control removed from the form sends no further request.
    this.port = closablePort(createBatchingPort(context.webAPI, fetchBatchSender(root), root));
    this.dataSource = createWebApiVitalsSource(this.port);
  }

  public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    if (isDataUpdate(context.updatedProperties, LAYOUT_ONLY_UPDATES)) this.refreshSignal++;
    return React.createElement(RecordVitalsRoot, getRootProps(context, { dataSource: this.dataSource, refreshSignal: this.refreshSignal }));
  }

  public getOutputs(): IOutputs {
    return {};
  }

  public destroy(): void {
    // The user moved to another record (or the form closed). React unmounts the tree (its effects
    // close the form channel); requests not yet sent for this record are not sent; answers still
    // on their way are ignored by sequence number.
    this.port?.close();
  }
}
