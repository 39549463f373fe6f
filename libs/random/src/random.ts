import { Buffer } from 'node:buffer';

/**
 * Seeded pseudo-random numbers (mulberry32). Nothing that takes a Random calls Math.random, so one
 * seed replays the same run: the same fuzz cases, the same simulated house. `fork(name)` gives each
 * consumer its own stream, so adding one does not change what the others draw.
 *
 * Every method draws from `next()` once per number it returns (`bytes(n)` draws n times), so
 * replacing a hand-written `Math.floor(next() * n)` with `below(n)` keeps a seed's sequence.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** `n` uniform bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.below(256);
    return out;
  }

  /**
   * A damaged copy of `input`, as fuzz tests feed decoders: one to three edits, each flipping a bit,
   * overwriting, inserting or deleting a byte, cutting the rest off, or appending a few bytes.
   */
  mutate(input: Buffer): Buffer {
    let out = Buffer.from(input);
    for (let edits = 1 + this.below(3); edits > 0; edits--) {
      const at = this.below(out.length + 1);
      switch (this.below(6)) {
        case 0:
          if (at < out.length) out[at] ^= 1 << this.below(8);
          break;
        case 1:
          if (at < out.length) out[at] = this.below(256);
          break;
        case 2:
          out = Buffer.concat([out.subarray(0, at), this.bytes(1), out.subarray(at)]);
          break;
        case 3:
          out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
          break;
        case 4:
          out = out.subarray(0, at);
          break;
        case 5:
          out = Buffer.concat([out, this.bytes(1 + this.below(4))]);
          break;
      }
    }
    return out;
  }

  /** An independent stream derived from this seed and a name (FNV-1a of the name); draws nothing from this one. */
  fork(name: string): Random {
    let hash = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
    return new Random((this.seed ^ hash) >>> 0);
  }
}
