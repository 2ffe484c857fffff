import type * as React from "react";
import type { FindingFixProps } from "./FindingFix.types";
import { renderFindingFix } from "./renderFindingFix";
import { useFindingFixStyles } from "./useFindingFixStyles.styles";

/** One finding's fix: styles + pure render (the state lives in the panel's useRecordFixes). */
export function FindingFix(props: FindingFixProps): React.ReactElement {
  const classes = useFindingFixStyles();
  return renderFindingFix(props, classes);
}
