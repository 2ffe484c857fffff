/**
 * Speed of the matcher on generated records:
 * `tsx bench/dedupe/speed.ts <records> [seed] [contacts|accounts] [pages|whole]`.
 * Prints one JSON line: records, candidate pairs, CPU and wall seconds per stage, peak RSS, and
 * accuracy against the generator's truth (pairs in the same output cluster).
 * "pages" (default) hands the matcher the records in pages of 5,000 as they are generated, as the
 * CLI and the audit read Dataverse (PagedRecords, paged.ts): each page is dropped once prepared, so
 * peak RSS is the matcher's own memory plus one page. "whole" generates every record first and
 * hands the matcher one array (`deduplicate`): peak RSS then also holds all the raw records, and
 * "generating" is timed apart from matching.
 */
import { deduplicate, PagedRecords, type MatchResult, type MatchStage } from "../../plugins-ts/engine/duplicates";
import { contactPages, generateContacts } from "./generate";
import { generateOrganisations, organisationPages } from "./organisations";

function main(): void {
  const n = Number(process.argv[2] ?? "10000");
  const seed = Number(process.argv[3] ?? "42");
  const kind = process.argv[4] ?? "contacts";
  const mode = process.argv[5] ?? "pages";
  if (!Number.isInteger(n) || n < 2 || (kind !== "contacts" && kind !== "accounts") || (mode !== "pages" && mode !== "whole")) {
    throw new Error(`usage: speed.ts <records> [seed] [contacts|accounts] [pages|whole], got "${process.argv.slice(2).join(" ")}"`);
  }
  const table = kind === "contacts" ? "contact" : "account";
  let entity: Int32Array = new Int32Array(n);
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const g0 = performance.now();
  const gc0 = cpuNow();
  // whole: every record generated before matching starts (timed apart)
  const whole = mode === "whole" ? (kind === "contacts" ? generateContacts(n, seed) : generateOrganisations(n, "address-rich", seed)) : undefined;
  if (whole) entity = whole.entity;
  const generateSeconds = (performance.now() - g0) / 1000;
  let generateCpuSeconds = cpuNow() - gc0;
  const stageStart = new Map<MatchStage, number>();
  const stageSeconds: Partial<Record<MatchStage, number>> = {};
  // CPU seconds per stage as well: on a shared machine wall time mostly measures the neighbours
  const stageCpuStart = new Map<MatchStage, number>();
  const stageCpuSeconds: Partial<Record<MatchStage, number>> = {};
  let current: MatchStage | undefined;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const options = {
    region: "US",
    onProgress: (stage: MatchStage) => {
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
  };
  let result: MatchResult;
  if (whole) result = deduplicate({ table, records: whole.records }, options);
  else {
    // pages: generating is interleaved with preparing, so its time is inside "prepare"
    // (its CPU is measured around each page and reported as generateCpuSeconds, apart from matching)
    const collection = new PagedRecords(options, n);
    const pages = kind === "contacts" ? contactPages(n, seed, entity) : organisationPages(n, "address-rich", seed, entity);
    for (;;) {
      const c0 = cpuNow();
      const next = pages.next();
      generateCpuSeconds += cpuNow() - c0;
      if (next.done) break;
      collection.add(table, next.value);
    }
    result = collection.deduplicate();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (current) {
    stageSeconds[current] = (performance.now() - stageStart.get(current)!) / 1000;
    stageCpuSeconds[current] = cpuNow() - stageCpuStart.get(current)!;
  }
  // ids are a letter and the record's position ("c12", "o12")
  const position = (id: string): number => Number(id.slice(1));
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
        if (entity[position(c[i].id)] === entity[position(c[j].id)]) tp++;
      }
    }
  }
  const s = result.stats;
  process.stdout.write(
    `${JSON.stringify({
      records: n,
      kind,
      seed,
      mode,
      generateSeconds: +generateSeconds.toFixed(1),
      seconds: +seconds.toFixed(1),
      generateCpuSeconds: +generateCpuSeconds.toFixed(1),
      // CPU of matching alone (in "pages" mode the generator's CPU, measured per page, taken out)
      cpuSeconds: +(mode === "pages" ? cpuSeconds - generateCpuSeconds : cpuSeconds).toFixed(1),
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
