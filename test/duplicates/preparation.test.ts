/**
 * Preparation's memory helpers and the fields prepared together, by what the matcher relies on:
 * a prepared record has the same values however it is prepared (one record, or a page with the
 * options read once); caches can be emptied without changing an answer; a string kept "flat" is
 * the same string; pooled weight arrays are independent, zero-filled arrays with the same weights
 * as arrays of their own; values named like Object.prototype's members are ordinary values.
 */
import { clearMemos, detached, flat, memoiseText } from "../../plugins-ts/engine/duplicates/memo";
import {
  Float32Pool,
  companyTokens,
  countTokens,
  normaliseEmail,
  normalisePhone,
  pooledTokenWeights,
  prepareInto,
  prepareRecord,
  tokenWeights,
  type MatchRecord,
  type PreparedRecord,
} from "../../plugins-ts/engine/duplicates";

const contact = (id: string, values: MatchRecord["values"]): MatchRecord => ({ id, values });

describe("address fields prepared together", () => {
  it("splits number, street with unit, and the spaceless key", () => {
    const r = prepareRecord("contact", contact("c1", { address1_line1: "12 Main St., Apt 3", address1_city: "San Luis Obispo" }), 0);
    expect(r.address).toBe("main street unit 3");
    expect(r.streetNumber).toBe("12");
    expect(r.addressKey).toBe("12mainstreetunit3");
    expect(r.city).toBe("san luis obispo");
    expect(r.cityKey).toBe("sanluisobispo");
  });

  it("keeps a unit without a street, a number alone, and no address at all apart", () => {
    const unitOnly = prepareRecord("contact", contact("c1", { address1_line1: "Suite 5" }), 0);
    expect([unitOnly.address, unitOnly.streetNumber, unitOnly.addressKey]).toEqual(["unit 5", null, "unit5"]);
    const numberOnly = prepareRecord("contact", contact("c2", { address1_line1: "12" }), 1);
    expect([numberOnly.address, numberOnly.streetNumber, numberOnly.addressKey]).toEqual([null, "12", null]);
    const none = prepareRecord("contact", contact("c3", { address1_line1: " ,. " }), 2);
    expect([none.address, none.streetNumber, none.addressKey, none.city, none.cityKey]).toEqual([null, null, null, null, null]);
  });

  it("reads 'St' as saint only where it opens a street name", () => {
    expect(prepareRecord("contact", contact("c1", { address1_line1: "10 St Kilda Rd" }), 0).address).toBe("saint kilda road");
    expect(prepareRecord("contact", contact("c2", { address1_line1: "265 Elizabeth St. Ci" }), 1).address).toBe("elizabeth street ci");
    expect(prepareRecord("contact", contact("c3", { address1_line1: "4 St St" }), 2).address).toBe("street street");
    expect(prepareRecord("contact", contact("c4", { address1_line1: "125 East 23rd St., 6th Floor" }), 3).address).toBe("east 23 street floor 6");
  });

  it("treats Object.prototype's names as ordinary values", () => {
    for (const word of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const r = prepareRecord(
        "contact",
        contact("c1", { firstname: word, lastname: word, address1_line1: `7 ${word} St`, address1_city: word, address1_postalcode: word }),
        0,
      );
      const folded = word.replace(/_/g, " ").trim().toLowerCase();
      expect(r.address).toBe(`${folded} street`);
      expect(r.addressKey).toBe(`7${folded.replace(/ /g, "")}street`);
      expect(r.city).toBe(folded);
      expect(r.firstName).toBe(folded);
    }
  });
});

describe("a page prepared with its options read once", () => {
  const records = [
    contact("c1", { firstname: "Bill", lastname: "Smith", emailaddress1: "J.Smith+crm@gmail.com", telephone1: "020 7946 0958", birthdate: "03/04/1980" }),
    contact("c2", { firstname: "Zoë", lastname: "Ødegård", emailaddress1: "ZOE@Example.com", emailaddress2: "zoe@example.com", mobilephone: "+1 415 555 0123 x 12" }),
    contact("c3", { fullname: "  Ann Lee ", birthdate: "1980-04-03" }),
  ];

  it.each([
    [{ region: "GB" }],
    [{ region: "US", canonicalGmail: false }],
    [{ region: "US", dateOrder: "DMY" as const }],
  ])("gives the records prepareRecord gives (%j)", (options) => {
    const page: PreparedRecord[] = [];
    prepareInto(page, "contact", records, options, records.length);
    expect(page).toEqual(records.map((r, i) => prepareRecord("contact", r, i, options)));
  });

  it("reads birth dates in the order asked for", () => {
    const dmy = prepareRecord("contact", records[0], 0, { region: "GB" });
    const mdy = prepareRecord("contact", records[0], 0, { region: "US" });
    expect([dmy.birthDate, mdy.birthDate]).toEqual(["19800403", "19800304"]);
  });

  it("lists each distinct e-mail once, and the name as typed", () => {
    const r = prepareRecord("contact", records[1], 1);
    expect(r.emails).toEqual(["zoe@example.com"]);
    expect(r.phones).toEqual(["+14155550123"]);
    expect(r.name).toBe("Zoë Ødegård");
    expect(prepareRecord("contact", records[2], 2).name).toBe("Ann Lee");
    const two = prepareRecord("contact", contact("c4", { emailaddress1: "a@contoso.com", emailaddress2: "b@contoso.com", emailaddress3: "A@contoso.com" }), 3);
    expect(two.emails).toEqual(["a@contoso.com", "b@contoso.com"]);
  });
});

