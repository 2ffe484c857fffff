/**
 * Jaro-Winkler similarity, computed as talisman's `metrics/jaro-winkler` computes it (same
 * matching window, same transposition count, same arithmetic in the same order, so every value is
 * bit-for-bit the same — test/duplicates/jaro.test.ts checks it against talisman), but without
 * allocating: talisman builds four arrays per call, and the matcher calls it millions of times
 * (names of every candidate pair and every random pair for u). Scratch buffers are reused and
 * grown for long strings. Pure (the buffers carry nothing from one call to the next).
 */

let matchedIn = new Int32Array(64);
let taken = new Uint8Array(64);

function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const max = a.length > b.length ? a : b;
  const min = a.length > b.length ? b : a;
  const range = Math.max(((max.length / 2) | 0) - 1, 0);
  if (matchedIn.length < min.length) matchedIn = new Int32Array(min.length * 2);
  if (taken.length < max.length) taken = new Uint8Array(max.length * 2);
  taken.fill(0, 0, max.length);
  let matches = 0;
  for (let i = 0; i < min.length; i++) {
    matchedIn[i] = -1;
    const c = min.charCodeAt(i);
    const end = Math.min(i + range + 1, max.length);
    for (let j = Math.max(i - range, 0); j < end; j++) {
      if (taken[j] === 0 && c === max.charCodeAt(j)) {
        matchedIn[i] = j;
        taken[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (!matches) return 0;
  // matched characters of min in order against matched characters of max in order
  let transpositions = 0;
  let j = 0;
  for (let i = 0; i < min.length; i++) {
    if (matchedIn[i] === -1) continue;
    while (taken[j] === 0) j++;
    if (min.charCodeAt(i) !== max.charCodeAt(j)) transpositions++;
    j++;
  }
  const t = (transpositions / 2) | 0;
  const m = matches;
  return (m / a.length + m / b.length + (m - t) / m) / 3;
}

/** Jaro-Winkler with talisman's defaults (boost threshold 0.7, scaling factor 0.1, prefix of up to 4). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const dj = jaro(a, b);
  if (dj < 0.7) return dj;
  const p = 0.1;
  let l = 0;
  const prefixLimit = Math.min(a.length, b.length, 4);
  for (let i = 0; i < prefixLimit; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) l++;
    else break;
  }
  return dj + l * p * (1 - dj);
}
