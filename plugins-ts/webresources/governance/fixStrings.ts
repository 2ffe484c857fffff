/**
 * Strings of the Governance Center's "Fix plans" tab (English), apart from ./strings.ts so the tab
 * can be translated and merged on its own. Functions take the values they interpolate.
 */
import type { RepairType } from "../../engine/pack/types";
import type { EntryOutcome, FixRunStatus, TableScores } from "../../fix";

const n = (x: number): string => x.toLocaleString("en-US");
const plural = (x: number, one: string, many: string): string => `${n(x)} ${x === 1 ? one : many}`;

/** What a repair did, as a count phrase ("3,412 phone numbers normalised"). */
const DONE: Record<RepairType, [string, string]> = {
  phoneE164: ["phone number normalised", "phone numbers normalised"],
  nameCasing: ["name cased properly", "names cased properly"],
  emailDomainLowercase: ["e-mail domain lower-cased", "e-mail domains lower-cased"],
  websiteNormalise: ["website normalised", "websites normalised"],
  clearPlaceholder: ["placeholder value cleared", "placeholder values cleared"],
  parentByEmailDomain: ["contact linked to its account", "contacts linked to their accounts"],
  reassignOwner: ["record reassigned from a disabled owner", "records reassigned from disabled owners"],
  task: ["task created for an owner", "tasks created for owners"],
};

