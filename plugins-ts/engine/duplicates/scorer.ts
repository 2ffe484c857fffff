/**
 * Scores and explains one pair of prepared records with a parameter set.
 */
import { FIELD_SPECS, levelName, levelOf, OTHER_LEGAL_FORM, type FieldSpec, type LevelName } from "./compare";
import { TABLE_COLUMNS, type DuplicateTable, type FieldName, type PreparedRecord } from "./fields";
import { FellegiSunter, type ModelParameters } from "./model";
import { tfAdjustment, type FieldFrequencies } from "./frequencies";
import { conflictsApply, findConflicts, weightAfterConflicts, type Conflict } from "./conflicts";

/** One field's part in a pair's score. */
export interface FieldExplanation {
  field: FieldName;
  /** The Dataverse-flavoured name shown to people ("lastname", "address1_postalcode"). */
  label: string;
  level: LevelName;
  /** Similarity 0..1 (null when missing). */
  similarity: number | null;
  /** log2(m/u) of the level: what this field added to (or took from) the match weight. */
  weight: number;
  left: string | null;
  right: string | null;
  /** Extra detail: "nickname: bill = william", "1 edit", "day and month swapped". */
  note?: string;
  /** Exact agreement on a value this many records share (term frequency); its adjustment is in `weight`. */
  sharedBy?: number;
  /** What the term-frequency adjustment added to (or took from) the exact level's weight. */
  tfAdjustment?: number;
  /** A contradiction between two organisations (another site, another business); its penalty is in `weight`. */
  conflict?: string;
}

export interface PairExplanation {
  /** Σ field weights. */
  weight: number;
  /** log2(λ/(1-λ)). */
  priorWeight: number;
  probability: number;
  fields: FieldExplanation[];
}

function noteFor(spec: FieldSpec, a: PreparedRecord, b: PreparedRecord, similarity: number): string | undefined {
  if (similarity < 0 || similarity === 1) return undefined;
  switch (spec.name) {
    case "firstName":
      if (a.firstName != null && b.firstName != null && a.firstCanonical === b.firstCanonical) {
        return `nickname: ${a.firstName} = ${b.firstName} (${a.firstCanonical})`;
      }
      if (similarity === 0.93) return "given name and surname swapped";
      return undefined;
    case "lastName":
      if (similarity === 0.93) return "given name and surname swapped";
      return undefined;
    case "birthDate": {
      const x = a.birthDate ?? "";
      const y = b.birthDate ?? "";
      if (similarity === 0.9 && x !== y && x.slice(4, 6) === y.slice(6, 8) && x.slice(6, 8) === y.slice(4, 6)) return "day and month swapped";
      return similarity === 0.9 ? "1 edit" : similarity === 0.8 ? "2 edits" : undefined;
    }
    case "governmentId":
    case "postcode":
    case "phone":
      return similarity === 0.9 ? "1 edit" : similarity === 0.8 ? "2 edits" : undefined;
    case "companyName":
      if (similarity === OTHER_LEGAL_FORM && a.companyName === b.companyName) return `same name, other legal form: ${a.legalForm} vs ${b.legalForm}`;
      return similarity === 0.97 ? "same name, different spacing" : similarity === 0.95 ? "same words, different order" : undefined;
    default:
      return undefined;
  }
}

const NO_CONFLICTS: readonly Conflict[] = Object.freeze([]);

/** Scores pairs of prepared records with one parameter set (and, from a matcher run, the data's term frequencies). */
export class PairScorer {
  readonly model: FellegiSunter;
  /** Index into FIELD_SPECS of each parameter field. */
  readonly specIndexes: number[];
  /** Per parameter field: its term frequencies, when measured. */
  readonly frequencies: (FieldFrequencies | undefined)[];
  private readonly levels: Uint8Array;
  private readonly conflictsOfPattern = new Map<number, readonly Conflict[]>();

  constructor(readonly parameters: ModelParameters, frequencies: readonly FieldFrequencies[] = []) {
    this.model = new FellegiSunter(parameters);
    this.specIndexes = parameters.fields.map((f) => {
      const i = FIELD_SPECS.findIndex((s) => s.name === f.field);
      if (i < 0) throw new Error(`model parameters name an unknown field "${f.field}"`);
      if (f.m.length !== FIELD_SPECS[i].levels.length || f.u.length !== f.m.length) {
        throw new Error(`model parameters for field "${f.field}" have ${f.m.length} levels, expected ${FIELD_SPECS[i].levels.length}`);
      }
      return i;
    });
    this.frequencies = parameters.fields.map((f) => frequencies.find((x) => x.field === f.field));
    this.levels = new Uint8Array(parameters.fields.length);
  }

