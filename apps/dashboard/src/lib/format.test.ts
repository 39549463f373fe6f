import { describe, expect, it } from 'vitest';
import { ago, brightnessPercent, duration, formatKwh, formatMoney, formatValue, hexToRgb, kelvin, parseNumber, rgbToHex } from './format.js';

describe('format', () => {
  it('prints numbers with their unit, one decimal below 100', () => {
    expect(formatValue(21.44, '°C')).toBe('21.4\u202f°C');
    expect(formatValue(35, '%')).toBe('35%');
    expect(formatValue(235.4, 'W')).toBe('235\u202fW');
    expect(formatValue(null, 'W')).toBe('—');
    expect(formatValue('open')).toBe('open');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(ago('2026-11-26T11:59:40Z', now)).toBe('just now');
    expect(ago('2026-11-26T11:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-11-26T09:00:00Z', now)).toBe('3 h ago');
    expect(ago('2026-11-24T12:00:00Z', now)).toBe('2 d ago');
    expect(ago(null, now)).toBe('never');
  });

  it('converts brightness, colours and mireds', () => {
    expect(brightnessPercent(128)).toBe(50);
    expect(rgbToHex([255, 128, 0])).toBe('#ff8000');
    expect(hexToRgb('#ff8000')).toEqual([255, 128, 0]);
    expect(kelvin(370)).toBe(2700);
  });

  it('says how long, kWh with the digits that matter, and money in its currency', () => {
    expect([45_000, 12 * 60_000, 200 * 60_000, 3 * 3_600_000, 52 * 3_600_000, 48 * 3_600_000].map(duration)).toEqual(['45 s', '12 min', '3 h 20 min', '3 h', '2 d 4 h', '2 d']);
    expect([0.354, 12.44, 1240.4].map(formatKwh)).toEqual(['0.35\u202fkWh', '12.4\u202fkWh', '1,240\u202fkWh']);
    expect(formatMoney(1.234, 'EUR')).toBe('€1.23');
    expect(formatMoney(null, 'EUR')).toBe('—');
    expect(formatMoney(2, null)).toBe('—');
  });

  it('reads numbers as people type them', () => {
    expect(['0.28', ' 0,28 ', '-3', 'cheap', ''].map(parseNumber)).toEqual([0.28, 0.28, -3, Number.NaN, Number.NaN]);
  });
});
