import { parsePhoneNumberFromString } from "libphonenumber-js";
import {
  canonicalGivenName,
  foldText,
  normaliseAddress,
  normaliseCompanyName,
  normaliseDate,
  normaliseEmail,
  normaliseIdentifier,
  normalisePersonName,
  normalisePhone,
  normalisePostcode,
  normaliseWebsite,
  prepareRecord,
} from "../../plugins-ts/engine/duplicates";

describe("person names", () => {
  it("folds case, accents and punctuation", () => {
    expect(foldText("  Zoë  Ødegård-Müller ")).toBe("zoe odegard muller");
    expect(normalisePersonName("O'Brien")).toBe("obrien");
    expect(normalisePersonName("José")).toBe(normalisePersonName("JOSE"));
    expect(normalisePersonName("Dr. Jane Smith Jr.")).toBe("jane smith");
    expect(normalisePersonName("   ")).toBeNull();
    expect(normalisePersonName(null)).toBeNull();
  });

  it("maps common nicknames to the formal name", () => {
    expect(canonicalGivenName("bill")).toBe("william");
    expect(canonicalGivenName("will")).toBe("william");
    expect(canonicalGivenName("billy")).toBe("william");
    expect(canonicalGivenName("bob")).toBe("robert");
    expect(canonicalGivenName("rob")).toBe("robert");
    expect(canonicalGivenName("liz")).toBe("elizabeth");
    expect(canonicalGivenName("beth")).toBe("elizabeth");
    expect(canonicalGivenName("peggy")).toBe("margaret");
    expect(canonicalGivenName("kathy")).toBe(canonicalGivenName("katherine"));
    expect(canonicalGivenName("william")).toBe("william");
    expect(canonicalGivenName("zebediah")).toBe("zebediah");
  });
});

describe("company names", () => {
  it("removes legal forms, punctuation and a leading The", () => {
    expect(normaliseCompanyName("The Acme Co., Ltd.")).toBe("acme");
    expect(normaliseCompanyName("ACME Inc")).toBe("acme");
    expect(normaliseCompanyName("Philips N.V.")).toBe("philips");
    expect(normaliseCompanyName("Heineken B.V.")).toBe("heineken");
    expect(normaliseCompanyName("Nestlé S.A.")).toBe("nestle");
    expect(normaliseCompanyName("Siemens AG")).toBe("siemens");
    expect(normaliseCompanyName("Müller GmbH")).toBe("muller");
    expect(normaliseCompanyName("Contoso Pty Ltd")).toBe("contoso");
    expect(normaliseCompanyName("Barclays PLC")).toBe("barclays");
    expect(normaliseCompanyName("Fabrikam Corp.")).toBe("fabrikam");
    expect(normaliseCompanyName("Smith LLC")).toBe("smith");
  });

  it("reads & as and, and keeps a name that is only a legal form", () => {
    expect(normaliseCompanyName("Johnson & Johnson")).toBe("johnson and johnson");
    expect(normaliseCompanyName("Marks & Spencer Group plc")).toBe("marks and spencer");
    expect(normaliseCompanyName("Procter & Gamble Co")).toBe("procter and gamble");
    expect(normaliseCompanyName("Company")).toBe("company");
  });
});

describe("emails", () => {
  it("lower-cases and trims, rejects what is not an address", () => {
    expect(normaliseEmail("  Jane.Doe@Contoso.COM ")).toBe("jane.doe@contoso.com");
    expect(normaliseEmail("jane.doe")).toBeNull();
    expect(normaliseEmail("a@b")).toBeNull();
    expect(normaliseEmail("a@@b.com")).toBeNull();
  });

  it("canonicalises Gmail dots and +tags unless turned off", () => {
    expect(normaliseEmail("J.Smith+crm@googlemail.com")).toBe("jsmith@gmail.com");
    expect(normaliseEmail("J.Smith+crm@gmail.com", { canonicalGmail: false })).toBe("j.smith+crm@gmail.com");
    expect(normaliseEmail("j.smith+crm@contoso.com")).toBe("j.smith+crm@contoso.com");
  });
});

describe("phones", () => {
  it("formats to E.164 with the default region", () => {
    expect(normalisePhone("(415) 555-0123", "US")).toBe("+14155550123");
    expect(normalisePhone("415.555.0123", "US")).toBe("+14155550123");
    expect(normalisePhone("+1 415 555 0123", "GB")).toBe("+14155550123");
    expect(normalisePhone("020 7946 0018", "GB")).toBe("+442079460018");
    expect(normalisePhone("0044 20 7946 0018", "US")).toBe("+442079460018");
    expect(normalisePhone("(02) 9374 4000", "AU")).toBe("+61293744000");
  });

  it("drops extensions and refuses too few digits", () => {
    expect(normalisePhone("415-555-0123 ext. 12", "US")).toBe("+14155550123");
    expect(normalisePhone("12345", "US")).toBeNull();
    expect(normalisePhone("n/a", "US")).toBeNull();
  });
});