  /** Whether any field at level 1 (exact) in `levels` has term frequencies. */
  hasTermFrequency(levels: ArrayLike<number>): boolean {
    for (let k = 0; k < this.frequencies.length; k++) if (levels[k] === 1 && this.frequencies[k]) return true;
    return false;
  }

  /** Σ term-frequency adjustments of the fields that agree exactly (`levels` per parameter field). */
  termFrequencyWeight(a: PreparedRecord, b: PreparedRecord, levels: ArrayLike<number>): number {
    let w = 0;
    for (let k = 0; k < this.frequencies.length; k++) {
      const f = this.frequencies[k];
      if (f && levels[k] === 1) w += tfAdjustment(f, a, b)?.adjustment ?? 0;
    }
    return w;
  }

  /**
   * The contradictions of a pattern between records of tables `ta` and `tb` (`levels` per
   * parameter field). They depend on the levels alone, so they are worked out once per pattern
   * (a pattern's levels as one number, at most 7 levels a field) and the list is shared: callers
   * must not change it.
   */
  conflicts(levels: ArrayLike<number>, ta: DuplicateTable, tb: DuplicateTable): readonly Conflict[] {
    if (!conflictsApply(ta, tb)) return NO_CONFLICTS;
    let code = 0;
    for (let k = 0; k < this.specIndexes.length; k++) code = code * 8 + levels[k];
    let found = this.conflictsOfPattern.get(code);
    if (found === undefined) {
      found = findConflicts((field) => {
        const k = this.parameters.fields.findIndex((f) => f.field === field);
        return k < 0 ? "missing" : levelName(FIELD_SPECS[this.specIndexes[k]], levels[k]);
      });
      this.conflictsOfPattern.set(code, found);
    }
    return found;
  }

  /** A pattern's weight `weight` after the contradictions of its levels (tables `ta`, `tb`). */
  afterConflicts(weight: number, levels: ArrayLike<number>, ta: DuplicateTable, tb: DuplicateTable): number {
    return weightAfterConflicts(weight, this.conflicts(levels, ta, tb), this.model.priorWeight);
  }

  /** Match weight (without the prior) of a pair. */
  weight(a: PreparedRecord, b: PreparedRecord): number {
    for (let k = 0; k < this.specIndexes.length; k++) {
      const spec = FIELD_SPECS[this.specIndexes[k]];
      this.levels[k] = levelOf(spec, spec.similarity(a, b));
    }
    return this.weightAt(a, b, this.levels);
  }

  /**
   * Match weight of a pair whose comparison levels are already known (`levels` per parameter
   * field, as `weight` would find them): the matcher scores a candidate pair from its stored
   * pattern and only looks up the term frequencies of the values that agree exactly.
   */
  weightAt(a: PreparedRecord, b: PreparedRecord, levels: ArrayLike<number>): number {
    return this.afterConflicts(this.model.weight(levels) + this.termFrequencyWeight(a, b, levels), levels, a.table, b.table);
  }

  /** Match probability of a pair. */
  probability(a: PreparedRecord, b: PreparedRecord): number {
    return this.model.probability(this.weight(a, b));
  }

