import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SOURCE_DIR, SolutionSourceError, loadSolutionSource, solutionVersion } from "../../solution/packager";
import { uuidV5 } from "../../solution/packager/ids";

/** A copy of solution/src that a test may break. */
function sourceCopy(): { dir: string; edit(file: string, change: (json: Record<string, unknown>) => void): void; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vitals-solution-src-"));
  cpSync(DEFAULT_SOURCE_DIR, dir, { recursive: true });
  return {
    dir,
    edit(file, change) {
      const path = join(dir, ...file.split("/"));
      const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
      change(json);
      writeFileSync(path, JSON.stringify(json, null, 2));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const problemsOf = (dir: string): string[] => {
  try {
    loadSolutionSource(dir, { version: "1.0.0.0" });
  } catch (err) {
    if (err instanceof SolutionSourceError) return err.problems;
    throw err;
  }
  return [];
};

type Json = Record<string, unknown>;
const views = (j: Json): Json[] => j.views as Json[];
const columns = (j: Json): Json[] => j.columns as Json[];

describe("the solution source", () => {
  it("the shipped source validates and describes what DESIGN.md stores", () => {
    const s = loadSolutionSource();
    expect(s.manifest.uniqueName).toBe("CrmVitals");
    expect(s.manifest.publisher).toMatchObject({ uniqueName: "crmvitals", customizationPrefix: "vit", optionValuePrefix: 10542 });
    const table = (name: string): string[] => {
      const t = s.tables.find((x) => x.schemaName.toLowerCase() === name);
      expect(t).toBeDefined();
      return [t!.primaryName.schemaName, ...t!.columns.map((c) => c.schemaName)].map((c) => c.toLowerCase());
    };
    expect(table("vit_recordhealth")).toEqual(
      expect.arrayContaining([
        "vit_name", "vit_table", "vit_recordid", "vit_score", "vit_grade", "vit_dimensions", "vit_findings", "vit_findingcount", "vit_topissue",
        "vit_fingerprint", "vit_scoredon", "vit_revisitafter", "vit_accountid", "vit_contactid", "vit_leadid", "vit_opportunityid", "vit_lastauditrunid",
      ]),
    );
    expect(table("vit_auditrun")).toEqual(
      expect.arrayContaining([
        "vit_mode", "vit_scope", "vit_status", "vit_startedon", "vit_finishedon", "vit_recordsscanned", "vit_recordschanged", "vit_overallscore",
        "vit_aggregates", "vit_requestsmade", "vit_throttledcount", "vit_checkpoint", "vit_rulepackversion", "vit_runby", "vit_error",
      ]),
    );
    expect(table("vit_waiver")).toEqual(expect.arrayContaining(["vit_table", "vit_recordid", "vit_ruleid", "vit_reason", "vit_waiverstatus", "vit_approvedby", "vit_approvedon", "vit_expireson"]));
    expect(table("vit_readinessassessment")).toEqual(expect.arrayContaining(["vit_answers", "vit_pillars", "vit_overallscore", "vit_assessedon"]));
    expect(s.environmentVariables.map((e) => [e.schemaName, e.type, e.default])).toEqual([
      ["vit_RulePack", "json", undefined],
      ["vit_AuditCadenceDays", "number", "30"],
      ["vit_GraphIntegrationEnabled", "boolean", "no"],
      ["vit_FixApproverMustDiffer", "boolean", "no"],
      ["vit_WaiverRequiresSeparateApprover", "boolean", "yes"],
      ["vit_DigestRecipients", "text", undefined],
    ]);
    expect(table("vit_fixrun")).toEqual(expect.arrayContaining(["vit_status", "vit_proposedby", "vit_approvedby", "vit_approvedon", "vit_scope", "vit_rules", "vit_counts", "vit_scorebefore", "vit_scoreafter"]));
    expect(table("vit_fixentry")).toEqual(
      expect.arrayContaining(["vit_fixrunid", "vit_table", "vit_recordid", "vit_columns", "vit_before", "vit_after", "vit_etagbefore", "vit_etagafter", "vit_outcome", "vit_errorcode"]),
    );
  });

  it("names the file and place of a schema violation", () => {
    const copy = sourceCopy();
    try {
      copy.edit("tables/vit_waiver.json", (j) => {
        columns(j)[0].maxLenght = 10;
      });
      copy.edit("solution.json", (j) => {
        (j.publisher as Json).optionValuePrefix = 5;
      });
      const problems = problemsOf(copy.dir);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/tables\/vit_waiver\.json: \/columns\/0: unknown property "maxLenght"/),
          expect.stringMatching(/solution\.json: \/publisher\/optionValuePrefix: must be >= 10000/),
        ]),
      );
    } finally {
      copy.cleanup();
    }
  });

  it("refuses references that do not resolve", () => {
    const copy = sourceCopy();
    try {
      copy.edit("tables/vit_recordhealth.json", (j) => {
        views(j)[1].columns = ["vit_name", "vit_nosuchcolumn"];
        columns(j).push({ schemaName: "vit_CaseId", type: "lookup", displayName: "Case", target: "incident", description: "x" });
      });
      copy.edit("tables/vit_auditrun.json", (j) => {
        (columns(j)[0].options as Json[])[0].value = 100000000;
      });
      copy.edit("app.json", (j) => {
        (j.roles as string[]).push("Vitals Auditor");
      });
      copy.edit("roles.json", (j) => {
        ((j.roles as Json[])[0].tables as Json[]).push({ table: "incident", read: "Global", why: "x" });
      });
      const problems = problemsOf(copy.dir);
      expect(problems).toEqual(
        expect.arrayContaining([
          'tables/vit_recordhealth.json: view "My records that need attention": unknown column "vit_nosuchcolumn"',
          'tables/vit_recordhealth.json: column vit_CaseId: lookup target "incident" is neither a table of this solution nor one of account, contact, lead, opportunity, systemuser',
          "tables/vit_auditrun.json: column vit_Mode: option value 100000000 does not start with the publisher's option value prefix 10542",
          'app.json: role "Vitals Auditor" is not defined in roles.json',
          'roles.json: role "Vitals User": unknown table "incident"',
        ]),
      );
    } finally {
      copy.cleanup();
    }
  });

  it("refuses a panel form on a table it doesn't know, for a control it doesn't declare, or twice", () => {
    const copy = sourceCopy();
    try {
      copy.edit("forms.json", (j) => {
        const forms = j.forms as Json[];
        j.control = "CrmVitals.Other";
        forms.push({ ...forms[0], table: "incident", formId: "4a63c8d1-6c1e-48ec-9db4-3e6c7155334c" }, { ...forms[1] });
      });
      expect(problemsOf(copy.dir)).toEqual(
        expect.arrayContaining([
          'forms.json: control "CrmVitals.Other" is not in controls.json',
          expect.stringMatching(/^forms\.json: "incident" is not a standard table the solution knows/),
          'forms.json: table "contact" is listed twice',
          "forms.json: form 1fed44d1-ae68-4a41-bd2b-f13acac4acfa is listed twice",
        ]),
      );
      copy.edit("forms.json", (j) => {
        (j.forms as Json[])[0].formId = "not-a-guid";
      });
      expect(problemsOf(copy.dir).join("\n")).toMatch(/forms\.json: \/forms\/0\/formId: must match pattern/);
    } finally {
      copy.cleanup();
    }
  });

  it("reports a file that is not JSON", () => {
    const copy = sourceCopy();
    try {
      writeFileSync(join(copy.dir, "choices.json"), "{ not json");
      expect(problemsOf(copy.dir)).toEqual([expect.stringMatching(/choices\.json: .*JSON/)]);
    } finally {
      copy.cleanup();
    }
  });
});

describe("versions and ids", () => {
  it("package.json's version becomes a four-part solution version", () => {
    expect(solutionVersion("0.1.0")).toBe("0.1.0.0");
    expect(solutionVersion("2.10.3.7")).toBe("2.10.3.7");
    expect(() => solutionVersion("1.0.0-beta.1")).toThrow(/without a pre-release or build suffix/);
  });

  it("ids are RFC 4122 version 5 UUIDs", () => {
    // the Python documentation's example: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
  });
});
