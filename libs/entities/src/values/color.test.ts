import { describe, expect, it } from 'vitest';
import { hsToRgb, rgbToHs, rgbToXy, xyToRgb } from './color.js';

describe('colour conversions (Home Assistant’s formulas)', () => {
  it('RGB ↔ HS', () => {
    expect(rgbToHs([255, 0, 0])).toEqual({ h: 0, s: 100 });
    expect(rgbToHs([0, 0, 255])).toEqual({ h: 240, s: 100 });
    expect(rgbToHs([255, 128, 128])).toEqual({ h: 0, s: 49.804 });
    expect(rgbToHs([40, 40, 40])).toEqual({ h: 0, s: 0 });
    expect(hsToRgb(120, 100)).toEqual([0, 255, 0]);
    expect(hsToRgb(300, 50)).toEqual([255, 128, 255]);
  });

  it('RGB ↔ xy, the values HA gives for pure colours', () => {
    expect(rgbToXy([255, 0, 0])).toEqual({ x: 0.701, y: 0.299 });
    expect(rgbToXy([0, 255, 0])).toEqual({ x: 0.172, y: 0.747 });
    expect(rgbToXy([0, 0, 0])).toEqual({ x: 0, y: 0 });
    expect(xyToRgb(0.701, 0.299)).toEqual([255, 0, 0]);
    expect(xyToRgb(0.3227, 0.329)).toEqual([254, 254, 255]);
    expect(xyToRgb(0.5, 0)).toEqual([0, 0, 0]);
  });
});
