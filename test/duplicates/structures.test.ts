/**
 * The matcher's small data structures, by what their callers rely on: the memoised normalisers
 * (memo.ts) give f's answer for every input, share one result per distinct value and stay bounded;
 * the blocking hash table (idTable.ts) gives every distinct key one id, however many keys, whatever
 * their low bits, across growth.
 */
import { memoiseText } from "../../plugins-ts/engine/duplicates/memo";
import { HashIdTable } from "../../plugins-ts/engine/duplicates/idTable";
import { hash53Number } from "../../plugins-ts/engine/hash";

describe("memoiseText", () => {
  it("answers what the normaliser answers and calls it once per distinct string", () => {
    const calls: unknown[] = [];
    const upper = memoiseText((v) => {
      calls.push(v);
      return typeof v === "string" ? { value: v.toUpperCase() } : null;
    });
    const a = upper("contoso");
    expect(a).toEqual({ value: "CONTOSO" });
    expect(upper("contoso")).toBe(a); // the same object: records holding one value share it
    expect(upper("fabrikam")).toEqual({ value: "FABRIKAM" });
    expect(calls).toEqual(["contoso", "fabrikam"]);
  });

  it("remembers null results, and passes non-strings straight through", () => {
    let calls = 0;
    const f = memoiseText((v) => {
      calls++;
      return v === "" || typeof v !== "string" ? null : v.length;
    });
    expect(f("")).toBeNull();
    expect(f("")).toBeNull();
    expect(calls).toBe(1);
    expect(f(undefined)).toBeNull();
    expect(f(42)).toBeNull();
    expect(f(42)).toBeNull();
    expect(calls).toBe(4);
  });

  it("treats Object.prototype's names as ordinary values", () => {
    const f = memoiseText((v) => `<${String(v)}>`);
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) expect(f(name)).toBe(`<${name}>`);
    expect(f("constructor")).toBe("<constructor>");
    expect(f("__proto__")).toBe("<__proto__>");
  });

  it("stays correct and bounded when values never repeat (the cache is cleared at its limit)", () => {
    let calls = 0;
    const f = memoiseText((v) => {
      calls++;
      return `${String(v)}!`;
    }, 10);
    const answers = Array.from({ length: 1000 }, (_, i) => f(`v${i}`));
    expect(answers).toEqual(Array.from({ length: 1000 }, (_, i) => `v${i}!`));
    expect(calls).toBe(1000);
    // after the clears, an early value is normalised again, with the same answer
    expect(f("v0")).toBe("v0!");
    expect(calls).toBe(1001);
    // a value seen since the last clear is still remembered
    expect(f("v0")).toBe("v0!");
    expect(calls).toBe(1001);
  });
});

describe("HashIdTable", () => {
  it("gives a new key the offered id and a known key its first id", () => {
    const t = new HashIdTable();
    expect(t.idOf(12345, 0)).toBe(0);
    expect(t.idOf(67890, 1)).toBe(1);
    expect(t.idOf(12345, 2)).toBe(0);
    expect(t.size).toBe(2);
  });

  it("keeps keys apart that share their low 32 bits (same first slot)", () => {
    const t = new HashIdTable();
    const base = 7;
    const keys = [base, base + 2 ** 32, base + 2 * 2 ** 32, base + 2 ** 52];
    keys.forEach((k, i) => expect(t.idOf(k, i)).toBe(i));
    keys.forEach((k, i) => expect(t.idOf(k, 100 + i)).toBe(i));
    expect(t.size).toBe(4);
  });

  it("keeps keys apart whose slots collide modulo the table size, including key 0 and the largest keys", () => {
    const t = new HashIdTable(1);
    const keys = [0, 1024, 2048, 4096, 2 ** 53 - 1, 2 ** 53 - 1025];
    keys.forEach((k, i) => expect(t.idOf(k, i)).toBe(i));
    expect(keys.map((k) => t.idOf(k, 1000))).toEqual(keys.map((_, i) => i));
  });

  it("grows past its initial capacity without losing or merging keys (a million blocking keys)", () => {
    const t = new HashIdTable();
    const n = 1_000_000;
    const keyOf = (i: number): number => hash53Number(`key ${i}`);
    let fresh = 0;
    for (let i = 0; i < n; i++) if (t.idOf(keyOf(i), i) === i) fresh++;
    expect(fresh).toBe(n);
    expect(t.size).toBe(n);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (t.idOf(keyOf(i), n + i) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(n);
  });

  it("finds every key again after many growths from a tiny start, with sequential keys that fill neighbouring slots", () => {
    const t = new HashIdTable(1);
    for (let i = 0; i < 50_000; i++) t.idOf(i * 1024, i);
    let wrong = 0;
    for (let i = 0; i < 50_000; i++) if (t.idOf(i * 1024, -5) !== i) wrong++;
    expect(wrong).toBe(0);
  });
});
