/**
 * The Dataverse types of the columns the default packs read, where they are not text. Used to
 * turn text input (CSV) into the values the Web API would return: choices, whole numbers and
 * money as numbers, Yes/No columns as booleans. Everything else stays text.
 */

export type ColumnKind = "number" | "boolean";

const common: Record<string, ColumnKind> = {
  statecode: "number",
  statuscode: "number",
};

export const COLUMN_KINDS: Record<string, Record<string, ColumnKind>> = {
  account: {
    ...common,
    industrycode: "number",
    revenue: "number",
    numberofemployees: "number",
    accountcategorycode: "number",
    customertypecode: "number",
    creditlimit: "number",
    donotemail: "boolean",
    donotphone: "boolean",
  },
  contact: {
    ...common,
    gendercode: "number",
    familystatuscode: "number",
    donotemail: "boolean",
    donotphone: "boolean",
  },
  lead: {
    ...common,
    leadsourcecode: "number",
    industrycode: "number",
    purchasetimeframe: "number",
    purchaseprocess: "number",
    budgetamount: "number",
    estimatedamount: "number",
    revenue: "number",
    numberofemployees: "number",
    leadqualitycode: "number",
    decisionmaker: "boolean",
    donotemail: "boolean",
    donotphone: "boolean",
  },
  opportunity: {
    ...common,
    estimatedvalue: "number",
    actualvalue: "number",
    budgetamount: "number",
    closeprobability: "number",
    purchasetimeframe: "number",
    purchaseprocess: "number",
    salesstage: "number",
    opportunityratingcode: "number",
    decisionmaker: "boolean",
    identifycustomercontacts: "boolean",
    identifycompetitors: "boolean",
    identifypursuitteam: "boolean",
    developproposal: "boolean",
    completeinternalreview: "boolean",
    presentproposal: "boolean",
    completefinalproposal: "boolean",
    presentfinalproposal: "boolean",
    sendthankyounote: "boolean",
    filedebrief: "boolean",
  },
};

const TRUE = new Set(["true", "yes", "1", "y"]);
const FALSE = new Set(["false", "no", "0", "n"]);

/**
 * Converts a text cell to the Web API value of `column`. Empty text is `null`. Text that does not
 * fit the column's type stays text, so a check can say what it found.
 */
export function coerceCell(table: string, column: string, text: string): string | number | boolean | null {
  const t = text.trim();
  if (t === "") return null;
  const kind = COLUMN_KINDS[table]?.[column];
  if (kind === "number") {
    const n = Number(t.replace(/,/g, ""));
    return /^-?[\d,]*\.?\d+(e[+-]?\d+)?$/i.test(t) && Number.isFinite(n) ? n : text;
  }
  if (kind === "boolean") {
    const l = t.toLowerCase();
    if (TRUE.has(l)) return true;
    if (FALSE.has(l)) return false;
    return text;
  }
  return text;
}
