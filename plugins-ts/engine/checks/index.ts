/**
 * Every check type of a rule pack: what it reads (inputs), what it expects (a sentence quoting its
 * parameters) and how it judges one record. Missing inputs give "not evaluated", never "failed".
 */
import type { ColumnValue, EngineRecord } from "../types";
import type { Check, CheckType, RulePack } from "../pack/types";
import {
  DAY_MS,
  type CheckResult,
  type CompiledCheck,
  type EvalContext,
  factNotFetched,
  isEmptyValue,
  isoDay,
  lookupValueColumn,
  noValue,
  notADate,
  notFetched,
  parseDate,
  plural,
  show,
  showDate,
} from "./common";
import { conditionInputs, describeCondition, evaluateCondition } from "./conditions";
import { unmetExitCriteria } from "./exitCriteria";
import {
  PERSONAL_MAIL_DOMAINS,
  hasPostcodeFormat,
  isValidDomain,
  isValidEmail,
  isValidPhone,
  isValidPostcode,
  isValidUrl,
  registrableDomain,
  resolveCountry,
} from "./formats";
import { makePlaceholderMatcher } from "./junk";

type Compiler<T extends CheckType> = (check: Extract<Check, { type: T }>, pack: RulePack, table: string) => CompiledCheck;

const passed = (observed: string, extra?: Partial<CheckResult>): CheckResult => ({ outcome: "passed", observed, ...extra });
const failed = (observed: string, extra?: Partial<CheckResult>): CheckResult => ({ outcome: "failed", observed, ...extra });
const notApplicable: CheckResult = { outcome: "notApplicable", observed: "" };

function text(v: ColumnValue): string {
  return typeof v === "string" ? v.trim() : String(v);
}

const required: Compiler<"required"> = (c) => ({
  inputs: { columns: [c.column], facts: [] },
  expected: `a value in ${c.column}`,
  evaluate(r) {
    const v = r.values[c.column];
    if (v === undefined) return notFetched(c.column);
    return isEmptyValue(v) ? failed(show(v)) : passed(show(v));
  },
});

const requiredAny: Compiler<"requiredAny"> = (c) => ({
  inputs: { columns: c.columns, facts: [] },
  expected: `a value in at least one of ${c.columns.join(", ")}`,
  evaluate(r) {
    let unknown: string | undefined;
    for (const col of c.columns) {
      const v = r.values[col];
      if (v === undefined) unknown ??= col;
      else if (!isEmptyValue(v)) return passed(`${col}: ${show(v)}`);
    }
    return unknown ? notFetched(unknown) : failed("all empty");
  },
});

const requiredWhen: Compiler<"requiredWhen"> = (c) => {
  const columns = new Set([c.column]);
  const facts = new Set<"stage">();
  conditionInputs(c.if, columns, facts);
  return {
    inputs: { columns: [...columns], facts: [...facts] },
    expected: `a value in ${c.column} when ${describeCondition(c.if)}`,
    evaluate(r, ctx) {
      const applies = evaluateCondition(c.if, r, ctx.process);
      if (applies === undefined) return { outcome: "notEvaluated", observed: "(not fetched)", reason: `the condition "${describeCondition(c.if)}" could not be evaluated: an input was not fetched` };
      if (!applies) return notApplicable;
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      return isEmptyValue(v) ? failed(show(v)) : passed(show(v));
    },
  };
};

const FORMAT_WORDS = {
  email: "a valid email address (name@company.com)",
  phone: "a valid phone number",
  url: "a valid website address (e.g. www.contoso.com)",
  domain: "a valid web domain (e.g. contoso.com)",
  postalCode: "a valid postal code",
} as const;

