/**
 * `vitals dedupe` without `--map`: which CSV headers become which Dataverse columns. A header that
 * is a column the matcher reads for the table (`columnsOf`) is used as it is; common export
 * headers (Dynamics' own display names such as "Address 1: ZIP/Postal Code", and the usual
 * "First Name", "Email", "Company", "Business Phone", "ZIP/Postal Code", …) are recognised with
 * case, spaces and punctuation ignored. Everything else is ignored and reported. A file none of
 * whose headers can be used is refused with its headers and the columns that could be.
 * When two headers land on one column the first wins and the second is reported as ignored.
 */
import { columnsOf, type DuplicateTable } from "../../engine/duplicates";
import { UserError } from "../errors";
import type { ColumnMapping } from "../commands/dedupe";

/** Header (normalised by `headerKey`) → Dataverse columns it may mean, the first the table reads wins. */
const EXPORT_HEADERS: Record<string, readonly string[]> = {
  firstname: ["firstname"], givenname: ["firstname"], forename: ["firstname"],
  lastname: ["lastname"], surname: ["lastname"], familyname: ["lastname"],
  email: ["emailaddress1"], emailaddress: ["emailaddress1"], primaryemail: ["emailaddress1"], workemail: ["emailaddress1"],
  email2: ["emailaddress2"], emailaddress2: ["emailaddress2"], email3: ["emailaddress3"], emailaddress3: ["emailaddress3"],
  businessphone: ["telephone1"], phone: ["telephone1"], telephone: ["telephone1"], workphone: ["telephone1"], mainphone: ["telephone1"], phonenumber: ["telephone1"],
  mobilephone: ["mobilephone"], mobile: ["mobilephone"], cellphone: ["mobilephone"],
  homephone: ["telephone2"], otherphone: ["telephone2"],
  company: ["companyname", "name"], companyname: ["companyname", "name"], accountname: ["name"], account: ["name"], organisation: ["name"], organization: ["name"],
  website: ["websiteurl"], web: ["websiteurl"], url: ["websiteurl"], websiteurl: ["websiteurl"],
  street: ["address1_line1"], street1: ["address1_line1"], address: ["address1_line1"], address1: ["address1_line1"], addressline1: ["address1_line1"], address1street1: ["address1_line1"], mailingstreet: ["address1_line1"], billingstreet: ["address1_line1"],
  city: ["address1_city"], town: ["address1_city"], address1city: ["address1_city"], mailingcity: ["address1_city"], billingcity: ["address1_city"],
  zip: ["address1_postalcode"], zipcode: ["address1_postalcode"], postcode: ["address1_postalcode"], postalcode: ["address1_postalcode"], zippostalcode: ["address1_postalcode"],
  address1zippostalcode: ["address1_postalcode"], mailingzippostalcode: ["address1_postalcode"], billingzippostalcode: ["address1_postalcode"],
  birthday: ["birthdate"], birthdate: ["birthdate"], dateofbirth: ["birthdate"], dob: ["birthdate"],
  governmentid: ["governmentid"],
};

/** Case, spaces and punctuation ignored: "ZIP/Postal Code" → "zippostalcode", "address1_city" → "address1city". */
export function headerKey(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]+/g, "");
}

export interface GuessedMapping {
  mapping: ColumnMapping[];
  /** Header → column, in header order. */
  used: { header: string; column: string }[];
  /** Headers left out (the id column is neither used nor ignored), with why when it is not obvious. */
  ignored: { header: string; why?: string }[];
}

/** The mapping for a file whose headers are `headers`; throws a UserError naming `file` when nothing can be used. */
export function guessMapping(table: DuplicateTable, headers: readonly string[], idColumn: string, file: string): GuessedMapping {
  const readable = columnsOf(table);
  const byKey = new Map(readable.map((c) => [headerKey(c), c]));
  const used: GuessedMapping["used"] = [];
  const ignored: GuessedMapping["ignored"] = [];
  const taken = new Map<string, string>();
  for (const header of headers) {
    if (header === idColumn) continue;
    const key = headerKey(header);
    const column = byKey.get(key) ?? EXPORT_HEADERS[key]?.find((c) => readable.includes(c));
    if (!column) {
      ignored.push({ header });
      continue;
    }
    const first = taken.get(column);
    if (first !== undefined) {
      ignored.push({ header, why: `${column} already comes from "${first}"` });
      continue;
    }
    taken.set(column, header);
    used.push({ header, column });
  }
  if (used.length === 0) {
    throw new UserError(
      `${file}: none of the headers can be used to find ${table} duplicates, so pass --map header=column. ` +
        `The file has: ${headers.map((h) => `"${h}"`).join(", ")}. ` +
        `Columns that could be used: ${readable.join(", ")} (as they are, or as common export headers such as "First Name", "Last Name", "Email", "Company", "Business Phone", "ZIP/Postal Code").`,
    );
  }
  return { mapping: used.map((u) => ({ sources: [u.header], target: u.column })), used, ignored };
}

/** "columns of a.csv: "First Name" → firstname, …; ignored: "Notes", "Email 2" (emailaddress1 already …)" */
export function describeGuess(file: string, g: GuessedMapping): string {
  const used = g.used.map((u) => (u.header === u.column ? u.column : `"${u.header}" → ${u.column}`)).join(", ");
  const ignored = g.ignored.map((i) => `"${i.header}"${i.why ? ` (${i.why})` : ""}`).join(", ");
  return `columns of ${file} (no --map): ${used}; ignored: ${ignored || "none"}`;
}
