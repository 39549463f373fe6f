import type { EntityDefinition } from '../mapping/definition.js';
import type { Rgb } from './color.js';

/**
 * Light values cross the hub boundary in one unit each: brightness 0-255, colour temperature in mireds, RGB as
 * three bytes. These convert to and from what a device uses (its brightness_scale, kelvin or mireds).
 */

/** Attribute names a light's state decoding produces. */
export const LIGHT_ATTRIBUTES = { brightness: 'brightness', colorTemp: 'colorTemp', rgb: 'rgb' } as const;

export function brightnessFromDevice(value: number, scale: number): number {
  return clamp(Math.round((value * 255) / scale), 0, 255);
}

export function brightnessToDevice(value: number, scale: number): number {
  return clamp(Math.round((value * scale) / 255), 0, scale);
}

/** Mireds and kelvin are reciprocal (1,000,000 / value) and so is the conversion. */
export function colorTempFromDevice(value: number, unit: EntityDefinition['colorTempUnit']): number {
  return unit === 'kelvin' ? Math.round(1_000_000 / value) : Math.round(value);
}

export const colorTempToDevice = colorTempFromDevice;

/** `255,128,0` or `[255, 128, 0]`; undefined for anything else. */
/**
 * `r,g,b` or `[r, g, b]`; also Tasmota's Color, which carries its white channels after the RGB ones
 * (`153,76,0,0,0`, or hex `994C000000` unless SetOption17): the first three are the colour.
 */
export function parseRgb(value: unknown): Rgb | undefined {
  if (typeof value === 'string' && /^([0-9A-Fa-f]{2}){3,5}$/.test(value)) {
    const byte = (at: number) => parseInt(value.slice(at, at + 2), 16);
    return [byte(0), byte(2), byte(4)];
  }
  let parts = typeof value === 'string' ? value.split(',').map((p) => p.trim()) : Array.isArray(value) ? value : undefined;
  if (typeof value === 'string' && parts && parts.length > 3 && parts.length <= 5) parts = parts.slice(0, 3);
  if (!parts || parts.length !== 3) return undefined;
  const numbers = parts.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : NaN));
  return numbers.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? (numbers as Rgb) : undefined;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