describe("e-mail and phone normalisers", () => {
  it("answer the address itself when nothing changes, the canonical form otherwise", () => {
    expect(normaliseEmail("first.last@contoso-pharmaceuticals.com")).toBe("first.last@contoso-pharmaceuticals.com");
    expect(normaliseEmail("MAILTO:Jo@Contoso.com")).toBe("jo@contoso.com");
    expect(normaliseEmail("J.Smith+crm@googlemail.com")).toBe("jsmith@gmail.com");
    expect(normaliseEmail("+crm@gmail.com")).toBeNull();
    expect(normaliseEmail("a@b@contoso.com")).toBeNull();
  });

  it("drop an extension at the end of a number, however it is written", () => {
    for (const typed of ["+1 415 555 0123 ext. 12", "(415) 555-0123 x12", "415.555.0123 #7", "+1 415 555 0123"]) expect(normalisePhone(typed)).toBe("+14155550123");
    expect(normalisePhone("x 1234567")).toBeNull();
  });
});

describe("clearMemos", () => {
  it("empties the caches without changing an answer", () => {
    let calls = 0;
    const f = memoiseText((v) => {
      calls++;
      return `<${String(v)}>`;
    });
    expect(f("contoso")).toBe("<contoso>");
    expect(f("contoso")).toBe("<contoso>");
    expect(calls).toBe(1);
    const before = prepareRecord("account", { id: "a1", values: { name: "Contoso Intl Ltd", address1_city: "Seattle" } }, 0);
    clearMemos();
    expect(f("contoso")).toBe("<contoso>");
    expect(calls).toBe(2);
    expect(prepareRecord("account", { id: "a1", values: { name: "Contoso Intl Ltd", address1_city: "Seattle" } }, 0)).toEqual(before);
  });
});

describe("flat", () => {
  it("returns the same string, short or long, joined or sliced", () => {
    const parts = ["contoso", "-", "pharmaceuticals", "@", "example.com"];
    let joined = "";
    for (const p of parts) joined += p;
    expect(flat(joined)).toBe("contoso-pharmaceuticals@example.com");
    expect(flat("ab")).toBe("ab");
    expect(flat("")).toBe("");
    expect(flat(joined.slice(8, 23))).toBe("pharmaceuticals");
    expect(flat("1234567890123456")).toBe("1234567890123456");
  });
});

describe("Float32Pool", () => {
  it("hands out zero-filled arrays that do not share numbers, across chunks", () => {
    const pool = new Float32Pool(8);
    const arrays = Array.from({ length: 10 }, (_, i) => pool.take((i % 3) + 1));
    for (const a of arrays) expect(Array.from(a).every((x) => x === 0)).toBe(true);
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) => expect(Array.from(a)).toEqual(new Array<number>(a.length).fill(i + 1)));
    expect(arrays.map((a) => a.length)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
  });

  it("gives an array longer than a chunk its own buffer, and an empty one", () => {
    const pool = new Float32Pool(4);
    const long = pool.take(10);
    expect(long.length).toBe(10);
    long.fill(3);
    const next = pool.take(4);
    expect(Array.from(next)).toEqual([0, 0, 0, 0]);
    expect(pool.take(0).length).toBe(0);
  });

  it("pooled token weights equal the weights of an array of their own", () => {
    const names = ["contoso pharmaceuticals", "contoso services", "fabrikam services", "constructor", "__proto__ 12"];
    const lists = names.map(companyTokens);
    const stats = countTokens(lists);
    const pool = new Float32Pool(5);
    for (const tokens of lists) {
      expect(Array.from(pooledTokenWeights(pool, tokens, stats))).toEqual(Array.from(tokenWeights(tokens, stats)));
      expect(Array.from(pooledTokenWeights(pool, tokens))).toEqual(Array.from(tokenWeights(tokens)));
    }
  });
});

describe("detached", () => {
  it("returns the same value, for URL-safe strings and others, short and long", () => {
    const url = "https://www.contoso-pharmaceuticals.co.uk/about/us";
    expect(detached(url.slice(12, 40))).toBe("contoso-pharmaceuticals.co.u");
    expect(detached("zoë-ødegård-müller.example")).toBe("zoë-ødegård-müller.example");
    expect(detached("100% sure @ 50%")).toBe("100% sure @ 50%");
    expect(detached("a.io")).toBe("a.io");
    expect(detached("")).toBe("");
  });

  it("leaves prepared websites as the registrable domain", () => {
    const r = prepareRecord("account", { id: "a1", values: { name: "Contoso", websiteurl: "https://www.Contoso-Pharmaceuticals.co.uk/about" } }, 0);
    expect(r.website).toBe("contoso-pharmaceuticals.co.uk");
  });
});
