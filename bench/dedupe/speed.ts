/**
 * Speed of the matcher on generated contacts: `tsx bench/dedupe/speed.ts <records> [seed]`.
 * Prints one JSON line: records, candidate pairs, seconds per stage, peak RSS, and accuracy
 * against the generator's truth (pairs in the same output cluster).
 */
import { deduplicate, type MatchStage } from "../../plugins-ts/engine/duplicates";
import { generateContacts } from "./generate";
import { generateOrganisations } from "./organisations";

function main(): void {
  const n = Number(process.argv[2] ?? "10000");
  const seed = Number(process.argv[3] ?? "42");
  const kind = process.argv[4] ?? "contacts";
  if (!Number.isInteger(n) || n < 2 || (kind !== "contacts" && kind !== "accounts")) {
    throw new Error(`usage: speed.ts <records> [seed] [contacts|accounts], got "${process.argv.slice(2).join(" ")}"`);
  }
  const g0 = performance.now();
  const { records, entity } = kind === "contacts" ? generateContacts(n, seed) : generateOrganisations(n, "address-rich", seed);
  const generateSeconds = (performance.now() - g0) / 1000;
  const stageStart = new Map<MatchStage, number>();
  const stageSeconds: Partial<Record<MatchStage, number>> = {};
  // CPU seconds per stage as well: on a shared machine wall time mostly measures the neighbours
  const stageCpuStart = new Map<MatchStage, number>();
  const stageCpuSeconds: Partial<Record<MatchStage, number>> = {};
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let current: MatchStage | undefined;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = deduplicate(
    { table: kind === "contacts" ? "contact" : "account", records },
    {
      region: "US",
      onProgress: (stage) => {
        if (stage !== current) {
          const now = performance.now();
          const cpuAt = cpuNow();
          if (current) {
            stageSeconds[current] = (now - stageStart.get(current)!) / 1000;
            stageCpuSeconds[current] = cpuAt - stageCpuStart.get(current)!;
          }
          current = stage;
          stageStart.set(stage, now);
          stageCpuStart.set(stage, cpuAt);
        }
        if (process.env.VERBOSE) process.stderr.write(`${stage} ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
      },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (current) {
    stageSeconds[current] = (performance.now() - stageStart.get(current)!) / 1000;
    stageCpuSeconds[current] = cpuNow() - stageCpuStart.get(current)!;
  }
  const idx = new Map(records.map((r, i) => [r.id, i]));
  // truth: pairs of records of the same generated person
  const size = new Map<number, number>();
  for (let i = 0; i < n; i++) size.set(entity[i], (size.get(entity[i]) ?? 0) + 1);
  let truePairs = 0;
  for (const s of size.values()) truePairs += (s * (s - 1)) / 2;
  let tp = 0;
  let predicted = 0;
  for (const c of result.clusters) {
    for (let i = 0; i < c.length; i++) {
      for (let j = i + 1; j < c.length; j++) {
        predicted++;
        if (entity[idx.get(c[i].id)!] === entity[idx.get(c[j].id)!]) tp++;
      }
    }
  }
  const s = result.stats;
  process.stdout.write(
    `${JSON.stringify({
      records: n,
      kind,
      seed,
      generateSeconds: +generateSeconds.toFixed(1),
      seconds: +seconds.toFixed(1),
      cpuSeconds: +cpuSeconds.toFixed(1),
      stageSeconds: Object.fromEntries(Object.entries(stageSeconds).map(([k, v]) => [k, +v.toFixed(1)])),
      stageCpuSeconds: Object.fromEntries(Object.entries(stageCpuSeconds).map(([k, v]) => [k, +v.toFixed(1)])),
      candidatePairs: s.candidatePairs,
      randomPairs: s.randomPairs,
      distinctPatterns: s.distinctPatterns,
      skippedBlocks: s.skippedBlockCount,
      largestSkipped: s.skippedBlocks.slice(0, 3),
      blocking: s.blocking.map((b) => [b.rule, b.newPairs, b.skippedBlocks]),
      matches: s.matches,
      nearMisses: s.nearMisses,
      clusters: s.clusters,
      emIterations: s.emIterations,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      truePairs,
      precision: predicted ? +(tp / predicted).toFixed(4) : 1,
      recall: truePairs ? +(tp / truePairs).toFixed(4) : 1,
    })}\n`,
  );
}

main();
