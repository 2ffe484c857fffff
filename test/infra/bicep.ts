/**
 * Enough of a Bicep reader to check infra/*.bicep offline (there is no Bicep CLI or .NET here):
 * tokens (strings with interpolation, multi-line strings, comments, brackets that must match),
 * the top-level declarations (param, var, resource, module, output, targetScope, with their
 * decorators) and the identifiers each one's expression refers to. Throws, naming the line, on
 * what Bicep would refuse to parse: an unterminated string or comment, a bracket that does not
 * match, a statement that is not a declaration.
 */
export type TokenKind = "ident" | "string" | "number" | "punct" | "newline";
export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

export interface Declaration {
  keyword: "param" | "var" | "resource" | "module" | "output" | "targetScope" | "type" | "func" | "import" | "metadata";
  name: string;
  /** param/output type; resource/module: the quoted type@version or path. */
  type?: string;
  existing?: boolean;
  decorators: string[];
  /** Identifiers used in the declaration's value (not property names, member names or function names). */
  references: string[];
  /** The value's tokens. */
  body: Token[];
  line: number;
}

const OPEN: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
const CLOSE = new Set(Object.values(OPEN));

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const stack: { ch: string; line: number }[] = [];
  const interp: number[] = []; // depth of `{` inside ${…} of a string, to resume the string after it
  const fail = (msg: string, at = line): never => {
    throw new Error(`line ${at}: ${msg}`);
  };
  const readString = (startLine: number): void => {
    // After the opening quote, or after the `}` closing an interpolation.
    let text = "";
    for (;;) {
      if (i >= src.length) fail("string is not terminated", startLine);
      const c = src[i];
      if (c === "\n") fail("string is not terminated before the end of the line", startLine);
      if (c === "\\") {
        text += src.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === "'") {
        i++;
        out.push({ kind: "string", text, line: startLine });
        return;
      }
      if (c === "$" && src[i + 1] === "{") {
        out.push({ kind: "string", text, line: startLine });
        out.push({ kind: "punct", text: "${", line });
        i += 2;
        interp.push(stack.length);
        stack.push({ ch: "{", line });
        return;
      }
      text += c;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      if (stack.length === 0 || stack[stack.length - 1].ch !== "(") out.push({ kind: "newline", text: "\n", line });
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) fail("comment is not terminated");
      line += src.slice(i, end).split("\n").length - 1;
      i = end + 2;
      continue;
    }
    if (src.startsWith("'''", i)) {
      const end = src.indexOf("'''", i + 3);
      if (end < 0) fail("multi-line string is not terminated");
      out.push({ kind: "string", text: src.slice(i + 3, end), line });
      line += src.slice(i, end).split("\n").length - 1;
      i = end + 3;
      continue;
    }
    if (c === "'") {
      i++;
      readString(line);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ kind: "ident", text: m, line });
      i += m.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(src.slice(i))![0];
      out.push({ kind: "number", text: m, line });
      i += m.length;
      continue;
    }
    if (OPEN[c]) {
      stack.push({ ch: c, line });
      out.push({ kind: "punct", text: c, line });
      i++;
      continue;
    }
    if (CLOSE.has(c)) {
      const top = stack.pop();
      if (!top || OPEN[top.ch] !== c) fail(`"${c}" does not match ${top ? `"${top.ch}" opened on line ${top.line}` : "anything"}`);
      out.push({ kind: "punct", text: c, line });
      i++;
      if (c === "}" && interp.length && interp[interp.length - 1] === stack.length) {
        interp.pop();
        readString(line);
      }
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||", "??", "?."].includes(two)) {
      out.push({ kind: "punct", text: two, line });
      i += 2;
      continue;
    }
    if ("=:,.?!<>+-*/%@".includes(c)) {
      out.push({ kind: "punct", text: c, line });
      i++;
      continue;
    }
    fail(`unexpected character "${c}"`);
  }
  if (stack.length) fail(`"${stack[stack.length - 1].ch}" is never closed`, stack[stack.length - 1].line);
  return out;
}

