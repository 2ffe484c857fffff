/** Pure markup of one finding's fix: the value before (struck through) → after, then Fix or a note on where it can be applied. */
import * as React from "react";
import { Button, Text } from "@fluentui/react-components";
import type { FindingFixProps } from "./FindingFix.types";
import type { FindingFixClasses } from "./useFindingFixStyles.styles";

const shown = (v: string | number | boolean | null): string => (v === null || v === "" ? "∅" : String(v));

export function renderFindingFix(props: FindingFixProps, c: FindingFixClasses): React.ReactElement {
  const { proposal, t } = props;
  return (
    <div className={c.root} data-fix={proposal.ruleId}>
      <Text size={200}>{t("FixProposal")}</Text>
      {proposal.changes.map((ch) => (
        <Text size={200} key={ch.column}>
          <span className={c.before}>{shown(ch.before)}</span> <span className={c.arrow} aria-label={t("FixArrow")}>→</span> <span className={c.after}>{shown(ch.after)}</span>
        </Text>
      ))}
      {props.canApply ? (
        <Button size="small" appearance="primary" onClick={() => props.onApply(proposal)} aria-label={t("FixApplyLabel", props.label)}>
          {t("FixApply")}
        </Button>
      ) : (
        props.explainOffForm && (
          <Text size={200} className={c.note}>
            {t("FixOffForm")}
          </Text>
        )
      )}
    </div>
  );
}