const format: Compiler<"format"> = (c, pack) => {
  const defaultRegion = pack.defaultRegion ?? "US";
  const columns = c.countryColumn ? [c.column, c.countryColumn] : [c.column];
  const regionOf = (r: EngineRecord): { code?: string; from: string; notFetched?: true } => {
    if (c.countryColumn) {
      const cv = r.values[c.countryColumn];
      if (cv === undefined) return { from: `"${c.countryColumn}" was not fetched`, notFetched: true };
      if (typeof cv === "string" && cv.trim()) {
        const code = resolveCountry(cv);
        return code ? { code, from: `${cv.trim()} (${code})` } : { from: `unrecognised country "${cv.trim()}"` };
      }
    }
    return { code: defaultRegion, from: `${defaultRegion} (the pack's default region)` };
  };
  const expected =
    c.format === "phone"
      ? `a valid phone number for the record's country${c.countryColumn ? ` (${c.countryColumn}, default ${defaultRegion})` : ` (${defaultRegion})`}`
      : c.format === "postalCode"
        ? `a valid postal code for the record's country${c.countryColumn ? ` (${c.countryColumn}, default ${defaultRegion})` : ` (${defaultRegion})`}`
        : FORMAT_WORDS[c.format];
  return {
    inputs: { columns, facts: [] },
    expected,
    evaluate(r) {
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      if (isEmptyValue(v)) return noValue(c.column);
      if (typeof v !== "string") return failed(`${show(v)} (a ${typeof v}, not text)`);
      const value = v.trim();
      switch (c.format) {
        case "email":
          return isValidEmail(value) ? passed(show(v)) : failed(show(v));
        case "url":
          return isValidUrl(value) ? passed(show(v)) : failed(show(v));
        case "domain":
          return isValidDomain(value) ? passed(show(v)) : failed(show(v));
        case "phone": {
          const region = regionOf(r);
          if (region.notFetched && c.countryColumn) return notFetched(c.countryColumn);
          if (!region.code) {
            // An international number does not need the region.
            if (value.startsWith("+")) return isValidPhone(value, defaultRegion) ? passed(show(v)) : failed(show(v));
            return { outcome: "notEvaluated", observed: show(v), reason: `cannot tell the phone's country: ${region.from}` };
          }
          return isValidPhone(value, region.code)
            ? passed(show(v))
            : failed(show(v), { expected: `a valid phone number for ${region.from}` });
        }
        case "postalCode": {
          const region = regionOf(r);
          if (region.notFetched && c.countryColumn) return notFetched(c.countryColumn);
          if (!region.code) return { outcome: "notEvaluated", observed: show(v), reason: `cannot tell the postal code's country: ${region.from}` };
          if (!hasPostcodeFormat(region.code)) {
            return { outcome: "notEvaluated", observed: show(v), reason: `no postal code format is known for ${region.from}` };
          }
          return isValidPostcode(value, region.code)
            ? passed(show(v))
            : failed(show(v), { expected: `a valid postal code for ${region.from}` });
        }
      }
    },
  };
};

const pattern: Compiler<"pattern"> = (c) => {
  const re = new RegExp(c.pattern, c.flags);
  return {
    inputs: { columns: [c.column], facts: [] },
    expected: c.description,
    evaluate(r) {
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      if (isEmptyValue(v)) return noValue(c.column);
      re.lastIndex = 0;
      return re.test(text(v)) ? passed(show(v)) : failed(show(v));
    },
  };
};

const allowedValues: Compiler<"allowedValues"> = (c) => {
  const norm = (x: string | number | boolean): string => (c.caseSensitive ? String(x) : String(x).toLowerCase());
  const allowed = new Set(c.values.map(norm));
  return {
    inputs: { columns: [c.column], facts: [] },
    expected: `one of ${c.values.map((x) => JSON.stringify(x)).join(", ")}`,
    evaluate(r) {
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      if (isEmptyValue(v)) return noValue(c.column);
      return allowed.has(norm(typeof v === "string" ? v.trim() : (v as number | boolean))) ? passed(show(v)) : failed(show(v));
    },
  };
};

