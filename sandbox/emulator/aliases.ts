/**
 * OData parameter aliases (`$filter=name eq @p1&@p1='Contoso'`, `LastXHours(PropertyName=@p1,
 * PropertyValue=@p2)`, `RetrieveTotalRecordCount(EntityNames=@p1)`), as Microsoft's docs and samples
 * use them: each `@name` outside a string literal in `$filter`, `$orderby` or the path is replaced by
 * the value of the query parameter `@name`. An alias without a value is a 400 naming it; a value
 * may not itself refer to an alias.
 */
import { badQuery } from "./errors";

/** Replaces `@alias` tokens outside '…' literals. */
export function substituteAliases(text: string, query: URLSearchParams, where: string): string {
  if (!text.includes("@")) return text;
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") inString = !inString;
    if (inString || ch !== "@") {
      out += ch;
      continue;
    }
    const m = /^@([A-Za-z_]\w*)/.exec(text.slice(i));
    if (!m) {
      out += ch;
      continue;
    }
    const value = query.get(`@${m[1]}`);
    if (value === null) throw badQuery(`The parameter alias '@${m[1]}' in ${where} has no value. Add '&@${m[1]}=<value>' to the query string.`);
    if (/^\s*@/.test(value)) throw badQuery(`The value of the parameter alias '@${m[1]}' refers to another alias, which the emulator doesn't resolve.`);
    out += value;
    i += m[0].length - 1;
  }
  return out;
}

/** The query with aliases resolved in $filter and $orderby (other options are left as they are). */
export function resolveQueryAliases(query: URLSearchParams): URLSearchParams {
  if (![...query.keys()].some((k) => k.startsWith("@"))) {
    for (const k of ["$filter", "$orderby"]) {
      const v = query.get(k);
      if (v !== null) substituteAliases(v, query, k); // throws for an alias without a value
    }
    return query;
  }
  const out = new URLSearchParams(query);
  for (const k of ["$filter", "$orderby"]) {
    const v = query.get(k);
    if (v !== null) out.set(k, substituteAliases(v, query, k));
  }
  return out;
}
