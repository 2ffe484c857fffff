import { makeStyles, tokens } from "@fluentui/react-components";

export const useFindingFixStyles = makeStyles({
  root: {
    display: "flex",
    flexWrap: "wrap",
    alignItems: "center",
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalXXS,
    marginTop: tokens.spacingVerticalXS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  before: { textDecorationLine: "line-through", color: tokens.colorNeutralForeground3, overflowWrap: "anywhere" },
  after: { fontWeight: tokens.fontWeightSemibold, color: tokens.colorPaletteGreenForeground1, overflowWrap: "anywhere" },
  arrow: { color: tokens.colorNeutralForeground3 },
  note: { flexBasis: "100%", color: tokens.colorNeutralForeground3 },
});

export type FindingFixClasses = ReturnType<typeof useFindingFixStyles>;