const KEYWORDS = new Set(["param", "var", "resource", "module", "output", "targetScope", "type", "func", "import", "metadata"]);
const NOT_REFERENCES = new Set(["true", "false", "null", "if", "for", "in", "existing", "az", "sys"]);

/** Identifiers a value refers to: skips property names (`x:`), members (`.x`) and function names (`x(`). */
function referencesOf(body: Token[]): string[] {
  const out = new Set<string>();
  body.forEach((t, k) => {
    if (t.kind !== "ident" || NOT_REFERENCES.has(t.text)) return;
    const prev = body[k - 1];
    const next = body[k + 1];
    if (prev && (prev.text === "." || prev.text === "?.")) return;
    if (next && (next.text === ":" || next.text === "(")) return;
    // A `for x in …` loop variable.
    if (prev?.text === "for") return;
    out.add(t.text);
  });
  return [...out];
}

export function parseBicep(src: string): Declaration[] {
  const tokens = tokenize(src);
  const decls: Declaration[] = [];
  let k = 0;
  let decorators: string[] = [];
  const skipNewlines = (): void => {
    while (tokens[k]?.kind === "newline") k++;
  };
  /** Tokens up to the newline that ends the statement (newlines inside brackets belong to it). */
  const untilEnd = (): Token[] => {
    const body: Token[] = [];
    let depth = 0;
    for (; k < tokens.length; k++) {
      const t = tokens[k];
      if (t.kind === "newline" && depth === 0) break;
      if (t.kind === "punct" && (OPEN[t.text] || t.text === "${")) depth++;
      if (t.kind === "punct" && CLOSE.has(t.text)) depth--;
      body.push(t);
    }
    return body;
  };
  for (skipNewlines(); k < tokens.length; skipNewlines()) {
    const t = tokens[k];
    if (t.text === "@") {
      k++;
      const d = untilEnd();
      decorators.push(d.map((x) => (x.kind === "string" ? `'${x.text}'` : x.text)).join(""));
      continue;
    }
    if (t.kind !== "ident" || !KEYWORDS.has(t.text)) throw new Error(`line ${t.line}: "${t.text}" does not start a declaration`);
    const keyword = t.text as Declaration["keyword"];
    k++;
    const decl: Declaration = { keyword, name: "", decorators, references: [], body: [], line: t.line };
    decorators = [];
    if (keyword === "targetScope") {
      if (tokens[k]?.text !== "=") throw new Error(`line ${t.line}: targetScope needs "="`);
      k++;
      decl.body = untilEnd();
      decls.push(decl);
      continue;
    }
    const name = tokens[k++];
    if (name?.kind !== "ident") throw new Error(`line ${t.line}: ${keyword} needs a name`);
    decl.name = name.text;
    if (keyword === "resource" || keyword === "module") {
      const type = tokens[k++];
      if (type?.kind !== "string") throw new Error(`line ${t.line}: ${keyword} ${decl.name} needs its type as a string`);
      decl.type = type.text;
      if (tokens[k]?.text === "existing") {
        decl.existing = true;
        k++;
      }
    } else if (keyword === "param" || keyword === "output") {
      const type = tokens[k++];
      if (type?.kind !== "ident") throw new Error(`line ${t.line}: ${keyword} ${decl.name} needs a type`);
      decl.type = type.text;
    }
    if (tokens[k]?.text === "=") k++;
    else if (keyword !== "param") throw new Error(`line ${t.line}: ${keyword} ${decl.name} needs "="`);
    decl.body = untilEnd();
    if (keyword !== "param" && decl.body.length === 0) throw new Error(`line ${t.line}: ${keyword} ${decl.name} has no value`);
    decl.references = referencesOf(decl.body);
    decls.push(decl);
  }
  if (decorators.length) throw new Error("a decorator at the end of the file decorates nothing");
  return decls;
}
