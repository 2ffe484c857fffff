/**
 * The preparation's fast paths answer exactly what the general paths answer: the one-pass NANP
 * phone reader against libphonenumber (the general path's reference), and `foldText`'s shortcut
 * for values that are already folded against the values that are not, and the street read once
 * per distinct street after a leading number against the whole line's parse.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { foldText, normalisePhone, parseAddress, prepareRecord } from "../../plugins-ts/engine/duplicates";
import { fastNanp } from "../../plugins-ts/engine/duplicates/nanp";

/** `count` strings of 8–17 characters of `alphabet`, the same every run (seeded). */
function strings(count: number, alphabet: string, seed: number): string[] {
  const rng = xoroshiro128plus(seed);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s = "";
    const length = uniformInt(rng, 8, 17);
    for (let i = 0; i < length; i++) s += alphabet[uniformInt(rng, 0, alphabet.length - 1)];
    out.push(s);
  }
  return out;
}

describe("the one-pass NANP phone reader", () => {
  it("reads the usual ways of writing a North American number", () => {
    expect(fastNanp("(415) 555-0123", true)).toBe("+14155550123");
    expect(fastNanp("+1 415.555.0123", false)).toBe("+14155550123");
    expect(fastNanp("1-415-555-0123", true)).toBe("+14155550123");
  });

  it("leaves everything else to the general path", () => {
    expect(fastNanp("4155550123", false)).toBeUndefined(); // national, outside a NANP region
    expect(fastNanp("1 415 555 0123", false)).toBeUndefined(); // trunk prefix, outside a NANP region
    expect(fastNanp("(415) 555-0123 x12", true)).toBeUndefined(); // extension
    expect(fastNanp("415 555 0123 #12", true)).toBeUndefined();
    expect(fastNanp("+44 20 7946 0018", true)).toBeUndefined(); // another country
    expect(fastNanp("0044 20 7946 0018", true)).toBeUndefined();
    expect(fastNanp("(115) 555-0123", true)).toBeUndefined(); // area code from 1
    expect(fastNanp("(415) 155-0123", true)).toBeUndefined(); // exchange from 1
    expect(fastNanp("415+555+0123", true)).toBeUndefined(); // "+" after digits
    expect(fastNanp("415\t555 0123", true)).toBeUndefined(); // an odd separator
    expect(fastNanp("415 555 01234", true)).toBeUndefined(); // eleven digits, no trunk prefix
  });

  it("answers what libphonenumber answers, on thousands of odd strings", () => {
    let read = 0;
    for (const raw of strings(20_000, "0123456789222555 ()-.+1", 17)) {
      const fast = fastNanp(raw, true);
      if (fast === undefined) continue;
      read++;
      expect(fast).toBe(parsePhoneNumberFromString(raw, "US")?.number);
      expect(normalisePhone(raw, "US")).toBe(fast);
      // outside a NANP region only "+1" numbers are read, as libphonenumber reads them there
      const abroad = fastNanp(raw, false);
      if (abroad !== undefined) expect(abroad).toBe(parsePhoneNumberFromString(raw, "GB")?.number);
    }
    expect(read).toBeGreaterThan(100); // the strings do exercise the fast path
  });
});

describe("foldText's shortcut", () => {
  it("keeps folded values and folds the rest as before", () => {
    expect(foldText("main street 12")).toBe("main street 12");
    expect(foldText("Main Street")).toBe("main street");
    expect(foldText("main  street")).toBe("main street");
    expect(foldText(" main street")).toBe("main street");
    expect(foldText("o'brien")).toBe("obrien");
    expect(foldText("constructor")).toBe("constructor");
    expect(foldText("__proto__")).toBe("proto");
    expect(foldText("Straße")).toBe("strasse");
  });
});

describe("the address line's street, read once per distinct street", () => {
  /** What the prepared record should hold, from the parse of the whole line. */
  function expected(line: string): { address: string | null; streetNumber: string | null; addressKey: string | null } {
    const p = parseAddress(line);
    if (p == null) return { address: null, streetNumber: null, addressKey: null };
    const words = [p.street, p.unit].filter((w): w is string => w != null).join(" ");
    const address = words === "" ? null : words;
    return { address, streetNumber: p.number, addressKey: address == null ? null : `${p.number ?? ""}${address.replace(/ /g, "")}` };
  }

  function prepared(line: string): { address: string | null; streetNumber: string | null; addressKey: string | null } {
    const r = prepareRecord("account", { id: "a", values: { address1_line1: line } }, 0);
    return { address: r.address, streetNumber: r.streetNumber, addressKey: r.addressKey };
  }

  it("gives the fields of the whole line's parse", () => {
    for (const line of ["12 Main St", "12 St Kilda Rd", "12 Floor Street", "12 Fl 3", "12 34 Main", "12 Main 5", "12 Unit 3 Main St", "12 6th Floor", "12 ---", "12  Main", "12 Constructor St", "7 __proto__ Ave"]) {
      expect({ line, ...prepared(line) }).toEqual({ line, ...expected(line) });
    }
    expect(prepared("12 Constructor St")).toEqual({ address: "constructor street", streetNumber: "12", addressKey: "12constructorstreet" });
  });

  it("agrees with the whole line's parse on thousands of odd lines", () => {
    const words = ["12", "3", "5b", "st", "St", "fl", "Floor", "unit", "apt", "Main", "Kilda", "rd", "6th", "-", "'", " ", "constructor", "N", "ste", "a"];
    const rng = xoroshiro128plus(99);
    for (let k = 0; k < 5000; k++) {
      const parts = [String(uniformInt(rng, 1, 999))];
      const length = uniformInt(rng, 1, 5);
      for (let i = 0; i < length; i++) parts.push(words[uniformInt(rng, 0, words.length - 1)]);
      const line = parts.join(" ");
      expect({ line, ...prepared(line) }).toEqual({ line, ...expected(line) });
    }
  });
});
