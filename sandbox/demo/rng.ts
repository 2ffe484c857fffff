/**
 * Deterministic randomness for the demo organisation: pure-rand's xoroshiro128+ with helpers.
 * Each part of the organisation draws from its own stream (seed + salt), so changing how many
 * values one part draws never shifts another part.
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { guidFromInts } from "../emulator/store";

export class Rng {
  private readonly g: RandomGenerator;
  constructor(seed: number, salt: string) {
    let h = seed >>> 0;
    for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x9e3779b1) >>> 0;
    this.g = xoroshiro128plus(h ^ (seed * 0x85ebca6b));
  }
  /** 32-bit unsigned integer. */
  u32(): number {
    return this.g.next() >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.float() * arr.length)];
  }
  /** Picks by weights (same length as items). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i];
      if (x < 0) return items[i];
    }
    return items[items.length - 1];
  }
  guid(): string {
    return guidFromInts(this.u32(), this.u32(), this.u32(), this.u32());
  }
}
