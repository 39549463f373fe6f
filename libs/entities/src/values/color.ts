/**
 * Colour conversions the hub needs because it speaks RGB while devices may take HS or CIE xy. The formulas are
 * Home Assistant's (homeassistant/util/color.py), so a device sees the same values HA would send it.
 */

export type Rgb = [number, number, number];

const clampByte = (n: number): number => Math.min(255, Math.max(0, Math.round(n)));

/** Hue in degrees (0-360), saturation in percent (0-100). */
export function rgbToHs([r, g, b]: Readonly<Rgb>): { h: number; s: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  if (max === 0 || delta === 0) return { h: 0, s: 0 };
  let h: number;
  if (max === r) h = ((g - b) / delta) % 6;
  else if (max === g) h = (b - r) / delta + 2;
  else h = (r - g) / delta + 4;
  h = (h * 60 + 360) % 360;
  return { h: round(h, 3), s: round((delta / max) * 100, 3) };
}

/** Full-value RGB for a hue and saturation. */
export function hsToRgb(h: number, s: number): Rgb {
  const sat = Math.min(100, Math.max(0, s)) / 100;
  const sector = (((h % 360) + 360) % 360) / 60;
  const f = sector - Math.floor(sector);
  const [p, q, t] = [1 - sat, 1 - sat * f, 1 - sat * (1 - f)];
  const table: Rgb[] = [
    [1, t, p],
    [q, 1, p],
    [p, 1, t],
    [p, q, 1],
    [t, p, 1],
    [1, p, q],
  ];
  const [r, g, b] = table[Math.floor(sector) % 6];
  return [clampByte(r * 255), clampByte(g * 255), clampByte(b * 255)];
}

/** CIE 1931 xy (Wide RGB D65, as Philips Hue and Zigbee lights expect). */
export function rgbToXy(rgb: Readonly<Rgb>): { x: number; y: number } {
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
  });
  const X = r * 0.664511 + g * 0.154324 + b * 0.162028;
  const Y = r * 0.283881 + g * 0.668433 + b * 0.047685;
  const Z = r * 0.000088 + g * 0.07231 + b * 0.986039;
  const sum = X + Y + Z;
  if (sum === 0) return { x: 0, y: 0 };
  return { x: round(X / sum, 3), y: round(Y / sum, 3) };
}

/** Full-brightness RGB for an xy point. */
export function xyToRgb(x: number, y: number): Rgb {
  if (y === 0) return [0, 0, 0];
  const Y = 1;
  const X = (Y / y) * x;
  const Z = (Y / y) * (1 - x - y);
  const linear = [
    X * 1.656492 - Y * 0.354851 - Z * 0.255038,
    -X * 0.707196 + Y * 1.655397 + Z * 0.036152,
    X * 0.051713 - Y * 0.121364 + Z * 1.01153,
  ].map((v) => Math.max(0, v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055));
  const max = Math.max(...linear);
  const scaled = max > 1 ? linear.map((v) => v / max) : linear;
  return [Math.trunc(scaled[0] * 255), Math.trunc(scaled[1] * 255), Math.trunc(scaled[2] * 255)];
}

function round(n: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(n * scale) / scale;
}
