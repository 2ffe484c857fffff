import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { demoToken } from "../../sandbox/demo/users";

const VITALS = path.join(__dirname, "../../plugins-ts/cli/vitals.cjs");

describe("vitals emulator (CLI)", () => {
  it("prints the base URL, the admin token and every demo user, serves requests and stops on Ctrl-C", async () => {
    const child = spawn(process.execPath, [VITALS, "emulator", "--port", "0", "--size", "150", "--seed", "9"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}${err}`)), 40_000);
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Press Ctrl-C")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`emulator exited with ${String(code)}: ${err}`)));
    });
    const base = /Base URL\s+(http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/)/.exec(out)![1];
    const token = /Admin token\s+(\S+)/.exec(out)![1];
    expect(token).toBe(demoToken(9, "admin"));
    for (const key of ["govowner", "manager", "rep1", "marketer", "former1"]) expect(out).toContain(demoToken(9, key));
    const who = await fetch(`${base}WhoAmI`, { headers: { Authorization: `Bearer ${token}` } });
    expect(who.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("refuses a bad option with a message naming it", () => {
    const res = spawnSync(process.execPath, [VITALS, "emulator", "--size", "5"], { encoding: "utf8" });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/--size must be a whole number between 100 and 2000000/);
  });
});
