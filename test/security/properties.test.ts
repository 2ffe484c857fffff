/**
 * Property-based tests (fast-check, fixed seeds so CI runs the same cases every time) for the three
 * parsers of outside input: the emulator's $filter parser, the CLI's CSV reader and the rule-pack
 * validator. Each answers bad input with a clear error and never crashes; good input means what it
 * says.
 */
import fc from "fast-check";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { FILTER_LIMITS, parseFilter } from "../../sandbox/emulator/odata";
import { ODataError } from "../../sandbox/emulator/errors";
import { tableDef } from "../../sandbox/emulator/schema";
import type { Row } from "../../sandbox/emulator/store";
import { readRecords } from "../../plugins-ts/cli/io/records";
import { csvLine } from "../../plugins-ts/export/csv";
import { validateRulePack } from "../../plugins-ts/engine/pack/validate";
import { defaultRulePack } from "../../plugins-ts/engine";
import { tempFiles } from "../helpers/cli";
import { api } from "../helpers/emulator";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";

const SEED = 20;
const account = tableDef("account");
const ctx = { now: Date.parse("2026-11-23T00:00:00Z"), userId: "00000000-0000-0000-0000-000000000001", businessUnitId: "00000000-0000-0000-0000-000000000002" };

// --- $filter ----------------------------------------------------------------------------------

interface Cmp {
  op: "cmp";
  col: "numberofemployees" | "name";
  rel: "eq" | "ne" | "gt" | "lt";
  value: number | string;
}
type Expr = Cmp | { op: "and" | "or"; items: Expr[] } | { op: "not"; item: Expr };

const cmp: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({ op: fc.constant("cmp" as const), col: fc.constant("numberofemployees" as const), rel: fc.constantFrom("eq" as const, "ne" as const, "gt" as const, "lt" as const), value: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant("cmp" as const), col: fc.constant("name" as const), rel: fc.constantFrom("eq" as const, "ne" as const), value: fc.constantFrom("Lee", "O'Neil", "Müller") }),
);
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    cmp,
    fc.record({ op: fc.constantFrom("and" as const, "or" as const), items: fc.array(tie("e"), { minLength: 2, maxLength: 4 }) }),
    fc.record({ op: fc.constant("not" as const), item: tie("e") }),
  ),
})).e;

function text(e: Expr): string {
  if (e.op === "cmp") return `${e.col} ${e.rel} ${typeof e.value === "number" ? e.value : `'${e.value.replace(/'/g, "''")}'`}`;
  if (e.op === "not") return `not (${text(e.item)})`;
  return e.items.map((i) => `(${text(i)})`).join(` ${e.op} `);
}
function truth(e: Expr, r: Row): boolean {
  if (e.op === "not") return !truth(e.item, r);
  if (e.op !== "cmp") return e.op === "and" ? e.items.every((i) => truth(i, r)) : e.items.some((i) => truth(i, r));
  return compare(e, r[e.col] as number | string | null);
}
function compare(e: Cmp, v: number | string | null): boolean {
  if (v === null) return false; // SQL semantics, as Dataverse: a comparison with an empty column is not true
  switch (e.rel) {
    case "eq": return v === e.value;
    case "ne": return v !== e.value;
    case "gt": return v > e.value;
    case "lt": return v < e.value;
  }
}
const row: fc.Arbitrary<Row> = fc.record({ numberofemployees: fc.option(fc.integer({ min: 0, max: 4 })), name: fc.option(fc.constantFrom("Lee", "O'Neil", "Müller", "Ng")) });

