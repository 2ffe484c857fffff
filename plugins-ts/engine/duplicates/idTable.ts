/**
 * Typed-array hash structures for blocking a million records; they allocate nothing per key, so
 * the garbage collector has nothing to trace (a `Map<number, number>` or `Set<number>` of a
 * million entries costs several times the memory and time). Pure, no I/O.
 *
 * HashIdTable maps 53-bit key hashes (hash53Number) to small integer ids: open addressing with
 * linear probing over two typed arrays. Contract: `idOf(h, next)` returns the id stored for h, or
 * stores `next` for it and returns `next` when h is new; ids must be ≥ 0. Keys are any
 * non-negative integers below 2^53. The table grows (doubling) at half full, so it never fills up.
 *
 * HashNumberSet (below) is the matching set of integers, for pairs already produced, and
 * GrowableInt32 a growing list of 32-bit integers (record numbers, pair codes).
 */
/** Slots for `expected` keys: a power of two, at least 1,024, at most half full. */
function capacityFor(expected: number): number {
  let capacity = 1024;
  while (capacity < expected * 2) capacity *= 2;
  return capacity;
}

export class HashIdTable {
  private keys: Float64Array;
  private ids: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    const capacity = capacityFor(expected);
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

  /** Forgets every key (keeps the capacity, so a table reused for many rules grows once). */
  clear(): void {
    this.ids.fill(-1);
    this.size = 0;
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

/** A slot for a key that is not itself a hash (pair numbers a·n + b run in sequence): 32-bit mix of both halves. */
function mixSlot(key: number, mask: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}

/**
 * A set of non-negative integers below 2^53 − 1 (record pairs as a·n + b), for "was this pair
 * produced already?" over millions of candidate pairs: open addressing over one Float64Array
 * (key + 1 stored, 0 = empty), doubling at half full. Allocates nothing per key. Pure, no I/O.
 *
 * Contract: `add(k)` returns true when k was not in the set (and adds it), false when it was.
 */
export class HashNumberSet {
  private slots: Float64Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    const capacity = capacityFor(expected);
    this.slots = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  add(key: number): boolean {
    const stored = key + 1;
    let slot = mixSlot(key, this.mask);
    for (;;) {
      const s = this.slots[slot];
      if (s === 0) break;
      if (s === stored) return false;
      slot = (slot + 1) & this.mask;
    }
    this.slots[slot] = stored;
    if (++this.size * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = old.length * 2 - 1;
    for (let s = 0; s < old.length; s++) {
      const stored = old[s];
      if (stored === 0) continue;
      let slot = mixSlot(stored - 1, this.mask);
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = stored;
    }
  }
}

/** A list of 32-bit integers that doubles its typed array when full: no per-item objects. */
export class GrowableInt32 {
  data: Int32Array;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.data = new Int32Array(Math.max(1, capacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** Empties the list and lets its memory go (a later push starts small again). */
  release(): void {
    this.data = new Int32Array(1);
    this.length = 0;
  }
}
