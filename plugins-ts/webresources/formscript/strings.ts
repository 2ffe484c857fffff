/** The form script's own words, in the user's language (English and German; English otherwise). */
const STRINGS = {
  1033: {
    critical: (n: number, items: string) => `CRM Vitals: ${n === 1 ? "1 critical issue" : `${n} critical issues`} on this record. ${items}`,
    stageWarning: (stage: string, missing: string) => `CRM Vitals: before ${stage}, these are still missing: ${missing}. Fill them in, or move the record back.`,
    stageBlocked: (stage: string, missing: string) => `CRM Vitals: this record cannot be saved in ${stage} yet; missing: ${missing}.`,
  },
  1031: {
    critical: (n: number, items: string) => `CRM Vitals: ${n === 1 ? "1 kritisches Problem" : `${n} kritische Probleme`} in diesem Datensatz. ${items}`,
    stageWarning: (stage: string, missing: string) => `CRM Vitals: Vor ${stage} fehlt noch: ${missing}. Bitte ergänzen oder den Datensatz zurücksetzen.`,
    stageBlocked: (stage: string, missing: string) => `CRM Vitals: Dieser Datensatz kann in ${stage} noch nicht gespeichert werden; es fehlt: ${missing}.`,
  },
} as const;

export type FormStrings = (typeof STRINGS)[1033];

export function formStrings(languageId: number): FormStrings {
  return languageId === 1031 ? STRINGS[1031] : STRINGS[1033];
}
