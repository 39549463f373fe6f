import { describe, expect, it } from 'vitest';
import { durationParts, parseDuration } from './duration.js';
import { DAY, HOUR, MINUTE, SECOND } from '@hearth/local-time';

describe('durations', () => {
  it.each<[string, boolean, number | undefined]>([
    ['90s', false, 90 * SECOND],
    ['5m', false, 5 * MINUTE],
    ['1h30m', false, 90 * MINUTE],
    ['2d', false, 2 * DAY],
    ['1d2h3m4s', false, DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND],
    ['-30m', true, -30 * MINUTE],
    ['+1h', true, HOUR],
    ['-30m', false, undefined],
    ['', false, undefined],
    ['-', true, undefined],
    ['5', false, undefined],
    ['30m1h', false, undefined],
    ['1.5h', false, undefined],
    ['9999999d', false, undefined],
  ])('parseDuration(%j, signed %s) is %s', (text, signed, ms) => {
    expect(parseDuration(text, signed)).toBe(ms);
  });

  it('takes a duration apart for people to read', () => {
    expect(durationParts('-1h30m', true)).toEqual({ sign: '-', days: 0, hours: 1, minutes: 30, seconds: 0 });
    expect(durationParts('-1h30m')).toBeUndefined();
  });
});
