/**
 * The matcher's small data structures, by what their callers rely on: the memoised normalisers
 * (memo.ts) give f's answer for every input, share one result per distinct value and stay bounded;
 * the blocking hash table (idTable.ts) gives every distinct key one id, however many keys, whatever
 * their low bits, across growth; the set of produced pairs (HashNumberSet) says "new" exactly once
 * per number; a reused table forgets its keys on clear(); GrowableInt32 keeps every number across
 * growth; a two-part blocking key hashes as its joined string does; the whole-word test of
 * surnames answers what the string-building form answered.
 */
import { memoiseText } from "../../plugins-ts/engine/duplicates/memo";
import { GrowableInt32, HashIdTable, HashNumberSet } from "../../plugins-ts/engine/duplicates/idTable";
import { hash53Number, hash53Pair } from "../../plugins-ts/engine/hash";
import { containsWord, DEFAULT_BLOCKING_RULES, prepareRecord } from "../../plugins-ts/engine/duplicates";

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

  it("grows past its initial capacity without losing or merging keys (300,000 blocking keys)", () => {
    const t = new HashIdTable();
    const n = 300_000;
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

describe("HashIdTable.clear (one table reused by every blocking rule)", () => {
  it("forgets every key, so a key seen before the clear takes the new id offered, and keeps working across growth", () => {
    const t = new HashIdTable(1);
    for (let i = 0; i < 10_000; i++) t.idOf(hash53Number(`a${i}`), i);
    t.clear();
    expect(t.size).toBe(0);
    // the same keys after the clear are new keys with new ids (another rule's blocks)
    expect(t.idOf(hash53Number("a5"), 0)).toBe(0);
    expect(t.idOf(hash53Number("a7"), 1)).toBe(1);
    expect(t.idOf(hash53Number("a5"), 2)).toBe(0);
    for (let i = 0; i < 20_000; i++) t.idOf(hash53Number(`b${i}`), 10 + i);
    let wrong = 0;
    for (let i = 0; i < 20_000; i++) if (t.idOf(hash53Number(`b${i}`), -1) !== 10 + i) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(20_002);
  });
});

describe("GrowableInt32", () => {
  it("keeps every number in order across many doublings from a capacity of 1, and can be emptied by its length", () => {
    const g = new GrowableInt32(1);
    for (let i = 0; i < 100_000; i++) g.push(i * 7 - 3);
    expect(g.length).toBe(100_000);
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) if (g.data[i] !== i * 7 - 3) wrong++;
    expect(wrong).toBe(0);
    expect(g.data.length).toBeGreaterThanOrEqual(100_000);
    g.length = 0;
    g.push(-2_147_483_648);
    g.push(2_147_483_647);
    expect([...g.data.subarray(0, g.length)]).toEqual([-2_147_483_648, 2_147_483_647]);
    g.release();
    expect(g.length).toBe(0);
    expect(g.data.length).toBeLessThan(100_000);
    for (let i = 0; i < 5000; i++) g.push(i);
    expect(g.data[4999]).toBe(4999);
  });
});

describe("containsWord (a surname inside a double-barrelled one)", () => {
  it("answers ` ${text} `.includes(` ${word} `) for words at the start, middle and end, repeats, spaces and empty strings", () => {
    const words = ["", " ", "a", "ab", "b", "a b", "ab a", " a", "a ", "  ", "ba", "aba", "b ab", "ab ab", "a  b", "smith", "smith jones", "jones smith", "smithson"];
    for (const t of words) for (const w of words) expect([t, w, containsWord(t, w)]).toEqual([t, w, ` ${t} `.includes(` ${w} `)]);
    expect(containsWord("garcia lopez", "lopez")).toBe(true);
    expect(containsWord("lopezano", "lopez")).toBe(false);
  });
});

describe("the government id's sorted-digits key (sorted by char code, without an array of letters)", () => {
  it("is the id's characters sorted, for short, typical and very long ids", () => {
    const rule = DEFAULT_BLOCKING_RULES.find((r) => r.name === "governmentid-digits")!;
    for (const id of ["123-45-6789", "ZX9 81A", "9876543210", "AB12CD34", "7", `${"A".repeat(300)}B1`]) {
      const r = prepareRecord("contact", { id: "r", values: { governmentid: id, lastname: "Lee" } }, 0);
      expect(rule.keys(r)).toBe([...r.governmentId!].sort().join(""));
    }
    const two = ["123456789", "987654321"].map((id, i) => prepareRecord("contact", { id: `r${i}`, values: { governmentid: id } }, i));
    expect(rule.keys(two[0])).toBe("123456789");
    expect(rule.keys(two[1])).toBe(rule.keys(two[0]));
  });
});

describe("HashNumberSet", () => {
  it("says a number is new exactly once, 0 included", () => {
    const s = new HashNumberSet();
    expect([s.add(0), s.add(0), s.add(5), s.add(2 ** 53 - 2), s.add(5), s.add(2 ** 53 - 2)]).toEqual([true, false, true, true, false, false]);
    expect(s.size).toBe(3);
  });

  it("holds a million pair numbers (a·n + b, in runs) across growth from a tiny start", () => {
    const s = new HashNumberSet(1);
    const n = 1_000_000;
    let fresh = 0;
    // pairs of neighbouring records, as blocks produce them, and their repeats
    for (let a = 0; a < 200_000; a++) for (let b = a + 1; b <= a + 5; b++) if (s.add(a * n + b)) fresh++;
    expect(fresh).toBe(1_000_000);
    let again = 0;
    for (let a = 0; a < 200_000; a++) for (let b = a + 1; b <= a + 5; b++) if (s.add(a * n + b)) again++;
    expect(again).toBe(0);
    expect(s.add(200_000 * n + 200_001)).toBe(true);
  });
});

describe("two-part blocking keys", () => {
  it("hash53Pair(a, b) is hash53Number of the joined key, for empty, accented and long parts", () => {
    const parts = ["", "a", "smith", "müller", "O'Brien-Ñúñez", "x".repeat(300), "|", "12 main street"];
    for (const a of parts) for (const b of parts) expect(hash53Pair(a, b)).toBe(hash53Number(`${a}|${b}`));
  });

  it("rules with parts give the joined key from keys(), and null when a part is missing", () => {
    const rows = [
      { firstname: "Ann", lastname: "Lee", address1_line1: "12 Main St", address1_city: "Salem", address1_postalcode: "97301", birthdate: "1990-01-02" },
      { firstname: "Bob", address1_city: "Salem" },
    ];
    const records = rows.map((values, i) => prepareRecord("contact", { id: `r${i}`, values }, i));
    const twoPart = DEFAULT_BLOCKING_RULES.filter((r) => r.parts);
    expect(twoPart.length).toBeGreaterThan(5);
    for (const rule of twoPart) {
      for (const r of records) {
        const [x, y] = [rule.parts![0](r), rule.parts![1](r)];
        expect(rule.keys(r)).toBe(x == null || y == null ? null : `${x}|${y}`);
      }
    }
    expect(twoPart.find((r) => r.name === "address+postcode")!.keys(records[0])).toBe("12mainstreet|97301");
  });
});
