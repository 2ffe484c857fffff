import type { FixProposal } from "../../../../plugins-ts/engine/fixes";
import type { Translate } from "../../ManifestConstants";

/** One finding's fix in the panel: before → after, and a Fix button when the form can take it. */
export interface FindingFixProps {
  proposal: FixProposal;
  /** The finding's message, for the button's accessible name. */
  label: string;
  /** A form answered and the panel is not read-only: the button sets the form's fields. */
  canApply: boolean;
  onApply: (proposal: FixProposal) => void;
  /** Say where the fix can be applied (no form answered); false on a read-only form, which offers no actions. */
  explainOffForm: boolean;
  t: Translate;
}
