/**
 * Drops the parts of an OData `$filter` that name columns an organisation does not have, so the
 * engine's targeted duplicate query still runs on a trimmed schema: a comparison on a missing
 * column leaves an `or` list (the other alternatives still match) and voids an `and` group (it can
 * no longer be decided). Understands what the engine's query builder writes: comparisons
 * (`col eq 'v'`), `startswith`/`endswith`/`contains(col,'v')`, `and`/`or`, parentheses and quoted
 * strings with '' escapes.
 */
type Node = { kind: "atom"; text: string } | { kind: "and" | "or"; items: Node[] };

function tokenize(filter: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  let atom = "";
  const flush = () => {
    if (atom.trim()) tokens.push(atom.trim());
    atom = "";
  };
  while (i < filter.length) {
    const ch = filter[i];
    if (ch === "'") {
      let j = i + 1;
      while (j < filter.length && !(filter[j] === "'" && filter[j + 1] !== "'")) j += filter[j] === "'" ? 2 : 1;
      atom += filter.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "(" && /[A-Za-z]$/.test(atom)) {
      // A function call: keep it whole, quotes included.
      let depth = 0;
      let j = i;
      for (; j < filter.length; j++) {
        if (filter[j] === "'") {
          j++;
          while (j < filter.length && !(filter[j] === "'" && filter[j + 1] !== "'")) j += filter[j] === "'" ? 2 : 1;
        } else if (filter[j] === "(") depth++;
        else if (filter[j] === ")" && --depth === 0) break;
      }
      atom += filter.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "(" || ch === ")") {
      flush();
      tokens.push(ch);
      i++;
    } else if (/\s/.test(ch)) {
      const word = /^\s+(and|or)\s+/.exec(filter.slice(i));
      if (word) {
        flush();
        tokens.push(word[1]);
        i += word[0].length;
      } else {
        atom += ch;
        i++;
      }
    } else {
      atom += ch;
      i++;
    }
  }
  flush();
  return tokens;
}

function parse(tokens: string[]): Node {
  let at = 0;
  const primary = (): Node => {
    const t = tokens[at++];
    if (t === "(") {
      const inner = orExpr();
      if (tokens[at++] !== ")") throw new Error("unbalanced parentheses in $filter");
      return inner;
    }
    if (t === undefined || t === ")" || t === "and" || t === "or") throw new Error(`unexpected ${t ?? "end"} in $filter`);
    return { kind: "atom", text: t };
  };
  const andExpr = (): Node => {
    const items = [primary()];
    while (tokens[at] === "and") {
      at++;
      items.push(primary());
    }
    return items.length === 1 ? items[0] : { kind: "and", items };
  };
  const orExpr = (): Node => {
    const items = [andExpr()];
    while (tokens[at] === "or") {
      at++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { kind: "or", items };
  };
  const node = orExpr();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in $filter`);
  return node;
}

function columnOf(atom: string): string | null {
  const fn = /^\w+\(\s*(\w+)/.exec(atom);
  if (fn) return fn[1];
  const cmp = /^(\w+)\s/.exec(atom);
  return cmp ? cmp[1] : null;
}

function prune(node: Node, missing: ReadonlySet<string>): Node | null {
  if (node.kind === "atom") {
    const col = columnOf(node.text);
    return col !== null && missing.has(col) ? null : node;
  }
  const items = node.items.map((n) => prune(n, missing));
  if (node.kind === "and") return items.some((n) => n === null) ? null : { kind: "and", items: items as Node[] };
  const kept = items.filter((n): n is Node => n !== null);
  return kept.length === 0 ? null : kept.length === 1 ? kept[0] : { kind: "or", items: kept };
}

function print(node: Node, parent?: "and" | "or"): string {
  if (node.kind === "atom") return node.text;
  const text = node.items.map((n) => print(n, node.kind)).join(` ${node.kind} `);
  return parent ? `(${text})` : text;
}

/** The filter without what names a missing column, or null when nothing decidable is left. */
export function pruneFilter(filter: string, missing: ReadonlySet<string>): string | null {
  if (missing.size === 0) return filter;
  const pruned = prune(parse(tokenize(filter)), missing);
  return pruned ? print(pruned) : null;
}
