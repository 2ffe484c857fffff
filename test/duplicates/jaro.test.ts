/**
 * The matcher's allocation-free Jaro-Winkler (jaro.ts) gives exactly talisman's values — the
 * comparison levels, and so every match and explanation, depend on it bit for bit.
 */
import talismanJaroWinkler from "talisman/metrics/jaro-winkler";
import { jaroWinkler } from "../../plugins-ts/engine/duplicates/jaro";

describe("jaroWinkler", () => {
  it("gives talisman's value for the textbook pairs", () => {
    const pairs: [string, string][] = [["martha", "marhta"], ["dwayne", "duane"], ["dixon", "dicksonx"], ["jones", "johnson"], ["", "abc"], ["", ""], ["a", "a"], ["abc", "xyz"], ["crate", "trace"]];
    for (const [a, b] of pairs) expect(jaroWinkler(a, b)).toBe(talismanJaroWinkler(a, b));
    expect(jaroWinkler("martha", "marhta")).toBeCloseTo(0.9611, 4);
  });

  it("gives talisman's value, to the last bit, on many random names of every length", () => {
    let seed = 12345;
    const rand = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    const alphabet = "aabcdeeefghiijklmnoopqrstuuvwxyzé ";
    const word = (): string => Array.from({ length: rand(14) }, () => alphabet[rand(alphabet.length)]).join("");
    const mutate = (s: string): string => {
      if (s.length < 2) return s + "a";
      const i = rand(s.length - 1);
      return rand(2) ? s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2) : s.slice(0, i) + s.slice(i + 1);
    };
    let differ = 0;
    for (let k = 0; k < 20_000; k++) {
      const a = word();
      const b = rand(3) === 0 ? word() : mutate(a);
      if (jaroWinkler(a, b) !== talismanJaroWinkler(a, b) || jaroWinkler(b, a) !== talismanJaroWinkler(b, a)) differ++;
    }
    expect(differ).toBe(0);
    // long strings grow the scratch buffers; values stay the same
    const long = "x".repeat(500) + "abc";
    expect(jaroWinkler(long, `${long}d`)).toBe(talismanJaroWinkler(long, `${long}d`));
    expect(jaroWinkler("ab", "ba")).toBe(talismanJaroWinkler("ab", "ba"));
  });
});
