import { makeStyles, shorthands, tokens } from "@fluentui/react-components";

export const useRecordVitalsStyles = makeStyles({
  root: {
    display: "flex",
    flexDirection: "column",
    rowGap: tokens.spacingVerticalM,
    padding: tokens.spacingVerticalS,
    minWidth: 0,
    fontFamily: tokens.fontFamilyBase,
  },
  compact: {
    rowGap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalXS,
  },
  header: {
    display: "flex",
    alignItems: "center",
    columnGap: tokens.spacingHorizontalM,
    flexWrap: "wrap",
  },
  gradeBadge: {
    minWidth: "48px",
    fontSize: tokens.fontSizeBase500,
  },
  scoreText: {
    fontSize: tokens.fontSizeBase500,
    fontWeight: tokens.fontWeightSemibold,
  },
  section: {
    display: "flex",
    flexDirection: "column",
    rowGap: tokens.spacingVerticalXS,
  },
  heading: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    fontWeight: tokens.fontWeightSemibold,
  },
  subheading: {
    margin: 0,
    fontSize: tokens.fontSizeBase300,
    fontWeight: tokens.fontWeightSemibold,
  },
  list: {
    listStyleType: "none",
    margin: 0,
    padding: 0,
    display: "flex",
    flexDirection: "column",
    rowGap: tokens.spacingVerticalXS,
  },
  dimensions: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fill, minmax(160px, 1fr))",
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
  },
  dimensionsCompact: {
    gridTemplateColumns: "1fr",
  },
  finding: {
    ...shorthands.borderLeft(tokens.strokeWidthThick, "solid", tokens.colorPaletteRedBorder2),
    paddingLeft: tokens.spacingHorizontalS,
    display: "flex",
    flexDirection: "column",
    rowGap: tokens.spacingVerticalXXS,
  },
  findingWaived: {
    ...shorthands.borderLeft(tokens.strokeWidthThick, "dashed", tokens.colorNeutralStroke1),
    color: tokens.colorNeutralForeground3,
  },
  detail: {
    margin: 0,
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalS,
    fontSize: tokens.fontSizeBase200,
  },
  detailCompact: {
    gridTemplateColumns: "1fr",
  },
  term: {
    fontWeight: tokens.fontWeightSemibold,
  },
  value: {
    margin: 0,
    overflowWrap: "anywhere",
  },
  met: { color: tokens.colorPaletteGreenForeground1 },
  missing: { color: tokens.colorPaletteRedForeground1 },
  unknown: { color: tokens.colorNeutralForeground3 },
  late: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  duplicate: {
    display: "flex",
    alignItems: "center",
    justifyContent: "space-between",
    columnGap: tokens.spacingHorizontalS,
    flexWrap: "wrap",
  },
  footer: {
    color: tokens.colorNeutralForeground3,
    fontSize: tokens.fontSizeBase200,
  },
  srOnly: {
    position: "absolute",
    width: "1px",
    height: "1px",
    margin: "-1px",
    overflow: "hidden",
    clip: "rect(0 0 0 0)",
    whiteSpace: "nowrap",
  },
});
