import * as React from "react";
import { FluentProvider, webLightTheme, type Theme } from "@fluentui/react-components";
import { renderRecordVitals } from "./renderRecordVitals";
import { useRecordVitals } from "./useRecordVitals";
import { useRecordVitalsStyles } from "./useRecordVitalsStyles.styles";
import type { RecordVitalsRootProps } from "./RecordVitalsRoot.types";

/** The record panel: state hook + styles + pure render, inside the host's Fluent theme. */
export function RecordVitalsRoot(props: RecordVitalsRootProps & { theme?: Theme }): React.ReactElement {
  const vm = useRecordVitals(props);
  const classes = useRecordVitalsStyles();
  return <FluentProvider theme={props.theme ?? webLightTheme}>{renderRecordVitals(vm, classes)}</FluentProvider>;
}