function bounds(min: number | undefined, max: number | undefined, unit = ""): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}${unit}`;
  if (min !== undefined) return `at least ${min}${unit}`;
  return `at most ${String(max)}${unit}`;
}

const range: Compiler<"range"> = (c) => ({
  inputs: { columns: [c.column], facts: [] },
  expected: `a number ${bounds(c.min, c.max)}`,
  evaluate(r) {
    const v = r.values[c.column];
    if (v === undefined) return notFetched(c.column);
    if (isEmptyValue(v)) return noValue(c.column);
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isFinite(n)) return { outcome: "notEvaluated", observed: show(v), reason: `"${c.column}" is not a number` };
    const ok = (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
    return ok ? passed(show(v)) : failed(show(v));
  },
});

const length: Compiler<"length"> = (c) => ({
  inputs: { columns: [c.column], facts: [] },
  expected: `text ${bounds(c.min, c.max, " characters")} long`,
  evaluate(r) {
    const v = r.values[c.column];
    if (v === undefined) return notFetched(c.column);
    if (isEmptyValue(v)) return noValue(c.column);
    const n = [...text(v)].length;
    const ok = (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
    return ok ? passed(`${n} characters`) : failed(`${n} characters: ${show(v)}`);
  },
});

const placeholder: Compiler<"placeholder"> = (c) => {
  const match = makePlaceholderMatcher(c.extraValues);
  return {
    inputs: { columns: c.columns, facts: [] },
    expected: `real values in ${c.columns.join(", ")}, not placeholders such as "test", "n/a" or "asdf"`,
    evaluate(r) {
      let seen = 0;
      let unknown: string | undefined;
      for (const col of c.columns) {
        const v = r.values[col];
        if (v === undefined) {
          unknown ??= col;
          continue;
        }
        if (isEmptyValue(v) || typeof v !== "string") continue;
        seen++;
        const why = match(v);
        if (why) return failed(`${col}: ${why}`);
      }
      if (seen > 0) return passed(`${plural(seen, "value")} checked`);
      return unknown ? notFetched(unknown) : noValue(c.columns.join(", "));
    },
  };
};

const casing: Compiler<"casing"> = (c) => {
  const minLength = c.minLength ?? 3;
  const words = c.reject.map((x) => (x === "upper" ? "ALL CAPITALS" : "all lower case")).join(" or ");
  return {
    inputs: { columns: [c.column], facts: [] },
    expected: `normal capitalisation (not ${words})`,
    evaluate(r) {
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      if (isEmptyValue(v)) return noValue(c.column);
      const s = text(v);
      const letters = s.replace(/[^\p{L}]/gu, "");
      const upper = letters.toUpperCase();
      const lower = letters.toLowerCase();
      if (letters.length < minLength || upper === lower) return passed(show(v));
      if (c.reject.includes("upper") && letters === upper) return failed(`${show(v)} (all capitals)`);
      if (c.reject.includes("lower") && letters === lower) return failed(`${show(v)} (all lower case)`);
      return passed(show(v));
    },
  };
};

const freshness: Compiler<"freshness"> = (c) => ({
  inputs: { columns: [c.column], facts: [] },
  expected: `${c.column} within the last ${plural(c.maxDays, "day")}`,
  evaluate(r, ctx) {
    const v = r.values[c.column];
    if (v === undefined) return notFetched(c.column);
    if (isEmptyValue(v)) return noValue(c.column);
    const d = parseDate(v);
    if (!d) return notADate(c.column, v);
    const deadline = d.end + c.maxDays * DAY_MS;
    const stable = isoDay(d.start);
    return ctx.now <= deadline ? passed(showDate(d.start, ctx.now), { revisitAt: deadline, stable }) : failed(showDate(d.start, ctx.now), { stable });
  },
});

const lastActivity: Compiler<"lastActivity"> = (c) => ({
  inputs: { columns: [], facts: ["lastActivityOn"] },
  expected: `an activity completed within the last ${plural(c.maxDays, "day")}`,
  evaluate(r, ctx) {
    const v = r.related?.lastActivityOn;
    if (v === undefined) return factNotFetched("lastActivityOn");
    if (v === null) return failed("no completed activity");
    const d = parseDate(v);
    if (!d) return notADate("@lastActivityOn", v);
    const deadline = d.end + c.maxDays * DAY_MS;
    const stable = isoDay(d.start);
    return ctx.now <= deadline ? passed(showDate(d.start, ctx.now), { revisitAt: deadline, stable }) : failed(showDate(d.start, ctx.now), { stable });
  },
});

const followUp: Compiler<"followUp"> = (c) => {
  const grace = c.overdueGraceDays ?? 0;
  return {
    inputs: { columns: [], facts: ["nextActivityDueOn"] },
    expected: grace > 0 ? `an open activity scheduled, at most ${plural(grace, "day")} overdue` : "an open activity scheduled and not overdue",
    evaluate(r, ctx) {
      const v = r.related?.nextActivityDueOn;
      if (v === undefined) return factNotFetched("nextActivityDueOn");
      if (v === null) return failed("no open activity");
      const d = parseDate(v);
      if (!d) return notADate("@nextActivityDueOn", v);
      const deadline = d.end + grace * DAY_MS;
      return ctx.now <= deadline
        ? passed(`due ${showDate(d.start, ctx.now)}`, { revisitAt: deadline, stable: `due ${isoDay(d.start)}` })
        : failed(`overdue: due ${showDate(d.start, ctx.now)}`, { stable: `overdue: due ${isoDay(d.start)}` });
    },
  };
};

/** "3 emails and 1 meeting", "2 meetings", "no mail or meetings". */
export function describeEngagement(emails: number, meetings: number): string {
  const parts = [emails > 0 ? plural(emails, "email") : "", meetings > 0 ? plural(meetings, "meeting") : ""].filter(Boolean);
  return parts.length ? parts.join(" and ") : "no mail or meetings";
}

const engagementCaptured: Compiler<"engagementCaptured"> = (c) => {
  const max = c.maxUnlogged ?? 0;
  const maxAge = c.maxAgeDays ?? 7;
  return {
    inputs: { columns: [], facts: ["engagementGap"] },
    expected:
      (max === 0 ? "every email and meeting with the contact logged in Dynamics" : `at most ${max} emails and meetings with the contact not logged in Dynamics`) +
      ` (compared with Outlook within the last ${plural(maxAge, "day")})`,
    evaluate(r, ctx) {
      const gap = r.related?.engagementGap;
      if (gap === undefined) return factNotFetched("engagementGap");
      if (gap === null) {
        return { outcome: "notEvaluated", observed: "not compared", reason: "activity capture has not compared this contact with Outlook (Microsoft Graph integration off, or the contact was out of scope)" };
      }
      const d = parseDate(gap.checkedOn);
      if (!d) return notADate("@engagementGap.checkedOn", gap.checkedOn);
      const day = isoDay(d.start);
      const expires = d.start + maxAge * DAY_MS;
      if (ctx.now > expires) {
        return { outcome: "notEvaluated", observed: `compared ${day}`, reason: `the last comparison with Outlook (${day}) is older than ${plural(maxAge, "day")}` };
      }
      const unlogged = gap.unloggedEmails + gap.unloggedMeetings;
      const window = `in the last ${plural(gap.windowDays, "day")}`;
      if (unlogged > max) {
        const verb = unlogged === 1 ? "is" : "are";
        return failed(`${describeEngagement(gap.unloggedEmails, gap.unloggedMeetings)} with this contact ${window} ${verb} not in Dynamics (compared ${day})`, { revisitAt: expires });
      }
      const logged = gap.loggedEmails + gap.loggedMeetings;
      const observed =
        unlogged === 0 && logged === 0
          ? `no mail or meetings with this contact ${window} (compared ${day})`
          : unlogged === 0
            ? `all ${describeEngagement(gap.loggedEmails, gap.loggedMeetings)} ${window} are logged (compared ${day})`
            : `${describeEngagement(gap.unloggedEmails, gap.unloggedMeetings)} ${window} not logged, within the allowed ${max} (compared ${day})`;
      return passed(observed, { revisitAt: expires });
    },
  };
};

const daysInStage: Compiler<"daysInStage"> = (c, pack, table) => {
  const process = pack.processes?.[table];
  const limitOf = (stage: string): number | undefined => c.maxDays ?? process?.stages.find((s) => s.name === stage)?.maxDays;
  const limits = process?.stages.filter((s) => limitOf(s.name) !== undefined).map((s) => `${s.name} ${String(limitOf(s.name))}`);
  return {
    inputs: { columns: [], facts: ["stage"] },
    expected: c.maxDays !== undefined ? `at most ${plural(c.maxDays, "day")} in a stage` : `at most the stage's limit in days (${limits?.join(", ") ?? "none"})`,
    evaluate(r, ctx) {
      const stage = r.related?.stage;
      if (stage === undefined) return factNotFetched("stage");
      if (stage === null) return { outcome: "notEvaluated", observed: "no active stage", reason: "the record has no active business process stage" };
      const limit = limitOf(stage.name);
      if (limit === undefined) return { outcome: "notEvaluated", observed: stage.name, reason: `stage "${stage.name}" has no day limit in the pack` };
      const d = parseDate(stage.enteredOn);
      if (!d) return { outcome: "notEvaluated", observed: stage.name, reason: "the date the stage was entered is unknown" };
      const days = Math.max(0, Math.floor((ctx.now - d.start) / DAY_MS));
      const deadline = d.start + (limit + 1) * DAY_MS;
      const observed = `${plural(days, "day")} in ${stage.name} (since ${isoDay(d.start)})`;
      const stable = `in ${stage.name} since ${isoDay(d.start)}`;
      const expected = `at most ${plural(limit, "day")} in ${stage.name}`;
      return days <= limit ? passed(observed, { expected, revisitAt: deadline, stable }) : failed(observed, { expected, stable });
    },
  };
};

