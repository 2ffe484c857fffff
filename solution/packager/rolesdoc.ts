import { privilegeName } from "./customizations";
import { SYSTEM_TABLES, logicalNameOf } from "./source";
import type { ColumnSource, PrivilegeVerb, SolutionSource } from "./types";

const VERBS: [PrivilegeVerb, string][] = [
  ["create", "Create"],
  ["read", "Read"],
  ["write", "Write"],
  ["delete", "Delete"],
  ["append", "Append"],
  ["appendTo", "Append To"],
  ["assign", "Assign"],
  ["share", "Share"],
];

const DEPTH_WORDS: Record<string, string> = { Basic: "User", Local: "Business unit", Deep: "Parent: child BUs", Global: "Organization" };

function tableLabel(s: SolutionSource, table: string): string {
  const own = s.tables.find((t) => logicalNameOf(t.schemaName) === table);
  return own ? `${own.displayName} (\`${table}\`)` : `${SYSTEM_TABLES[table]?.displayName ?? table} (\`${table}\`)`;
}

/**
 * The privilege matrix of every role as Markdown, generated from roles.json, so
 * docs/security-roles.md can be checked against the roles the solution actually ships.
 */
export function renderRoleMatrix(s: SolutionSource): string {
  const out: string[] = [];
  for (const role of s.roles) {
    out.push(`### ${role.name}`, "", role.description, "");
    out.push(`| Table | ${VERBS.map(([, label]) => label).join(" | ")} | Why |`);
    out.push(`|---|${VERBS.map(() => "---").join("|")}|---|`);
    for (const p of role.tables) {
      const cells = VERBS.map(([verb]) => (p[verb] ? DEPTH_WORDS[p[verb]] : "—"));
      out.push(`| ${tableLabel(s, p.table)} | ${cells.join(" | ")} | ${p.why} |`);
    }
    out.push("");
  }
  if (s.fieldSecurityProfiles.length > 0) {
    out.push("### Column security profiles", "");
    out.push("| Profile | Column | Read | Set on create | Update | Who belongs in it |");
    out.push("|---|---|---|---|---|---|");
    const yes = (b: boolean): string => (b ? "Yes" : "No");
    for (const p of s.fieldSecurityProfiles) {
      for (const x of p.permissions) out.push(`| ${p.name} | \`${x.table}.${x.column}\` | ${yes(x.read)} | ${yes(x.create)} | ${yes(x.update)} | ${p.description} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** Every privilege name a role grants, for reviewers who want the exact Dataverse names. */
export function privilegeNames(s: SolutionSource, roleName: string): string[] {
  const role = s.roles.find((r) => r.name === roleName);
  return (role?.tables ?? []).flatMap((p) => VERBS.filter(([v]) => p[v]).map(([v]) => `${privilegeName(s, p.table, v)} (${p[v] ?? ""})`));
}

function columnType(c: ColumnSource): string {
  switch (c.type) {
    case "text":
      return `Text (${c.maxLength})`;
    case "memo":
      return `Multiline text (${c.maxLength})${c.format === "json" ? ", JSON" : ""}`;
    case "int":
      return "Whole number";
    case "decimal":
      return `Decimal (${c.precision} places, ${c.min}–${c.max})`;
    case "datetime":
      return "Date and time";
    case "boolean":
      return "Yes/No";
    case "choice":
      return "Choice";
    case "lookup":
      return `Lookup → ${c.target}`;
  }
}

/** The tables, columns, choice values, keys and views as Markdown (solution/README.md shows it; a test keeps them equal). */
export function renderDataModel(s: SolutionSource): string {
  const out: string[] = [];
  for (const t of s.tables) {
    out.push(`### ${t.displayName} (\`${logicalNameOf(t.schemaName)}\`)`, "", t.description, "", "| Column | Type | Notes |", "|---|---|---|");
    out.push(`| \`${logicalNameOf(t.primaryName.schemaName)}\` | Text (${t.primaryName.maxLength}), primary name | ${t.primaryName.description} |`);
    for (const c of t.columns) {
      let notes = c.description;
      if (c.type === "choice") {
        const opts = c.options ?? s.choices.find((x) => x.name === c.choice)?.options ?? [];
        notes += ` ${c.choice ? `Global choice \`${c.choice}\`: ` : ""}${opts.map((o) => `${o.label} = ${o.value}`).join(", ")}.`;
      }
      if (c.secured) notes += " Secured column.";
      out.push(`| \`${logicalNameOf(c.schemaName)}\` | ${columnType(c)}${c.required ? ", required" : ""} | ${notes} |`);
    }
    for (const k of t.keys ?? []) out.push("", `Alternate key \`${logicalNameOf(k.schemaName)}\`: ${k.columns.map((c) => `\`${c}\``).join(" + ")}.`);
    out.push("", `Views: ${t.views.filter((v) => v.type === "public").map((v) => `“${v.name}”`).join(", ")}.`, "");
  }
  return out.join("\n");
}
