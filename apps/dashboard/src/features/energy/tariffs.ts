import type { EnergyTariffsDto, Weekday } from '@hearth/api-types';
import { parseNumber } from '../../lib/format.js';
import { WEEK } from '../rules/summary.js';

/** The tariff form as typed: numbers as text; a tariff without windows is a flat price. */
export interface WindowForm {
  /** None chosen is every day. */
  days: Weekday[];
  from: string;
  to: string;
  price: string;
}

export interface TariffForm {
  validFrom: string;
  price: string;
  exportPrice: string;
  windows: WindowForm[];
}

export interface TariffsForm {
  currency: string;
  tariffs: TariffForm[];
}

export function tariffsForm({ currency, tariffs }: EnergyTariffsDto): TariffsForm {
  return {
    currency,
    tariffs: tariffs
      .toSorted((a, b) => a.validFrom.localeCompare(b.validFrom))
      .map((tariff) => ({
        validFrom: tariff.validFrom,
        price: String(tariff.price),
        exportPrice: String(tariff.exportPrice),
        windows: tariff.windows.map((window) => ({ days: window.days.length === 7 ? [] : [...window.days], from: window.from, to: window.to, price: String(window.price) })),
      })),
  };
}

/** A new price from `validFrom` on, starting as a copy of the latest one (so a change is one field). */
export function newTariff(validFrom: string, latest: TariffForm | undefined): TariffForm {
  if (!latest) return { validFrom, price: '', exportPrice: '0', windows: [] };
  return { ...latest, validFrom, windows: latest.windows.map((window) => ({ ...window, days: [...window.days] })) };
}

/** A morning-to-evening weekday window to start from. */
export const newWindow = (price: string): WindowForm => ({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '23:00', price });

/**
 * The body of `PUT /api/energy/tariffs`, or why the form cannot be one. Only text that is not a number is
 * caught here; dates, times and codes are the hub's to judge (its 400 names each problem).
 */
export function tariffsBody(form: TariffsForm): EnergyTariffsDto | { error: string } {
  const problems: string[] = [];
  const number = (text: string, what: string, blank?: number): number => {
    if (text.trim() === '' && blank !== undefined) return blank;
    const value = parseNumber(text);
    if (Number.isNaN(value)) problems.push(`${what} is a number, such as 0.28 (not "${text}")`);
    return value;
  };
  const tariffs = form.tariffs.map((tariff, i) => {
    const at = `Tariff ${i + 1}`;
    return {
      validFrom: tariff.validFrom.trim(),
      price: number(tariff.price, `${at}: the price`),
      exportPrice: number(tariff.exportPrice, `${at}: the export price`, 0),
      windows: tariff.windows.map((window, j) => ({
        days: window.days.length === 0 ? [...WEEK] : WEEK.filter((day) => window.days.includes(day)),
        from: window.from.trim(),
        to: window.to.trim(),
        price: number(window.price, `${at}, window ${j + 1}: the price`),
      })),
    };
  });
  if (problems.length > 0) return { error: problems.join('; ') };
  return { currency: form.currency.trim().toUpperCase(), tariffs };
}