const stageExitCriteria: Compiler<"stageExitCriteria"> = (_c, pack, table) => {
  const process = pack.processes?.[table];
  const stages = process?.stages ?? [];
  const columns = [...new Set(stages.flatMap((s) => s.exitCriteria.map((e) => e.column)))];
  return {
    inputs: { columns, facts: ["stage"] },
    expected: "the exit criteria of every earlier stage met",
    evaluate(r) {
      const stage = r.related?.stage;
      if (stage === undefined) return factNotFetched("stage");
      if (stage === null) return { outcome: "notEvaluated", observed: "no active stage", reason: "the record has no active business process stage" };
      const at = stages.findIndex((s) => s.name === stage.name);
      if (at < 0) return { outcome: "notEvaluated", observed: stage.name, reason: `stage "${stage.name}" is not in the pack's "${process?.name ?? table}" process` };
      if (at === 0) return passed(`in ${stage.name}, the first stage`);
      const judged = unmetExitCriteria(stages, at, r.values);
      if ("notFetched" in judged) return notFetched(judged.notFetched);
      const missing = judged.unmet.map((u) => `${u.label} (${u.stage})`);
      const expected = `before ${stage.name}: ${stages
        .slice(0, at)
        .flatMap((s) => s.exitCriteria.map((e) => e.label))
        .join(", ")}`;
      return missing.length === 0 ? passed(`in ${stage.name}; all earlier criteria met`, { expected }) : failed(`in ${stage.name}; missing: ${missing.join(", ")}`, { expected });
    },
  };
};

