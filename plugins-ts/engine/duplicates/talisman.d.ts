// Type declarations for the parts of talisman (which ships no types) that the matcher uses.
declare module "talisman/metrics/jaro-winkler" {
  /** Jaro-Winkler similarity 0..1 (boost threshold 0.7, scaling factor 0.1). */
  const jaroWinkler: (a: string, b: string) => number;
  export default jaroWinkler;
}
declare module "talisman/phonetics/double-metaphone" {
  /** [primary, secondary] Double Metaphone codes. */
  const doubleMetaphone: (word: string) => [string, string];
  export default doubleMetaphone;
}
declare module "talisman/phonetics/nysiis" {
  const nysiis: (word: string) => string;
  export default nysiis;
}
