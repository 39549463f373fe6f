/** Display helpers; pure, so the component tests and the pages agree on every string. */

export function formatValue(value: unknown, unit: string | null = null): string {
  if (value === null || value === undefined || value === '') return '—';
  const number = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || Number.isNaN(number)) return String(value);
  const digits = Math.abs(number) >= 100 || Number.isInteger(number) ? 0 : 1;
  const text = number.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return unit ? `${text}${unit === '%' ? '' : '\u202f'}${unit}` : text;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`; `never` for a missing time. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** The hub's brightness is 0-255 whatever the device uses; people think in percent. */
export const brightnessPercent = (brightness: number): number => Math.round((brightness / 255) * 100);

export const rgbToHex = (rgb: readonly number[]): string =>
  `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;

export function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Mireds to kelvin, for a colour-temperature label. */
export const kelvin = (mireds: number): number => Math.round(1_000_000 / mireds / 50) * 50;

/** A number as people type it (a decimal comma too); NaN when it is not one. */
export const parseNumber = (text: string): number => (/^\s*-?\d+([.,]\d+)?\s*$/.test(text) ? Number(text.trim().replace(',', '.')) : Number.NaN);
