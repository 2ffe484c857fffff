/**
 * Times the demo organisation: generation alone, then loading it into an emulator and paging one
 * table through the Web API. Usage: npx tsx sandbox/demo/measure.ts [size] [seed]
 * (for 1,000,000 records run node with --max-old-space-size=6144 if the default heap is smaller).
 */
import os from "node:os";
import { startEmulator } from "../emulator";
import { generateDemoOrg } from "./generate";

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 1);
  const now = new Date("2026-01-01T00:00:00Z");
  let t = performance.now();
  const cpu0 = process.cpuUsage();
  const org = generateDemoOrg({ size, seed, now });
  const genMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const rows = Object.values(org.tables).reduce((n, r) => n + r.length, 0);
  const heapMb = Math.round(process.memoryUsage().heapUsed / 1e6);
  process.stdout.write(`generate ${size.toLocaleString("en-US")} records (${rows.toLocaleString("en-US")} rows incl. activities, BPF, users): ${(genMs / 1000).toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU (load average ${os.loadavg()[0].toFixed(1)}), heap ${heapMb} MB, ${org.groundTruth.defects.length.toLocaleString("en-US")} defects recorded\n`);
  (org as { tables: unknown }).tables = null; // let the first copy go before the emulator makes its own
  t = performance.now();
  const emu = await startEmulator({ size, seed, now, throttle: false });
  const startMs = performance.now() - t;
  process.stdout.write(`startEmulator (generate + load + listen): ${(startMs / 1000).toFixed(1)} s\n`);
  t = performance.now();
  let next: string | undefined = `${emu.baseUrl}contacts?$select=fullname,emailaddress1,telephone1,_parentcustomerid_value,modifiedon`;
  let read = 0;
  let pages = 0;
  while (next) {
    const res = await fetch(next, { headers: { Authorization: `Bearer ${emu.adminToken}`, Prefer: "odata.maxpagesize=5000" } });
    const body = (await res.json()) as { value: unknown[]; "@odata.nextLink"?: string };
    read += body.value.length;
    pages++;
    next = body["@odata.nextLink"];
  }
  const readMs = performance.now() - t;
  process.stdout.write(`paged ${read.toLocaleString("en-US")} contacts in ${pages} pages: ${(readMs / 1000).toFixed(1)} s (${Math.round(read / (readMs / 1000)).toLocaleString("en-US")} rows/s)\n`);
  process.stdout.write(`machine: ${os.cpus().length} cpu, ${Math.round(os.totalmem() / 1e9)} GB, node ${process.version}, ${new Date().toISOString()}\n`);
  await emu.close();
}

void main();
