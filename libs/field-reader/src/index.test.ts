import { describe, expect, it } from 'vitest';
import { FieldReader, fieldOf } from './index.js';

describe('FieldReader', () => {
  it('reads each kind of field and names every problem by its path, in one wording', () => {
    const r = new FieldReader();
    const doc = r.object({ name: 'Pump', size: 3, on: true, mode: 'auto', tags: ['a', 7, 'b'], extra: 1 }, '', ['name', 'size', 'on', 'mode', 'tags', 'missing'])!;
    expect(r.string(doc, 'name', '', { required: true, max: 10 })).toBe('Pump');
    expect(r.number(doc, 'size', '')).toBe(3);
    expect(r.boolean(doc, 'on', '')).toBe(true);
    expect(r.oneOf(doc, 'mode', '', ['auto', 'manual'])).toBe('auto');
    const tag = (v: unknown, path: string) => (typeof v === 'string' ? v : r.fail(path, 'must be a tag'));
    expect(r.list(doc, 'tags', '', tag)).toEqual(['a', 'b']);
    expect(r.string(doc, 'missing', 'x', { required: true })).toBeUndefined();
    expect(r.problems).toEqual([
      { path: 'extra', message: 'unknown key (allowed: name, size, on, mode, tags, missing)' },
      { path: 'tags[1]', message: 'must be a tag' },
      { path: 'x.missing', message: 'required' },
    ]);
  });

  it('refuses values of the wrong type, out of bounds, or not among the options', () => {
    const r = new FieldReader();
    const o = { s: 5, e: '', long: 'abcdef', n: Number.NaN, b: 'yes', c: 'other', l: 'x', many: [1, 2, 3], none: [] };
    r.string(o, 's', 'p');
    r.string(o, 'e', 'p');
    r.string(o, 'long', 'p', { max: 5 });
    r.number(o, 'n', 'p');
    r.boolean(o, 'b', 'p');
    r.oneOf(o, 'c', 'p', ['a', 'b']);
    r.list(o, 'l', 'p', (v) => v);
    r.list(o, 'many', 'p', (v) => v, { max: 2 });
    r.list(o, 'none', 'p', (v) => v, { allowEmpty: false });
    r.object([], 'q');
    expect(r.problems.map(({ path, message }) => `${path} ${message}`)).toEqual([
      'p.s must be a string',
      'p.e must not be empty',
      'p.long must be at most 5 characters',
      'p.n must be a number',
      'p.b must be true or false',
      'p.c must be one of a, b',
      'p.l must be a list',
      'p.many at most 2 items',
      'p.none must not be empty',
      'q must be an object',
    ]);
  });

  it('keeps at most maxProblems, and takes an inherited or null key for absent', () => {
    const r = new FieldReader(2);
    for (let i = 0; i < 5; i++) r.fail(`f${i}`, 'bad');
    expect(r.problems.map((p) => p.path)).toEqual(['f0', 'f1']);
    expect(fieldOf(JSON.parse('{"__proto__": 1}') as Record<string, unknown>, 'toString')).toBeUndefined();
    expect(fieldOf({ a: null }, 'a')).toBeUndefined();
  });
});