describe("property: the $filter parser", () => {
  it("means what the expression says, for random nested and/or/not expressions", () => {
    fc.assert(
      fc.property(expr, fc.array(row, { minLength: 1, maxLength: 8 }), (e, rows) => {
        const p = parseFilter(text(e), account, ctx);
        for (const r of rows) expect(p(r)).toBe(truth(e, r));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("answers any text with a predicate or a 400 ODataError, never another exception", () => {
    const junk = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom("(", ")", " and ", " or ", "not ", "name", " eq ", "'x'", "1", "contains(", ",", "'"), { maxLength: 30 }).map((a) => a.join("")));
    fc.assert(
      fc.property(junk, (s) => {
        try {
          parseFilter(s, account, ctx);
        } catch (err) {
          expect(err).toBeInstanceOf(ODataError);
          expect((err as ODataError).status).toBe(400);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("refuses over-deep and over-long filters with 400 instead of overflowing the stack", () => {
    fc.assert(
      fc.property(fc.integer({ min: FILTER_LIMITS.maxDepth + 1, max: 20_000 }), fc.constantFrom("(", "not "), (depth, open) => {
        const s = `${open.repeat(depth)}name eq 'x'${open === "(" ? ")".repeat(depth) : ""}`;
        expect(() => parseFilter(s, account, ctx)).toThrow(/too complex.*more than 100 levels deep/);
      }),
      { seed: SEED, numRuns: 20 },
    );
    const long = Array.from({ length: 50_000 }, (_, i) => `numberofemployees eq ${i}`).join(" or ");
    expect(() => parseFilter(long, account, ctx)).toThrow(/too complex.*more than 5000 conditions/);
    const atLimit = Array.from({ length: FILTER_LIMITS.maxTerms }, (_, i) => `numberofemployees eq ${i}`).join(" or ");
    expect(parseFilter(atLimit, account, ctx)({ numberofemployees: 4999 })).toBe(true);
  });
});

describe("over-complex filters over HTTP", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "empty", throttle: false });
  });
  afterAll(() => emu.close());

  // A GET this long does not fit in a URL (431 here, 414 in Dataverse): $batch carries it in the body.
  async function inBatch(filter: string): Promise<string> {
    const batch = [
      "--b1", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
      `GET ${emu.baseUrl}accounts?$filter=${encodeURIComponent(filter)} HTTP/1.1`, "Accept: application/json", "", "", "--b1--", "",
    ].join("\r\n");
    // With continue-on-error the batch answers 200 and each item its own status; without it Dataverse
    // answers the failing item's status for the whole batch (see fidelity.test.ts).
    const b = await api(emu).raw("POST", "$batch", batch, { "Content-Type": "multipart/mixed; boundary=b1", Prefer: "odata.continue-on-error" });
    expect(b.status).toBe(200);
    return b.text;
  }

  it("answers a 10,000-deep or 50,000-term filter inside $batch with 400 and the documented error body", async () => {
    const deep = await inBatch(`${"(".repeat(10_000)}name eq 'x'${")".repeat(10_000)}`);
    expect(deep).toMatch(/HTTP\/1\.1 400/);
    expect(deep).toMatch(/\{"error":\{"code":"0x80060888","message":"The query is too complex: \$filter nests parentheses or 'not' more than 100 levels deep/);
    const long = await inBatch(Array.from({ length: 50_000 }, (_, i) => `numberofemployees eq ${i}`).join(" or "));
    expect(long).toMatch(/HTTP\/1\.1 400/);
    expect(long).toMatch(/"code":"0x80060888".*more than 5000 conditions/);
    for (const t of [deep, long]) expect(t).not.toMatch(/Maximum call stack|HTTP\/1\.1 500/);
  }, 60_000);
});

// --- CSV reader ---------------------------------------------------------------------------------

describe("property: the CSV reader reads back what the CSV writer wrote", () => {
  // Cells the writer leaves as they are: no leading/trailing space (the reader trims) and no
  // formula start (the writer adds an apostrophe); commas, quotes, line breaks and any script allowed.
  const unit = fc.oneof(fc.constantFrom(",", '"', "\n", " ", "é", "ß", "中", "🙂"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }));
  const cell = fc.string({ unit, minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== "" && !/^[=+\-@\t]/.test(s) && !s.includes("\r"));

  it("round-trips random records", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 20 }), async (records) => {
        const csv = csvLine(["x_a", "x_b"]) + records.map((r) => csvLine(r)).join("");
        const dir = tempFiles({});
        const file = join(dir, "in.csv");
        writeFileSync(file, csv);
        const read: [unknown, unknown][] = [];
        for await (const r of readRecords({ file, table: "contact" })) read.push([r.record.values.x_a, r.record.values.x_b]);
        expect(read).toEqual(records);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

// --- rule-pack validator ------------------------------------------------------------------------

describe("property: the rule-pack validator", () => {
  it("never throws on any JSON, and refuses anything that is not a pack with the path of each problem", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const r = validateRulePack(v);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(e.path).toMatch(/^\$/);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("refuses a damaged rule of the default pack, naming that rule", () => {
    const base = defaultRulePack();
    const damage = fc.record({
      rule: fc.integer({ min: 0, max: base.rules.length - 1 }),
      field: fc.constantFrom("id", "table", "dimension", "severity", "weight", "check"),
      value: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(-1), fc.constant(""), fc.constant([]), fc.constant({ type: "no-such-check" })),
    });
    fc.assert(
      fc.property(damage, ({ rule, field, value }) => {
        const pack = structuredClone(base) as unknown as { rules: Record<string, unknown>[] };
        if (value === undefined) delete pack.rules[rule][field];
        else pack.rules[rule][field] = value;
        const r = validateRulePack(pack);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.some((e) => e.path.startsWith(`$.rules[${rule}]`))).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
