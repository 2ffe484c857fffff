/**
 * Placeholder and junk values: what people type to get past a required field.
 * Kept as data so the list can be read and extended by a pack's `extraValues`.
 */

export const PLACEHOLDER_VALUES: readonly string[] = [
  "test",
  "testing",
  "tester",
  "test test",
  "n/a",
  "na",
  "n.a.",
  "none",
  "null",
  "nil",
  "unknown",
  "tbd",
  "tba",
  "tbc",
  "to be confirmed",
  "asdf",
  "asdfgh",
  "qwerty",
  "qwertz",
  "abc",
  "abcd",
  "abc123",
  "xxx",
  "xyz",
  "sample",
  "dummy",
  "fake",
  "foo",
  "bar",
  "foobar",
  "blah",
  "no name",
  "noname",
  "no email",
  "noemail",
  "nomail",
  "no phone",
  "nophone",
  "-",
  "--",
  ".",
  "..",
  "?",
  "??",
  "0",
  "1234",
  "12345",
  "123456",
  "1234567890",
  "0000000000",
  "x",
  "a",
];

const PLACEHOLDER_EMAIL_LOCALS = new Set(["test", "asdf", "noemail", "no-email", "nomail", "none", "na", "n/a", "dummy", "fake", "sample", "xxx", "abc", "a", "x", "unknown", "asdfgh", "qwerty", "test123", "testing"]);
const PLACEHOLDER_EMAIL_DOMAINS = new Set([
  "example.com",
  "example.org",
  "example.net",
  "test.com",
  "test.test",
  "email.com",
  "domain.com",
  "none.com",
  "noemail.com",
  "nomail.com",
  "asdf.com",
  "xxx.com",
  "fake.com",
  "invalid.com",
]);

/** Placeholder email addresses: test@test.com, noemail@…, anything@example.com. */
export function isPlaceholderEmail(value: string): boolean {
  const v = value.trim().toLowerCase();
  const at = v.lastIndexOf("@");
  if (at < 0) return false;
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (PLACEHOLDER_EMAIL_DOMAINS.has(domain)) return true;
  return PLACEHOLDER_EMAIL_LOCALS.has(local);
}

/** Legal forms and generic nouns that people put after a placeholder: "Test Ltd", "Test Account", "Dummy Customer". */
const LEGAL_FORMS = /[\s,]+(ltd|limited|inc|incorporated|llc|llp|plc|gmbh|ag|sa|sarl|bv|nv|corp|corporation|co|company|group|pty|account|customer|client|contact|lead|user|record|opportunity|deal)\.?$/;

/** Words that are never a real name, even with a legal form after them ("ABC Ltd" may be real; "Test Ltd" is not). */
const STRONG_PLACEHOLDERS = new Set(["test", "testing", "tester", "xxx", "xxxx", "dummy", "sample", "fake", "asdf", "qwerty", "tbd", "unknown", "n/a", "none", "foo", "foobar", "blah"]);

export function makePlaceholderMatcher(extra: readonly string[] = []): (value: string) => string | null {
  const set = new Set([...PLACEHOLDER_VALUES, ...extra.map((x) => x.trim().toLowerCase())]);
  return (value: string): string | null => {
    const v = value.trim().toLowerCase();
    if (!v) return null;
    if (set.has(v)) return `"${value.trim()}" is a placeholder`;
    if (v.includes("@") && isPlaceholderEmail(v)) return `"${value.trim()}" is a placeholder address`;
    // "Test Ltd", "Xxx Inc.", "Dummy Company": a placeholder behind a legal form is still a placeholder.
    const bare = v.replace(LEGAL_FORMS, "").trim();
    if (bare !== v && STRONG_PLACEHOLDERS.has(bare)) return `"${value.trim()}" is a placeholder`;
    const compact = v.replace(/[\s.\-()/+]/g, "");
    // one character repeated: "aaaa", "xxxxx", "0000000"
    if (compact.length >= 3 && /^(.)\1+$/.test(compact)) return `"${value.trim()}" is one character repeated`;
    // keyboard runs typed to get past a required field
    if (compact.length >= 4 && ("qwertyuiopasdfghjklzxcvbnm".includes(compact) || "0123456789".includes(compact))) {
      return `"${value.trim()}" is a keyboard run`;
    }
    return null;
  };
}
