import * as React from "react";
import { Field, Select } from "@fluentui/react-components";

export interface UserPickerProps {
  label: string;
  /** The first option's text: no user chosen. */
  anyLabel: string;
  value: string;
  /** [systemuserid, full name], in the order shown. */
  users: ReadonlyArray<readonly [string, string]>;
  disabled: boolean;
  onChange: (userId: string) => void;
  className?: string;
}

/** A user chosen from the organisation's directory (an audit's or a fix plan's owner). */
export function UserPicker(props: UserPickerProps): React.ReactElement {
  return (
    <Field label={props.label} className={props.className}>
      <Select value={props.value} onChange={(_, d) => props.onChange(d.value)} disabled={props.disabled}>
        <option value="">{props.anyLabel}</option>
        {props.users.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </Select>
    </Field>
  );
}
