/**
 * Waiver burn-down: how many waivers were in force (approved and not yet expired) and how many
 * requests were waiting for a decision on each day, which waivers expire in the next 30 days,
 * and the same by rule. Pure: callers hand in the waiver rows and the clock.
 *
 * A waiver is in force from its approval (`vit_approvedon`) until `vit_expireson` (no expiry: until
 * now); "expire now" sets the expiry to the moment it was pressed. A request waits from its
 * creation until it is approved or rejected (`vit_approvedon` holds the decision time) or, undecided,
 * until now. Rows without the dates they need are left out and counted in `undated`.
 */
const DAY = 86_400_000;
export const EXPIRING_DAYS = 30;

export interface WaiverHistoryRow {
  id: string;
  name: string;
  ruleId: string;
  storedStatus: "requested" | "approved" | "rejected" | "expired";
  createdOn: string | null;
  approvedOn: string | null;
  expiresOn: string | null;
}

export interface BurndownPoint {
  date: string;
  inForce: number;
  waiting: number;
}

export interface RuleBurndown {
  ruleId: string;
  inForce: number;
  expiring: number;
  waiting: number;
}

export interface Burndown {
  points: BurndownPoint[];
  expiring: { id: string; name: string; ruleId: string; expiresOn: string }[];
  byRule: RuleBurndown[];
  undated: number;
}

const time = (s: string | null): number | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
};

interface Span {
  row: WaiverHistoryRow;
  force: [number, number] | null;
  wait: [number, number] | null;
}

function spanOf(w: WaiverHistoryRow, now: number): Span | null {
  const created = time(w.createdOn);
  const decided = time(w.approvedOn);
  const expires = time(w.expiresOn);
  if (created === null) return null;
  if (w.storedStatus === "requested") return { row: w, force: null, wait: [created, now] };
  if (decided === null) return null;
  const approved = w.storedStatus === "approved" || (w.storedStatus === "expired" && expires !== null);
  return { row: w, force: approved ? [decided, expires ?? Infinity] : null, wait: [created, decided] };
}

const within = (span: [number, number] | null, t: number): boolean => span !== null && span[0] <= t && t < span[1];

/** The burn-down at the end of every `stepDays` days from the first waiver to now. */
export function waiverBurndown(rows: readonly WaiverHistoryRow[], now: Date, stepDays = 7): Burndown {
  const t = now.getTime();
  const spans: Span[] = [];
  let undated = 0;
  for (const w of rows) {
    const s = spanOf(w, t);
    if (s) spans.push(s);
    else undated++;
  }
  const first = Math.min(...spans.map((s) => Math.min(s.wait?.[0] ?? Infinity, s.force?.[0] ?? Infinity)));
  const points: BurndownPoint[] = [];
  if (Number.isFinite(first)) {
    const days = Math.ceil((t - first) / DAY);
    const steps: number[] = [];
    for (let d = days; d > 0; d -= stepDays) steps.push(t - d * DAY);
    steps.push(t);
    for (const at of steps) {
      // "now" itself counts waits that run until now.
      const point = at === t ? t - 1 : at;
      points.push({ date: new Date(at).toISOString().slice(0, 10), inForce: spans.filter((s) => within(s.force, point)).length, waiting: spans.filter((s) => within(s.wait, point)).length });
    }
  }
  const soon = t + EXPIRING_DAYS * DAY;
  const expiring = spans
    .filter((s) => s.force && within(s.force, t) && s.force[1] <= soon)
    .map((s) => ({ id: s.row.id, name: s.row.name, ruleId: s.row.ruleId, expiresOn: s.row.expiresOn! }))
    .sort((a, b) => a.expiresOn.localeCompare(b.expiresOn));
  const rules = new Map<string, RuleBurndown>();
  for (const s of spans) {
    const r = rules.get(s.row.ruleId) ?? { ruleId: s.row.ruleId, inForce: 0, expiring: 0, waiting: 0 };
    if (within(s.force, t)) r.inForce++;
    if (s.force && within(s.force, t) && s.force[1] <= soon) r.expiring++;
    if (within(s.wait, t - 1)) r.waiting++;
    rules.set(s.row.ruleId, r);
  }
  const byRule = [...rules.values()].filter((r) => r.inForce + r.waiting > 0).sort((a, b) => b.inForce + b.waiting - (a.inForce + a.waiting) || a.ruleId.localeCompare(b.ruleId));
  return { points, expiring, byRule, undated };
}