  /** The full explanation of a pair: every field's level, similarity and weight. */
  explain(a: PreparedRecord, b: PreparedRecord): PairExplanation {
    const fields: FieldExplanation[] = [];
    let weight = 0;
    const similarities = this.specIndexes.map((si) => FIELD_SPECS[si].similarity(a, b));
    const levels = similarities.map((sim, k) => levelOf(FIELD_SPECS[this.specIndexes[k]], sim));
    const conflicts = this.conflicts(levels, a.table, b.table);
    for (let k = 0; k < this.specIndexes.length; k++) {
      const spec = FIELD_SPECS[this.specIndexes[k]];
      const similarity = similarities[k];
      const level = levels[k];
      const tf = level === 1 && this.frequencies[k] ? tfAdjustment(this.frequencies[k]!, a, b) : null;
      const conflict = conflicts.find((c) => c.field === spec.name);
      const w = this.model.weights[k][level] + (tf?.adjustment ?? 0);
      weight += w;
      // a field neither table has (a contact's company) says nothing: leave it out
      if (level === 0 && TABLE_COLUMNS[a.table][spec.name] === undefined && TABLE_COLUMNS[b.table][spec.name] === undefined) continue;
      const note = noteFor(spec, a, b, similarity);
      // optional properties assigned in their order (as the spread form did), without a temporary object each
      const field: FieldExplanation = {
        field: spec.name,
        label: spec.label,
        level: levelName(spec, level),
        similarity: similarity < 0 ? null : Math.round(similarity * 1000) / 1000,
        weight: Math.round(w * 100) / 100,
        left: spec.show(a),
        right: spec.show(b),
      };
      if (note) field.note = note;
      if (tf) {
        field.sharedBy = tf.count;
        field.tfAdjustment = Math.round(tf.adjustment * 100) / 100;
      }
      if (conflict) field.conflict = conflict.note;
      fields.push(field);
    }
    if (conflicts.length > 0) {
      // the contradiction's cost shows on the field that carries it
      const after = weightAfterConflicts(weight, conflicts, this.model.priorWeight);
      const carrier = fields.find((f) => f.field === conflicts[0].field);
      if (carrier) carrier.weight = Math.round((carrier.weight + after - weight) * 100) / 100;
      weight = after;
    }
    return { weight, priorWeight: this.model.priorWeight, probability: this.model.probability(weight), fields };
  }
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}`;
}

/**
 * One line for people and CSV files, fields ordered by how much they weighed:
 * "lastname exact +8.1; firstname close 0.95 (nickname: bill = william) +5.2; email missing;
 *  … = weight 14.2, prior −12.3, probability 0.996".
 */
export function formatExplanation(e: PairExplanation): string {
  const parts = [...e.fields]
    .sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight))
    .map((f) => {
      if (f.level === "missing") return `${f.label} missing`;
      const sim = f.level === "exact" || f.similarity == null ? "" : ` ${f.similarity.toFixed(2)}`;
      const notes = [f.note, f.sharedBy !== undefined && f.tfAdjustment ? `${f.sharedBy} records share it, ${signed(f.tfAdjustment)}` : undefined, f.conflict].filter((x) => x);
      const note = notes.length ? ` (${notes.join("; ")})` : "";
      return `${f.label} ${f.level}${sim}${note} ${signed(f.weight)}`;
    });
  return `${parts.join("; ")} = weight ${signed(e.weight)}, prior ${signed(e.priorWeight)}, probability ${e.probability.toFixed(4)}`;
}

const NAME_FIELDS: ReadonlySet<FieldName> = new Set(["companyName", "firstName", "lastName"]);

/**
 * A short reason for the record panel, the CLI and the audit: the fields that agreed, strongest
 * first, with what each added ("same phone (+6.0); company ≈ 'contoso pharmaceuticals' vs
 * 'contoso pharma' (+4.1)"); a contradiction that kept the pair apart ("another site: …"); and,
 * when a name is all the two records have in common to compare, "nothing else to compare".
 */
export function shortReason(e: PairExplanation): string {
  const agreed = [...e.fields]
    .filter((f) => f.weight > 0 && f.level !== "missing")
    .sort((x, y) => y.weight - x.weight)
    .slice(0, 4)
    .map((f) => {
      const notes = [f.note, f.sharedBy !== undefined && f.tfAdjustment ? `${f.sharedBy} records share it` : undefined].filter((x) => x);
      const note = notes.length ? `, ${notes.join(", ")}` : "";
      if (f.level === "exact") return `same ${f.label}${notes.length ? ` (${notes.join(", ")})` : ""} (${signed(f.weight)})`;
      return `${f.label} ≈ '${f.left ?? ""}' vs '${f.right ?? ""}' (${f.level}${note}, ${signed(f.weight)})`;
    });
  const compared = e.fields.filter((f) => f.level !== "missing");
  const parts = [...e.fields.filter((f) => f.conflict).map((f) => f.conflict!), ...agreed];
  if (compared.length > 0 && compared.every((f) => NAME_FIELDS.has(f.field)) && agreed.length > 0) parts.push("nothing else to compare");
  return parts.length ? parts.join("; ") : "weak agreement on several fields";
}
