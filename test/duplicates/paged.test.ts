/**
 * Matching records that arrive in pages (paged.ts): the answer is the one-array answer, whatever
 * the page size, for deduplication and for linking; misuse is refused with a message.
 */
import { deduplicate, deduplicatePages, link, PagedRecords, type MatchRecord, type MatchResult } from "../../plugins-ts/engine/duplicates";
import { contactPages, generateContacts } from "../../bench/dedupe/generate";
import { generateOrganisations, organisationPages } from "../../bench/dedupe/organisations";

function pagesOf<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Everything a user sees of a result: pairs with their explanations, clusters, the model, the counts. */
function seen(r: MatchResult): string {
  return JSON.stringify([r.pairs, r.clusters, r.model, r.stats]);
}

describe("matching in pages", () => {
  const { records } = generateContacts(1000, 5);
  const whole = deduplicate({ table: "contact", records }, { region: "US" });

  it("finds the same pairs, explanations and clusters as one array, for any page size, with progress across pages", () => {
    expect(whole.stats.matches).toBeGreaterThan(50);
    expect(seen(deduplicatePages("contact", pagesOf(records, 1), { region: "US" }))).toBe(seen(whole));
    const progress: [number, number][] = [];
    const onProgress = (stage: string, done: number, total: number): void => {
      if (stage === "prepare") progress.push([done, total]);
    };
    const paged = deduplicatePages("contact", pagesOf(records, 333), { region: "US", onProgress }, records.length);
    expect(seen(paged)).toBe(seen(whole));
    expect(progress.length).toBeGreaterThan(50);
    expect(progress[progress.length - 1]).toEqual([1000, 1000]);
    expect(progress.every(([d, t], i) => d <= t && (i === 0 || d >= progress[i - 1][0]))).toBe(true);
  });

  it("links a right file added after endLeft() as link() does", () => {
    const accounts = generateOrganisations(400, "address-rich", 3).records;
    const leads: MatchRecord[] = accounts.slice(0, 200).map((a, i) => ({ id: `l${i}`, values: { companyname: a.values.name, telephone1: a.values.telephone1, websiteurl: a.values.websiteurl } }));
    const expected = link({ table: "account", records: accounts }, { table: "lead", records: leads }, { region: "US" });
    const collection = new PagedRecords({ region: "US" });
    for (const page of pagesOf(accounts, 128)) collection.add("account", page);
    collection.endLeft();
    for (const page of pagesOf(leads, 50)) collection.add("lead", page);
    expect(collection.count).toBe(600);
    const paged = collection.link();
    expect(paged.stats.leftRecords).toBe(400);
    expect(paged.stats.matches).toBeGreaterThan(100);
    expect(seen(paged)).toBe(seen(expected));
  });

  it("refuses to add after matching, to match twice, or to link without endLeft()", () => {
    const c = new PagedRecords();
    c.add("contact", records.slice(0, 20));
    expect(() => c.link()).toThrow(/endLeft/);
    c.deduplicate();
    expect(() => c.add("contact", records.slice(20, 30))).toThrow(/after the collection was matched/);
    expect(() => c.deduplicate()).toThrow(/matched once/);
  });
});

describe("the bench generators' pages", () => {
  it("are the whole generator's records, cut into pages, with the same truth", () => {
    const contacts = generateContacts(12_000, 42);
    const entity = new Int32Array(12_000);
    const pages = [...contactPages(12_000, 42, entity, 5000)];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toEqual(contacts.records);
    expect(entity).toEqual(contacts.entity);

    const orgs = generateOrganisations(3000, "name-only", 7);
    const orgEntity = new Int32Array(3000);
    const orgPages = [...organisationPages(3000, "name-only", 7, orgEntity, 1000)];
    expect(orgPages.length).toBeGreaterThan(2);
    expect(orgPages.flat()).toEqual(orgs.records);
    expect(orgEntity).toEqual(orgs.entity);
  });
});