const relation: Compiler<"relation"> = (c) => {
  const col = lookupValueColumn(c.lookup);
  return {
    inputs: { columns: [col], facts: c.mustBeActive ? ["parents"] : [], parentColumns: c.mustBeActive ? { [c.lookup]: [] } : undefined },
    expected: c.mustBeActive ? `${c.lookup} linked to an active record` : `${c.lookup} linked to a record`,
    evaluate(r) {
      const v = r.values[col];
      if (v === undefined) return notFetched(col);
      if (isEmptyValue(v)) return failed(`no ${c.lookup}`);
      if (!c.mustBeActive) return passed(show(v));
      const parents = r.related?.parents;
      if (parents === undefined || !(c.lookup in parents)) return factNotFetched(`parents.${c.lookup}`);
      const parent = parents[c.lookup];
      if (parent === null || parent === undefined) return failed(`${c.lookup} points to a record that does not exist or cannot be read`);
      const label = parent.name ? `${parent.name} (${parent.table})` : `${parent.table} ${parent.id}`;
      return parent.active ? passed(label) : failed(`${label} is inactive`);
    },
  };
};

const ownerEnabled: Compiler<"ownerEnabled"> = () => ({
  inputs: { columns: [], facts: ["ownerEnabled"] },
  expected: "owned by an enabled user or a team",
  evaluate(r) {
    const v = r.related?.ownerEnabled;
    const name = r.related?.ownerName ?? "the owner";
    if (v === undefined) return factNotFetched("ownerEnabled");
    if (v === null) return { outcome: "notEvaluated", observed: "owner unknown", reason: "the owner could not be read" };
    return v ? passed(`${name} is enabled`) : failed(`${name} is a disabled user`);
  },
});

const dateNotPast: Compiler<"dateNotPast"> = (c) => {
  const grace = c.graceDays ?? 0;
  return {
    inputs: { columns: [c.column], facts: [] },
    expected: grace > 0 ? `${c.column} not more than ${plural(grace, "day")} in the past` : `${c.column} today or later`,
    evaluate(r, ctx) {
      const v = r.values[c.column];
      if (v === undefined) return notFetched(c.column);
      if (isEmptyValue(v)) return noValue(c.column);
      const d = parseDate(v);
      if (!d) return notADate(c.column, v);
      const deadline = d.end + grace * DAY_MS;
      const stable = isoDay(d.start);
      return ctx.now < deadline ? passed(showDate(d.start, ctx.now), { revisitAt: deadline, stable }) : failed(showDate(d.start, ctx.now), { stable });
    },
  };
};

