/**
 * A hash table from 53-bit key hashes (hash53Number) to small integer ids, for blocking a million
 * records: open addressing with linear probing over two typed arrays, so it allocates nothing per
 * key and the garbage collector has nothing to trace (a `Map<number, number>` of a million entries
 * costs several times the memory and time). Pure, no I/O.
 *
 * Contract: `idOf(h, next)` returns the id stored for h, or stores `next` for it and returns `next`
 * when h is new; ids must be ≥ 0. Keys are any non-negative integers below 2^53. The table grows
 * (doubling) at half full, so it never fills up.
 */
export class HashIdTable {
  private keys: Float64Array;
  private ids: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.ids = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  idOf(h: number, next: number): number {
    let slot = (h >>> 0) & this.mask;
    for (;;) {
      const id = this.ids[slot];
      if (id < 0) break;
      if (this.keys[slot] === h) return id;
      slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = h;
    this.ids[slot] = next;
    if (++this.size * 2 > this.mask) this.grow();
    return next;
  }

  private grow(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.keys = new Float64Array(keys.length * 2);
    this.ids = new Int32Array(keys.length * 2).fill(-1);
    this.mask = keys.length * 2 - 1;
    for (let s = 0; s < keys.length; s++) {
      if (ids[s] < 0) continue;
      let slot = (keys[s] >>> 0) & this.mask;
      while (this.ids[slot] >= 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = keys[s];
      this.ids[slot] = ids[s];
    }
  }
}
