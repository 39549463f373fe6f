import { describe, expect, it } from 'vitest';
import { chooseEncoding } from './dashboard-files.js';

describe('chooseEncoding', () => {
  const both = new Set(['br', 'gzip'] as const);
  it.each([
    ['br, gzip', both, 'br'],
    ['gzip, deflate', both, 'gzip'],
    ['gzip;q=1.0, br;q=0.8', both, 'gzip'],
    ['br;q=0, gzip', both, 'gzip'],
    ['*', both, 'br'],
    ['*;q=0, gzip', both, 'gzip'],
    ['BR', both, 'br'],
    ['identity', both, undefined],
    ['', both, undefined],
    [undefined, both, undefined],
    ['br, gzip', new Set(['gzip'] as const), 'gzip'],
    ['br', new Set(['gzip'] as const), undefined],
  ] as const)('%j of %j -> %s', (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });
});
