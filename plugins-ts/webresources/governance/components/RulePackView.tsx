import * as React from "react";
import { Button, Field, MessageBar, MessageBarBody, Textarea } from "@fluentui/react-components";
import { checkPackText, type GovernanceData, type PackState } from "../data";
import { strings } from "../strings";
import { useGovernanceCenterStyles } from "./GovernanceCenter/useGovernanceCenterStyles.styles";

export interface RulePackViewProps {
  data: GovernanceData;
  pack: PackState;
  onSaved: () => void;
}

/** The default pack (read only) and the organisation's pack as JSON, validated as you type; an invalid pack cannot be saved. */
export function RulePackView(props: RulePackViewProps): React.ReactElement {
  const classes = useGovernanceCenterStyles();
  const { pack } = props;
  const defaultText = React.useMemo(() => JSON.stringify(pack.defaultPack, null, 2), [pack.defaultPack]);
  const saved = pack.organisationText ?? "";
  const [text, setText] = React.useState(saved);
  const [saving, setSaving] = React.useState(false);
  const [notice, setNotice] = React.useState<{ intent: "success" | "error"; text: string } | null>(null);
  React.useEffect(() => setText(saved), [saved]);
  const check = React.useMemo(() => checkPackText(text), [text]);
  const changed = text !== saved;
  const canSave = check.ok && changed && !saving;

  const save = async (): Promise<void> => {
    if (!canSave) return;
    setSaving(true);
    setNotice(null);
    try {
      await props.data.saveRulePack(text, pack.valueVersion);
      setNotice({ intent: "success", text: strings.packSaved });
      props.onSaved();
    } catch (err) {
      setNotice({ intent: "error", text: strings.packSaveError(err instanceof Error ? err.message : String(err)) });
    } finally {
      setSaving(false);
    }
  };

  const status = check.ok ? (check.pack ? strings.packValid(check.pack.rules.length) : strings.packEmpty) : strings.packErrorsHeading(check.errors.length);
  return (
    <div className={classes.panel}>
      <section aria-labelledby="pack-heading" className={classes.section}>
        <h2 id="pack-heading" className={classes.h2}>
          {strings.packHeading}
        </h2>
        <p className={classes.muted}>
          {strings.packInForce(pack.inForce.name, pack.inForce.version, pack.source === "organisation" ? strings.packSourceOrganisation : strings.packSourceDefault)}
        </p>
        {pack.fallbackReason && (
          <MessageBar intent="warning">
            <MessageBarBody>{strings.packFallback(pack.fallbackReason)}</MessageBarBody>
          </MessageBar>
        )}
      </section>
      <section aria-labelledby="orgpack-heading" className={classes.section}>
        <h3 id="orgpack-heading" className={classes.h3}>
          {strings.orgPackHeading}
        </h3>
        <Field label={strings.orgPackLabel} validationState={check.ok ? "success" : "error"} validationMessage={status}>
          <Textarea
            className={classes.code}
            textarea={{ className: classes.code, spellCheck: false, "aria-describedby": check.ok ? undefined : "pack-errors" }}
            value={text}
            onChange={(_, d) => setText(d.value)}
            resize="vertical"
          />
        </Field>
        {!check.ok && (
          <ul id="pack-errors" className={classes.errors} aria-label={strings.packErrorsHeading(check.errors.length)}>
            {check.errors.map((e, i) => (
              <li key={i}>{strings.packErrorLine(e.ruleId, e.path, e.message)}</li>
            ))}
          </ul>
        )}
        <div className={classes.actions}>
          <Button appearance="primary" disabled={!canSave} onClick={() => void save()}>
            {strings.savePack}
          </Button>
          <Button onClick={() => setText(defaultText)} disabled={saving}>
            {strings.copyDefault}
          </Button>
        </div>
        {notice && (
          <MessageBar intent={notice.intent} role={notice.intent === "error" ? "alert" : "status"}>
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
      </section>
      <section aria-labelledby="defaultpack-heading" className={classes.section}>
        <h3 id="defaultpack-heading" className={classes.h3}>
          {strings.defaultPackHeading}
        </h3>
        <Field label={strings.defaultPackLabel}>
          <Textarea className={classes.code} textarea={{ className: classes.code, readOnly: true, spellCheck: false }} value={defaultText} resize="vertical" />
        </Field>
      </section>
    </div>
  );
}
