import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

const draw = (random: Random, n: number, f: (r: Random) => number = (r) => r.next()): number[] => Array.from({ length: n }, () => f(random));

describe('Random', () => {
  it('repeats the sequence for a seed and differs between seeds', () => {
    expect(draw(new Random(42), 50)).toEqual(draw(new Random(42), 50));
    expect(draw(new Random(42), 50)).not.toEqual(draw(new Random(43), 50));
  });

  it('draws the published mulberry32 sequence, so seeds printed by older test runs still replay', () => {
    // Reference values of mulberry32 (seed 1), as the copies this class replaced produced them.
    expect(draw(new Random(1), 3).map((x) => Math.round(x * 2 ** 32))).toEqual([2693262067, 11749833, 2265367787]);
    // Seeds are taken modulo 2^32: a negative or oversized seed names the same stream.
    expect(draw(new Random(-1), 5)).toEqual(draw(new Random(2 ** 32 - 1), 5));
  });

  it('keeps every draw in its range', () => {
    const random = new Random(7);
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      const b = random.between(-2.5, 4);
      expect(b >= -2.5 && b < 4).toBe(true);
      const n = random.int(3, 5);
      expect(Number.isInteger(n) && n >= 3 && n <= 5).toBe(true);
      const k = random.below(4);
      expect(Number.isInteger(k) && k >= 0 && k < 4).toBe(true);
    }
  });

  it('reaches both ends of an inclusive int range and every value below n', () => {
    const random = new Random(11);
    expect(new Set(draw(random, 1_000, (r) => r.int(3, 5)))).toEqual(new Set([3, 4, 5]));
    expect(new Set(draw(random, 1_000, (r) => r.below(4)))).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(draw(random, 1_000, (r) => r.int(-1, -1)))).toEqual(new Set([-1]));
  });

  it('draws once per number, so below(n) and int(0, n - 1) replay a hand-written Math.floor(next() * n)', () => {
    const expected = draw(new Random(5), 20, (r) => Math.floor(r.next() * 10));
    expect(draw(new Random(5), 20, (r) => r.below(10))).toEqual(expected);
    expect(draw(new Random(5), 20, (r) => r.int(0, 9))).toEqual(expected);
    expect(draw(new Random(5), 20, (r) => r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toEqual(expected);
    expect([...new Random(5).bytes(20)]).toEqual(draw(new Random(5), 20, (r) => Math.floor(r.next() * 256)));
  });

  it('picks every item, and chance(p) holds about p of the time', () => {
    const random = new Random(3);
    expect(new Set(draw(random, 500, (r) => r.pick([10, 20, 30])))).toEqual(new Set([10, 20, 30]));
    const hits = draw(random, 10_000, (r) => (r.chance(0.25) ? 1 : 0)).reduce((a, b) => a + b, 0);
    expect(hits).toBeGreaterThan(2_300);
    expect(hits).toBeLessThan(2_700);
    expect(draw(random, 100, (r) => (r.chance(0) ? 1 : 0))).not.toContain(1);
    expect(draw(random, 100, (r) => (r.chance(1) ? 1 : 0))).not.toContain(0);
  });

  it('returns n bytes as a Buffer', () => {
    const bytes = new Random(9).bytes(64);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes).toHaveLength(64);
    expect(new Random(9).bytes(0)).toHaveLength(0);
  });

  it('forks streams that depend on the seed and name, not on what was drawn before', () => {
    const a = new Random(1);
    const b = new Random(1);
    a.fork('kitchen').next();
    a.next();
    expect(draw(a.fork('garden'), 10)).toEqual(draw(b.fork('garden'), 10));
    expect(draw(a.fork('garden'), 10)).not.toEqual(draw(a.fork('kitchen'), 10));
    expect(draw(new Random(2).fork('garden'), 10)).not.toEqual(draw(a.fork('garden'), 10));
    expect(draw(a.fork('garden'), 10)).not.toEqual(draw(new Random(1), 10));
  });

  it('does not advance the parent stream when forking', () => {
    const forked = new Random(4);
    forked.fork('x');
    expect(draw(forked, 10)).toEqual(draw(new Random(4), 10));
  });

  it('mutates a copy of its input by one to three edits, the same ones for the same seed', () => {
    const input = Buffer.from('0123456789abcdef');
    const lengths = new Set<number>();
    for (let seed = 0; seed < 500; seed++) {
      const mutated = new Random(seed).mutate(input);
      expect(new Random(seed).mutate(input)).toEqual(mutated);
      lengths.add(Math.sign(mutated.length - input.length));
    }
    expect(input.toString()).toBe('0123456789abcdef');
    // Shorter (delete, cut), as long (flip, overwrite) and longer (insert, append) all happen.
    expect(lengths).toEqual(new Set([-1, 0, 1]));
  });
});
