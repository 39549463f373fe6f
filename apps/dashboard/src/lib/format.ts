/** Display helpers; pure, so the component tests and the pages agree on every string. */

export function formatValue(value: unknown, unit: string | null = null): string {
  if (value === null || value === undefined || value === '') return '—';
  const number = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || Number.isNaN(number)) return String(value);
  const digits = Math.abs(number) >= 100 || Number.isInteger(number) ? 0 : 1;
  const text = number.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return unit ? `${text}${unit === '%' ? '' : '\u202f'}${unit}` : text;
}

/** A state or an option as words: `heat_cool` → `Heat cool`; '' for none. */
export function words(value: string | number | boolean | null): string {
  if (value === null || value === '') return '';
  const text = String(value).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
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

/** A length of time as people say it: `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`. */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** kWh with the digits that matter: `0.35 kWh`, `12.4 kWh`, `1,240 kWh`. */
export function formatKwh(kwh: number): string {
  const digits = Math.abs(kwh) >= 100 ? 0 : Math.abs(kwh) >= 10 ? 1 : 2;
  return `${kwh.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })}\u202fkWh`;
}

/** Money in the hub's currency (`€1.23`); `—` where no tariff was in force. */
export function formatMoney(amount: number | null, currency: string | null): string {
  if (amount === null || !currency) return '—';
  return amount.toLocaleString(undefined, { style: 'currency', currency });
}