export const fixStrings = {
  tab: "Fix plans",
  heading: "Make a fix plan",
  intro:
    "Choose rules and tables, preview what would change, untick what should stay as it is, then approve. Fixes are written in your own security context with the record's version from the preview (If-Match), journaled first, and can be undone.",
  tablesLegend: "Tables",
  rulesLegend: "Rules with a fix",
  noRules: "The rule pack in force has no rule with a fix for these tables.",
  ownerLabel: "Only records owned by (optional)",
  anyOwner: "Anyone",
  preview: "Preview fixes",
  planning: (records: number, proposals: number) => `Reading and scoring records… ${n(records)} read, ${plural(proposals, "fix", "fixes")} so far`,
  openFile: "Open a plan file",
  openFileHint: "A plan made with vitals fix plan or downloaded by a colleague.",
  download: "Download plan",

  previewHeading: "Preview",
  previewSummary: (fixes: number, records: number, safe: number, blocked: number) =>
    `${plural(fixes, "fix", "fixes")} on ${plural(records, "record", "records")} (${n(safe)} safe to apply unattended); ${plural(blocked, "finding needs", "findings need")} a person.`,
  proposedBy: (who: string, when: string) => `Proposed by ${who} on ${when}.`,
  countsCaption: "Fixes per rule and table",
  colRule: "Rule",
  colTable: "Table",
  colFixes: "Fixes",
  colIncluded: "Included",
  colSafe: "Safe",
  includeRule: (rule: string) => `Include every fix of ${rule}`,
  samplesHeading: (rule: string) => `Samples: ${rule}`,
  colRecord: "Record",
  colBefore: "Before",
  colAfter: "After",
  colWhy: "Why",
  includeEntry: (name: string) => `Include the fix of ${name}`,
  moreEntries: (x: number) => `… and ${plural(x, "more fix", "more fixes")} of this rule (all included unless the rule is unticked).`,
  blockedHeading: "Needs a person",
  blockedNone: "Nothing in scope needs a person's judgement.",
  empty: "Nothing to fix in this scope: every record already passes the chosen rules, or its failures need a person.",

  approveHeading: "Approve and apply",
  approve: (x: number) => `Approve and apply ${plural(x, "fix", "fixes")}`,
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
  discard: "Discard plan",
  roleNeeded: (reason: string) => `You can preview fix plans, but approving one needs the Vitals Governance Owner role. The platform said: ${reason}`,
  secondPerson:
    "This organisation requires a second person (vit_FixApproverMustDiffer): you proposed this plan, so download it and ask another governance owner to open and approve it.",
  approverNote: (who: string) => `You approve as ${who}; records are written with your own Dynamics privileges.`,
  phase: { journal: "Journaling", records: "Writing records", rescoring: "Re-scoring", done: "Done" } as Record<string, string>,
  progress: (done: number, total: number) => `${n(done)} of ${plural(total, "fix", "fixes")}`,
  paused: "Paused after the current step. Resume continues the same run: nothing is written twice.",
  cancelled: "Cancelled after the current step. What was applied stays applied; undo it from the run below.",
  applyFailed: (message: string) => `The plan was not applied: ${message}`,

  resultHeading: "Result",
  doneLine: (counts: { repair: RepairType; applied: number }[]) => counts.filter((c) => c.applied > 0).map((c) => plural(c.applied, ...DONE[c.repair])).join("; "),
  scoreLine: (table: string, before: TableScores, after: TableScores) => {
    const parts: string[] = [];
    for (const [d, b] of Object.entries(before.dimensions)) {
      // Freshness moves with any write (modifiedon): said apart (freshnessNote), not claimed as the fix's effect.
      if (d === "freshness") continue;
      const a = after.dimensions[d as keyof typeof after.dimensions];
      if (b !== null && b !== undefined && a !== null && a !== undefined && Math.round(a) !== Math.round(b)) parts.push(`${table} ${d} ${Math.round(b)} → ${Math.round(a)}`);
    }
    if (before.overall !== null && after.overall !== null) parts.push(`${table} overall ${Math.round(before.overall)} → ${Math.round(after.overall)}`);
    return parts.join("; ");
  },
  freshnessNote: (table: string, before: number, after: number) =>
    `${table} freshness also moved ${Math.round(before)} → ${Math.round(after)}: any write sets modifiedon, so the fixed records count as recently touched (as Dataverse sees them).`,
  outcomeCounts: (o: Record<EntryOutcome, number>) =>
    `${n(o.applied)} applied, ${n(o.skippedChanged)} skipped (changed since the preview), ${n(o.failed)} failed, ${n(o.undone)} undone, ${n(o.undoConflict)} undo conflicts`,

  runsHeading: "Fix runs",
  runsNone: "No fix run yet.",
  colRun: "Run",
  colStatus: "Status",
  colProposed: "Proposed by",
  colApproved: "Approved by",
  colWhen: "Approved on",
  colActions: "Actions",
  details: "Details",
  undoRun: "Undo run",
  undoRunLabel: (name: string) => `Undo every fix of ${name}`,
  detailsLabel: (name: string) => `Details of ${name}`,
  status: {
    applying: "Applying",
    applied: "Applied",
    completedWithIssues: "Completed with issues",
    failed: "Failed",
    cancelled: "Cancelled",
    undoing: "Undoing",
    undone: "Undone",
    partlyUndone: "Partly undone",
  } satisfies Record<FixRunStatus, string>,
  outcome: {
    pending: "Pending",
    applied: "Applied",
    skippedChanged: "Skipped: changed",
    failed: "Failed",
    undoPending: "Undo pending",
    undone: "Undone",
    undoConflict: "Undo conflict",
  } satisfies Record<EntryOutcome, string>,
  entriesHeading: (name: string) => `Fixes of ${name}`,
  undoRule: "Undo this rule",
  undoRuleLabel: (rule: string) => `Undo the fixes of ${rule}`,
  undoRecord: "Undo",
  undoRecordLabel: (name: string) => `Undo the fix of ${name}`,
  colOutcome: "Outcome",
  colDetail: "Detail",
  undoing: "Undoing…",
  undoDone: (o: Record<EntryOutcome, number>) => `Undo finished: ${n(o.undone)} undone, ${n(o.undoConflict)} left as people changed them since (undo conflicts).`,
  undoFailed: (message: string) => `The undo did not finish: ${message}`,
  entriesShown: (shown: number, total: number) => `${n(shown)} of ${plural(total, "fix", "fixes")} shown.`,
};
