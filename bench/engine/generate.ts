/**
 * A seeded stream of realistic records for the engine benchmark: complete records with typical
 * defects mixed in (missing fields, malformed and placeholder values, stale dates, stuck stages).
 * Records are produced one at a time; nothing is held.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { EngineRecord } from "../../plugins-ts/engine";

const FIRST = ["Maria", "John", "Aiko", "Lars", "Fatima", "Chen", "Olivia", "Pierre", "Anna", "Mateo", "JOHN", "anna", "test", "Zoë", "Łukasz"];
const LAST = ["García", "Smith", "Tanaka", "Andersen", "Khan", "Wei", "Brown", "Dubois", "Kowalski", "Rossi", "SMITH", "lee", "asdf", "O'Brien"];
const COMPANIES = ["Contoso", "Fabrikam", "Northwind Traders", "Adventure Works", "Litware", "Tailspin Toys", "Woodgrove Bank", "test", "ALPINE SKI HOUSE"];
const DOMAINS = ["contoso.com", "fabrikam.co.uk", "northwind.de", "gmail.com", "example.com", "litware"];
const COUNTRIES: [string, string[], string[]][] = [
  ["United States", ["(425) 555-0100", "+1 206 555 0142", "425.555.0199", "555-0100"], ["98052", "10001", "9805"]],
  ["United Kingdom", ["020 7946 0958", "+44 161 496 0000", "0161 496"], ["SW1A 1AA", "M1 1AE", "12345"]],
  ["Germany", ["030 901820", "+49 89 1234567", "089"], ["10115", "80331", "ABC"]],
];
const STAGES = ["Qualify", "Develop", "Propose", "Close"];

export function* generateRecords(table: string, count: number, seed: number, now: Date): Generator<EngineRecord> {
  const rng = xoroshiro128plus(seed);
  const int = (min: number, max: number): number => uniformInt(rng, min, max);
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const maybe = <T>(pEmpty: number, v: T): T | null => (int(0, 999) < pEmpty * 1000 ? null : v);
  const daysAgo = (d: number): string => new Date(now.getTime() - d * 86_400_000).toISOString();
  const dateOnly = (d: number): string => daysAgo(d).slice(0, 10);

  for (let i = 0; i < count; i++) {
    const [country, phones, postcodes] = pick(COUNTRIES);
    const first = pick(FIRST);
    const last = pick(LAST);
    const domain = pick(DOMAINS);
    // unique values, as in a real CRM: no cache can flatter the result
    const email = int(0, 99) < 3 ? `${first}.${last}${i}@@${domain}` : `${first}.${last}${i}@${domain}`.toLowerCase();
    const phone = (): string => {
      const p = pick(phones);
      return int(0, 9) === 0 ? p : p.replace(/\d{4}$/, String(1000 + int(0, 8999)));
    };
    const id = `${table}-${i}`;
    const related = {
      lastActivityOn: int(0, 9) === 0 ? null : daysAgo(int(0, 400)),
      nextActivityDueOn: int(0, 4) === 0 ? null : daysAgo(int(-30, 10)),
      ownerEnabled: int(0, 49) !== 0,
      ownerName: "Owner",
      duplicates: int(0, 49) === 0 ? [{ table, id: `${table}-${i + 1}`, name: `${first} ${last}`, score: 0.93, reason: "same email; name Jaro-Winkler 0.97" }] : [],
      parents: {
        parentcustomerid: int(0, 19) === 0 ? null : { table: "account", id: "a", active: int(0, 29) !== 0, name: pick(COMPANIES), values: { websiteurl: `www.${pick(DOMAINS)}` } },
        parentaccountid: { table: "account", id: "a", active: true, name: pick(COMPANIES) },
        primarycontactid: { table: "contact", id: "c", active: true },
      },
      stage: { name: pick(STAGES), enteredOn: daysAgo(int(0, 120)) },
    };
    const common = {
      statecode: int(0, 9) === 0 ? 1 : 0,
      modifiedon: daysAgo(int(0, 700)),
      createdon: daysAgo(int(200, 900)),
      address1_country: maybe(0.05, country),
      address1_postalcode: maybe(0.1, pick(postcodes)),
      address1_city: maybe(0.1, "Redmond"),
      telephone1: maybe(0.15, phone()),
      emailaddress1: maybe(0.1, email),
    };
    let values: EngineRecord["values"];
    switch (table) {
      case "account":
        values = { ...common, name: pick(COMPANIES), websiteurl: maybe(0.2, `www.${domain}`), industrycode: maybe(0.3, int(1, 30)), revenue: maybe(0.4, int(-10, 1e9)), numberofemployees: maybe(0.4, int(0, 5000)), _primarycontactid_value: maybe(0.3, "c") };
        break;
      case "contact":
        values = { ...common, firstname: maybe(0.05, first), lastname: maybe(0.02, last), mobilephone: maybe(0.5, phone()), jobtitle: maybe(0.4, "Buyer"), _parentcustomerid_value: maybe(0.1, "a") };
        break;
      case "lead":
        values = { ...common, firstname: maybe(0.05, first), lastname: maybe(0.02, last), companyname: maybe(0.1, pick(COMPANIES)), subject: maybe(0.1, "Laptops"), mobilephone: maybe(0.5, phone()), leadsourcecode: maybe(0.3, int(1, 10)), websiteurl: maybe(0.5, `www.${domain}`), budgetamount: maybe(0.5, int(1000, 90000)), purchasetimeframe: maybe(0.5, int(0, 4)) };
        break;
      default:
        values = {
          ...common,
          name: maybe(0.02, `${pick(COMPANIES)} deal`),
          estimatedclosedate: maybe(0.1, dateOnly(int(-120, 60))),
          estimatedvalue: maybe(0.1, int(-5, 500000)),
          closeprobability: maybe(0.3, int(0, 110)),
          _parentaccountid_value: maybe(0.05, "a"),
          _parentcontactid_value: maybe(0.2, "c"),
          budgetamount: maybe(0.3, 50000),
          purchasetimeframe: maybe(0.3, 2),
          decisionmaker: int(0, 3) !== 0,
          customerneed: maybe(0.3, "Need"),
          proposedsolution: maybe(0.3, "Solution"),
          identifycustomercontacts: int(0, 3) !== 0,
          developproposal: int(0, 2) !== 0,
          presentproposal: int(0, 2) !== 0,
          finaldecisiondate: maybe(0.5, dateOnly(10)),
          filedebrief: false,
          actualvalue: null,
          actualclosedate: null,
        };
    }
    yield { table, id, values, related };
  }
}
