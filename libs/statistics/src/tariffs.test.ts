import { describe, expect, it } from 'vitest';
import { PriceSchedule, tariffProblems } from './tariffs.js';

describe('tariffs', () => {
  it('names every problem and where it is', () => {
    expect(
      tariffProblems({
        currency: 'euro',
        tariffs: [
          { validFrom: '2026-02-30', price: 0.3, exportPrice: 0.1, windows: [] },
          { validFrom: '2026-03-01', price: Number.NaN, exportPrice: 0.1, windows: [{ days: [], from: '07:02', to: '07:02', price: 0.2 }] },
          { validFrom: '2026-03-01', price: 0.3, exportPrice: 0.1, windows: [{ days: ['mon', 'sunday' as never], from: '7:00', to: '24:00', price: 0.2 }] },
        ],
      }),
    ).toEqual([
      'currency must be a 3-letter ISO 4217 code such as EUR, not "euro"',
      'tariffs[0].validFrom must be a date YYYY-MM-DD, not "2026-02-30"',
      'tariffs[1].price must be a number',
      'tariffs[1].windows[0].from must be on a 5-minute boundary (statistics are kept in 5-minute buckets), not 07:02',
      'tariffs[1].windows[0].to must be on a 5-minute boundary (statistics are kept in 5-minute buckets), not 07:02',
      'tariffs[1].windows[0] is empty: from and to are both 07:02',
      'tariffs[1].windows[0].days must name at least one weekday',
      "tariffs[2].validFrom 2026-03-01 is already another tariff's: one tariff per date",
      'tariffs[2].windows[0].from must be a time HH:MM, not "7:00"',
      'tariffs[2].windows[0].to must be a time HH:MM, not "24:00"',
      'tariffs[2].windows[0].days: "sunday" is not one of sun, mon, tue, wed, thu, fri, sat',
    ]);
    expect(tariffProblems({ currency: 'EUR', tariffs: [] })).toEqual([]);
  });

  it('cuts time where the price changes: a night window past midnight, a new tariff at local midnight', () => {
    const schedule = new PriceSchedule(
      [
        { validFrom: '2026-03-02', price: 0.3, exportPrice: 0.1, windows: [{ days: ['mon'], from: '22:00', to: '06:30', price: 0.2 }] },
        { validFrom: '2026-03-04', price: 0.4, exportPrice: 0.05, windows: [] },
      ],
      'Europe/Amsterdam',
    );
    const local = (day: number, hour: number, minute = 0) => Date.UTC(2026, 2, day, hour - 1, minute);
    const segments = schedule.segments(local(1, 12), local(5, 0)).map(({ start, end, price, exportPrice }) => [new Date(start).toISOString(), new Date(end).toISOString(), price, exportPrice]);
    expect(segments).toEqual([
      ['2026-03-01T11:00:00.000Z', '2026-03-01T23:00:00.000Z', null, null],
      ['2026-03-01T23:00:00.000Z', '2026-03-02T21:00:00.000Z', 0.3, 0.1],
      // Monday 22:00 to Tuesday 06:30
      ['2026-03-02T21:00:00.000Z', '2026-03-03T05:30:00.000Z', 0.2, 0.1],
      ['2026-03-03T05:30:00.000Z', '2026-03-03T23:00:00.000Z', 0.3, 0.1],
      ['2026-03-03T23:00:00.000Z', '2026-03-04T23:00:00.000Z', 0.4, 0.05],
    ]);
  });
});