describe("addresses, postcodes, ids, websites", () => {
  it("expands street abbreviations", () => {
    expect(normaliseAddress("12 Main St.")).toBe("12 main street");
    expect(normaliseAddress("12 Main Street")).toBe("12 main street");
    expect(normaliseAddress("5 Ocean Rd")).toBe("5 ocean road");
    expect(normaliseAddress("7 Park Ave, Apt 3")).toBe("7 park avenue unit 3");
    expect(normaliseAddress("10 St Kilda Rd")).toBe("10 saint kilda road");
  });

  it("reads words that are names of Object.prototype members as words", () => {
    expect(normaliseAddress("12 Constructor St")).toBe("12 constructor street");
    expect(normaliseAddress("St Constructor")).toBe("saint constructor");
    expect(normaliseCompanyName("Constructor Inc")).toBe("constructor");
    expect(normaliseCompanyName("toString Valueof Ltd")).toBe("tostring valueof");
  });

  it("normalises postcodes, identifiers and websites", () => {
    expect(normalisePostcode("sw1a 1aa")).toBe("SW1A1AA");
    expect(normalisePostcode("98052-6399")).toBe("98052");
    expect(normalisePostcode(2205)).toBe("2205");
    expect(normaliseIdentifier("123-45-6789")).toBe("123456789");
    expect(normaliseWebsite("https://www.Contoso.co.uk/about")).toBe("contoso.co.uk");
    expect(normaliseWebsite("contoso.com")).toBe("contoso.com");
  });
});

describe("dates", () => {
  it("reads several formats into yyyymmdd", () => {
    expect(normaliseDate("19151111")).toBe("19151111");
    expect(normaliseDate("1980-03-12")).toBe("19800312");
    expect(normaliseDate("1980-03-12T00:00:00Z")).toBe("19800312");
    expect(normaliseDate("12/03/1980", "DMY")).toBe("19800312");
    expect(normaliseDate("03/12/1980", "MDY")).toBe("19800312");
    expect(normaliseDate("25/12/1980", "MDY")).toBe("19801225");
    expect(normaliseDate("12 Mar 1980")).toBe("19800312");
    expect(normaliseDate("March 12, 1980")).toBe("19800312");
    expect(normaliseDate("1/2/75", "DMY")).toBe("19750201");
    expect(normaliseDate("not a date")).toBeNull();
  });

  it("keeps an 8-digit typo as typed", () => {
    expect(normaliseDate("19151311")).toBe("19151311");
  });
});

describe("prepareRecord", () => {
  it("reads the Dataverse columns of each table", () => {
    const contact = prepareRecord("contact", { id: "1", values: { firstname: "Bill", lastname: "Smith", emailaddress1: "B@X.com", mobilephone: "415 555 0123", birthdate: "1980-03-12" } }, 0);
    expect(contact).toMatchObject({ firstName: "bill", firstCanonical: "william", lastName: "smith", emails: ["b@x.com"], phones: ["+14155550123"], birthDate: "19800312", name: "Bill Smith" });
    const account = prepareRecord("account", { id: "2", values: { name: "The Contoso Ltd", websiteurl: "www.contoso.com" } }, 1);
    expect(account).toMatchObject({ companyName: "contoso", website: "contoso.com", firstName: null, name: "The Contoso Ltd" });
    const lead = prepareRecord("lead", { id: "3", values: { firstname: "Ann", lastname: "Lee", companyname: "Contoso Inc." } }, 2);
    expect(lead).toMatchObject({ companyName: "contoso", firstName: "ann", lastName: "lee" });
  });
});

describe("the North American phone fast path", () => {
  it("gives exactly what libphonenumber gives", () => {
    const samples = ["(415) 555-0123", "1-415-555-0123", "+1 415 555 0123", "4155550123", "+1 (604) 555-0199", "212.555.7000", "1 (800) 555-0100"];
    for (let i = 0; i < 200; i++) samples.push(`${200 + ((i * 37) % 800)}-${200 + ((i * 53) % 800)}-${String((i * 7919) % 10000).padStart(4, "0")}`);
    for (const region of ["US", "CA", "JM"]) {
      for (const raw of samples) {
        const expected = parsePhoneNumberFromString(raw, region as "US")!;
        expect(expected.isPossible()).toBe(true);
        expect(normalisePhone(raw, region)).toBe(expected.number);
      }
    }
    // +1 numbers read the same from any region; national numbers elsewhere are not NANP
    expect(normalisePhone("+1 415 555 0123", "DE")).toBe("+14155550123");
    expect(normalisePhone("0415 555 012", "AU")).toBe(parsePhoneNumberFromString("0415 555 012", "AU")!.number);
  });
});
