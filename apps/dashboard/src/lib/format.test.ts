import { describe, expect, it } from 'vitest';
import { ago, brightnessPercent, formatValue, hexToRgb, kelvin, rgbToHex } from './format.js';

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
});
