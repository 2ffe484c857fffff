/**
 * Where blocking and comparing spend their time, rule by rule:
 * `tsx bench/dedupe/pairs.ts <records> [contacts|accounts] [seed]`.
 * Prepares generated records (pages of 5,000, as speed.ts does), then times blocking alone
 * (`generatePairs` with an emit that only stores the pair) and comparing alone (every active
 * field's level for every candidate pair, in the order blocking produced them), and prints one
 * JSON line: CPU seconds of each, and per rule its new pairs, blocking CPU and comparing µs a pair.
 * CPU seconds (user + system), not wall: the machine is shared. Pure apart from stdout.
 */
import { DEFAULT_BLOCKING_RULES, FIELD_SPECS, generatePairs, levelOf, prepareInto, type PreparedRecord } from "../../plugins-ts/engine/duplicates";
import { GrowableInt32 } from "../../plugins-ts/engine/duplicates/idTable";
import { contactPages } from "./generate";
import { organisationPages } from "./organisations";

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function main(): void {
  const n = Number(process.argv[2] ?? "10000");
  const kind = process.argv[3] ?? "contacts";
  const seed = Number(process.argv[4] ?? "42");
  if (!Number.isInteger(n) || n < 2 || (kind !== "contacts" && kind !== "accounts")) throw new Error(`usage: pairs.ts <records> [contacts|accounts] [seed], got "${process.argv.slice(2).join(" ")}"`);
  const table = kind === "contacts" ? "contact" : "account";
  const entity = new Int32Array(n);
  const records: PreparedRecord[] = [];
  for (const page of kind === "contacts" ? contactPages(n, seed, entity) : organisationPages(n, "address-rich", seed, entity)) prepareInto(records, table, page, { region: "US" }, n);

  const pa = new GrowableInt32();
  const pb = new GrowableInt32();
  const ruleOf = new GrowableInt32();
  const blockCpu: number[] = DEFAULT_BLOCKING_RULES.map(() => 0);
  let rule = -1;
  let mark = cpu();
  const b0 = mark;
  generatePairs(records, DEFAULT_BLOCKING_RULES, 500, (a, b) => {
    pa.push(a);
    pb.push(b);
    ruleOf.push(rule);
  }, undefined, (r) => {
    const now = cpu();
    if (rule >= 0) blockCpu[rule] = now - mark;
    rule = r;
    mark = now;
  });
  blockCpu[rule] = cpu() - mark;
  const blockingCpu = cpu() - b0;

  const specs = FIELD_SPECS.filter((spec) => records.some((r) => spec.show(r) != null));
  const compareCpu: number[] = DEFAULT_BLOCKING_RULES.map(() => 0);
  const pairsOf: number[] = DEFAULT_BLOCKING_RULES.map(() => 0);
  const c0 = cpu();
  let levels = 0;
  for (let start = 0; start < pa.length; ) {
    const r = ruleOf.data[start];
    let end = start;
    const t = cpu();
    for (; end < pa.length && ruleOf.data[end] === r; end++) {
      const a = records[pa.data[end]];
      const b = records[pb.data[end]];
      for (const spec of specs) levels += levelOf(spec, spec.similarity(a, b));
    }
    compareCpu[r] += cpu() - t;
    pairsOf[r] += end - start;
    start = end;
  }
  const comparingCpu = cpu() - c0;
  process.stdout.write(
    `${JSON.stringify({
      records: n,
      kind,
      seed,
      candidatePairs: pa.length,
      blockingCpuSeconds: +blockingCpu.toFixed(2),
      comparingCpuSeconds: +comparingCpu.toFixed(2),
      levelSum: levels,
      rules: DEFAULT_BLOCKING_RULES.map((r, i) => ({
        rule: r.name,
        pairs: pairsOf[i],
        blockingCpuSeconds: +blockCpu[i].toFixed(2),
        compareMicrosecondsPerPair: pairsOf[i] ? +((compareCpu[i] / pairsOf[i]) * 1e6).toFixed(2) : 0,
      })).filter((x) => x.pairs > 0 || x.blockingCpuSeconds >= 0.05),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main();
