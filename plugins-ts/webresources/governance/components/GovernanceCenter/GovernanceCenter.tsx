import * as React from "react";
import { FluentProvider, webLightTheme, type Theme } from "@fluentui/react-components";
import type { GovernanceCenterProps } from "./GovernanceCenter.types";
import { renderGovernanceCenter } from "./renderGovernanceCenter";
import { useGovernanceCenter } from "./useGovernanceCenter";
import { useGovernanceCenterStyles } from "./useGovernanceCenterStyles.styles";

/** The Governance Center: state hook + styles + pure render, inside a Fluent theme. */
export function GovernanceCenter(props: GovernanceCenterProps & { theme?: Theme }): React.ReactElement {
  const state = useGovernanceCenter(props);
  const classes = useGovernanceCenterStyles();
  return <FluentProvider theme={props.theme ?? webLightTheme}>{renderGovernanceCenter(state, classes)}</FluentProvider>;
}
