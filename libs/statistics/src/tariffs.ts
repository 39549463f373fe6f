import { addDays, atLocal, DAY, localTime, parseClock, WEEKDAYS, type LocalDate } from '@hearth/local-time';
import type { Span } from './periods.js';
import type { EnergyTariffsDto, TariffDto, TimeOfUseWindowDto } from './view.js';

const VALID_FROM = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;

function parseDate(text: string): LocalDate | undefined {
  const match = VALID_FROM.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  return check.getUTCMonth() === date.month - 1 && check.getUTCDate() === date.day ? date : undefined;
}

/** Every problem with a set of tariffs, each naming where it is (`tariffs[1].windows[0].from`); none when it is sound. */
export function tariffProblems({ currency, tariffs }: EnergyTariffsDto): string[] {
  const problems: string[] = [];
  if (!CURRENCY.test(currency)) problems.push(`currency must be a 3-letter ISO 4217 code such as EUR, not ${JSON.stringify(currency)}`);
  const seen = new Set<string>();
  tariffs.forEach((tariff, i) => {
    const at = `tariffs[${i}]`;
    if (!parseDate(tariff.validFrom)) problems.push(`${at}.validFrom must be a date YYYY-MM-DD, not ${JSON.stringify(tariff.validFrom)}`);
    else if (seen.has(tariff.validFrom)) problems.push(`${at}.validFrom ${tariff.validFrom} is already another tariff's: one tariff per date`);
    seen.add(tariff.validFrom);
    for (const field of ['price', 'exportPrice'] as const) if (!Number.isFinite(tariff[field])) problems.push(`${at}.${field} must be a number`);
    tariff.windows.forEach((window, j) => {
      const where = `${at}.windows[${j}]`;
      for (const field of ['from', 'to'] as const) {
        const minute = parseClock(window[field]);
        if (minute === undefined) problems.push(`${where}.${field} must be a time HH:MM, not ${JSON.stringify(window[field])}`);
        else if (minute % 5 !== 0) problems.push(`${where}.${field} must be on a 5-minute boundary (statistics are kept in 5-minute buckets), not ${window[field]}`);
      }
      if (window.from === window.to) problems.push(`${where} is empty: from and to are both ${window.from}`);
      if (window.days.length === 0) problems.push(`${where}.days must name at least one weekday`);
      for (const day of window.days) if (!WEEKDAYS.includes(day)) problems.push(`${where}.days: ${JSON.stringify(day)} is not one of ${WEEKDAYS.join(', ')}`);
      if (!Number.isFinite(window.price)) problems.push(`${where}.price must be a number`);
    });
  });
  return problems;
}

/** Prices in force over a stretch of time. `price` and `exportPrice` are null before the first tariff. */
export interface PriceSegment extends Span {
  price: number | null;
  exportPrice: number | null;
}

interface DayTariff {
  from: number;
  tariff: TariffDto;
  windows: Array<{ window: TimeOfUseWindowDto; from: number; to: number; days: Set<number> }>;
}

/**
 * The prices in force at any time, from tariffs that each hold from their `validFrom` (local midnight) to the
 * next one's: a new tariff never changes what was paid before it. Within a day, the first listed window that
 * covers a time sets its price; a window whose `to` is not after its `from` runs past midnight into the next day
 * (and belongs to the weekday it starts on).
 */
export class PriceSchedule {
  private readonly tariffs: DayTariff[];

  constructor(
    tariffs: readonly TariffDto[],
    private readonly zone: string,
  ) {
    this.tariffs = tariffs
      .map((tariff) => ({
        from: atLocal(parseDate(tariff.validFrom)!, 0, zone),
        tariff,
        windows: tariff.windows.map((window) => ({ window, from: parseClock(window.from)!, to: parseClock(window.to)!, days: new Set(window.days.map((day) => WEEKDAYS.indexOf(day))) })),
      }))
      .sort((a, b) => a.from - b.from);
  }

  /** [from, to) cut where a price changes, each piece with its prices; adjacent pieces differ. */
  segments(from: number, to: number): PriceSegment[] {
    const segments: PriceSegment[] = [];
    const push = (start: number, end: number, price: number | null, exportPrice: number | null) => {
      const a = Math.max(start, from);
      const b = Math.min(end, to);
      if (a >= b) return;
      const last = segments[segments.length - 1];
      if (last && last.end === a && last.price === price && last.exportPrice === exportPrice) last.end = b;
      else segments.push({ start: a, end: b, price, exportPrice });
    };
    let date: LocalDate = localTime(from, this.zone);
    for (let dayStart = atLocal(date, 0, this.zone); dayStart < to; ) {
      const next = addDays(date, 1);
      const dayEnd = atLocal(next, 0, this.zone);
      const day = this.tariffAt(dayStart);
      if (!day) push(dayStart, dayEnd, null, null);
      else {
        const previous = this.tariffAt(dayStart - 1);
        const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
        const cuts = new Set([0]);
        for (const { from: a, to: b } of [...day.windows, ...(previous?.windows ?? [])]) cuts.add(a).add(b);
        const minutes = [...cuts].filter((m) => m < 24 * 60).sort((a, b) => a - b);
        // Whole days are 24 hours except on daylight-saving days; only those need each cut converted.
        const instant = dayEnd - dayStart === DAY ? (m: number) => dayStart + m * 60_000 : (m: number) => atLocal(date, m, this.zone);
        minutes.forEach((m, i) => {
          const price = this.priceAt(day, previous, weekday, m);
          push(instant(m), i + 1 < minutes.length ? instant(minutes[i + 1]) : dayEnd, price, day.tariff.exportPrice);
        });
      }
      date = next;
      dayStart = dayEnd;
    }
    return segments;
  }

  private tariffAt(time: number): DayTariff | undefined {
    let found: DayTariff | undefined;
    for (const tariff of this.tariffs) {
      if (tariff.from > time) break;
      found = tariff;
    }
    return found;
  }

  /** The import price at minute `m` of a day with this weekday, under `day`'s tariff; `previous` (yesterday's) for windows that ran past midnight. */
  private priceAt(day: DayTariff, previous: DayTariff | undefined, weekday: number, m: number): number {
    for (const w of day.windows) if (w.days.has(weekday) && m >= w.from && (w.to <= w.from || m < w.to)) return w.window.price;
    const yesterday = (weekday + 6) % 7;
    for (const w of previous?.windows ?? []) if (w.to <= w.from && w.days.has(yesterday) && m < w.to) return w.window.price;
    return day.tariff.price;
  }
}