const dateOrder: Compiler<"dateOrder"> = (c) => ({
  inputs: { columns: [c.earlier, c.later], facts: [] },
  expected: `${c.earlier} on or before ${c.later}`,
  evaluate(r) {
    const a = r.values[c.earlier];
    const b = r.values[c.later];
    if (a === undefined) return notFetched(c.earlier);
    if (b === undefined) return notFetched(c.later);
    if (isEmptyValue(a)) return noValue(c.earlier);
    if (isEmptyValue(b)) return noValue(c.later);
    const da = parseDate(a);
    const db = parseDate(b);
    if (!da) return notADate(c.earlier, a);
    if (!db) return notADate(c.later, b);
    const observed = `${c.earlier} ${isoDay(da.start)}, ${c.later} ${isoDay(db.start)}`;
    return da.start <= db.end ? passed(observed) : failed(observed);
  },
});

const emailDomainMatchesWebsite: Compiler<"emailDomainMatchesWebsite"> = (c) => {
  const where = c.parentLookup ? `${c.parentLookup}.${c.websiteColumn}` : c.websiteColumn;
  return {
    inputs: c.parentLookup
      ? { columns: [c.emailColumn], facts: ["parents"], parentColumns: { [c.parentLookup]: [c.websiteColumn] } }
      : { columns: [c.emailColumn, c.websiteColumn], facts: [] },
    expected: `the email's domain matches the website in ${where}`,
    evaluate(r) {
      const email = r.values[c.emailColumn];
      if (email === undefined) return notFetched(c.emailColumn);
      if (isEmptyValue(email) || typeof email !== "string") return noValue(c.emailColumn);
      let site: ColumnValue | undefined;
      if (c.parentLookup) {
        const parents = r.related?.parents;
        if (parents === undefined || !(c.parentLookup in parents)) return factNotFetched(`parents.${c.parentLookup}`);
        const parent = parents[c.parentLookup];
        if (!parent) return { outcome: "notEvaluated", observed: email, reason: `no ${c.parentLookup} to compare with` };
        site = parent.values?.[c.websiteColumn];
        if (site === undefined) return notFetched(where);
      } else {
        site = r.values[c.websiteColumn];
        if (site === undefined) return notFetched(c.websiteColumn);
      }
      if (isEmptyValue(site) || typeof site !== "string") return noValue(where);
      const at = email.lastIndexOf("@");
      const mailDomain = at >= 0 ? registrableDomain(email.slice(at + 1)) : null;
      const siteDomain = registrableDomain(site);
      if (!mailDomain || !siteDomain) return { outcome: "notEvaluated", observed: `${email} / ${site}`, reason: "the email or the website has no recognisable domain" };
      if (PERSONAL_MAIL_DOMAINS.has(mailDomain)) return { outcome: "notEvaluated", observed: email.trim(), reason: `${mailDomain} is a personal mail provider` };
      const observed = `email @${mailDomain}, website ${siteDomain}`;
      return mailDomain === siteDomain ? passed(observed) : failed(observed);
    },
  };
};

const duplicate: Compiler<"duplicate"> = (c) => {
  const min = c.minScore ?? 0.5;
  return {
    inputs: { columns: [], facts: ["duplicates"] },
    expected: `no other record matching with probability ≥ ${min}`,
    evaluate(r) {
      const d = r.related?.duplicates;
      if (d === undefined) return factNotFetched("duplicates");
      const hits = (d ?? []).filter((x) => x.score >= min).sort((a, b) => b.score - a.score);
      if (hits.length === 0) return passed("no likely duplicate");
      const top = hits
        .slice(0, 3)
        .map((h) => `${h.name ?? h.id} (${h.table}, ${Math.round(h.score * 100)} %: ${h.reason})`)
        .join("; ");
      return failed(hits.length > 3 ? `${top}; and ${hits.length - 3} more` : top);
    },
  };
};

const COMPILERS: { [T in CheckType]: Compiler<T> } = {
  required,
  requiredAny,
  requiredWhen,
  format,
  pattern,
  allowedValues,
  range,
  length,
  placeholder,
  casing,
  freshness,
  lastActivity,
  followUp,
  engagementCaptured,
  daysInStage,
  stageExitCriteria,
  relation,
  ownerEnabled,
  dateNotPast,
  dateOrder,
  emailDomainMatchesWebsite,
  duplicate,
};

export function compileCheck(check: Check, pack: RulePack, table: string): CompiledCheck {
  const compiler = COMPILERS[check.type] as Compiler<CheckType>;
  return compiler(check, pack, table);
}

export type { CompiledCheck, CheckResult, EvalContext };
