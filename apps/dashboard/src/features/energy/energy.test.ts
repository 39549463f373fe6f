import { describe as group, expect, it } from 'vitest';
import { bars, consumers, describe, isCurrent, reportPath, select, step, UNTRACKED_COLOR, viewOf } from './energy.js';
import { REPORT, ZONE } from './report.fixture.js';

// Sunday 29 March 2026, 15:00 in Amsterdam: the day clocks go forward (23 hours).
const NOW = Date.parse('2026-03-29T13:00:00Z');

group('energy periods', () => {
  it('opens today, yesterday, this week, month and year in the house time zone', () => {
    expect(new Date(select('today', NOW, ZONE).start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(select('yesterday', NOW, ZONE).start).toISOString()).toBe('2026-03-27T23:00:00.000Z');
    expect(new Date(select('week', NOW, ZONE).start).toISOString()).toBe('2026-03-22T23:00:00.000Z'); // Monday
    expect(new Date(select('month', NOW, ZONE).start).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(new Date(select('year', NOW, ZONE).start).toISOString()).toBe('2025-12-31T23:00:00.000Z');
  });

  it('asks the whole period in hourly, daily or monthly buckets, across a daylight-saving change', () => {
    expect(reportPath(select('today', NOW, ZONE), ZONE)).toBe('/api/energy?from=2026-03-28T23:00:00.000Z&to=2026-03-29T22:00:00.000Z&period=hour');
    expect(reportPath(select('week', NOW, ZONE), ZONE)).toBe('/api/energy?from=2026-03-22T23:00:00.000Z&to=2026-03-29T22:00:00.000Z&period=day');
    expect(reportPath(select('year', NOW, ZONE), ZONE)).toBe('/api/energy?from=2025-12-31T23:00:00.000Z&to=2026-12-31T23:00:00.000Z&period=month');
  });

  it('steps to the period before and after, and knows which tab that is', () => {
    const today = select('today', NOW, ZONE);
    const yesterday = step(today, -1, ZONE);
    expect(yesterday).toEqual(select('yesterday', NOW, ZONE));
    expect(viewOf(yesterday, NOW, ZONE)).toBe('yesterday');
    expect(viewOf(step(yesterday, -1, ZONE), NOW, ZONE)).toBeNull();
    expect(step(yesterday, 1, ZONE)).toEqual(today);
    expect(isCurrent(today, NOW, ZONE)).toBe(true);
    expect(isCurrent(yesterday, NOW, ZONE)).toBe(false);
    expect(viewOf(step(select('month', NOW, ZONE), -1, ZONE), NOW, ZONE)).toBe('month');
  });

  it('names the period', () => {
    const today = select('today', NOW, ZONE);
    expect(describe(today, NOW, ZONE)).toBe('Today');
    expect(describe(step(step(today, -1, ZONE), -1, ZONE), NOW, ZONE)).toBe('Fri, Mar 27');
    expect(describe(select('week', NOW, ZONE), NOW, ZONE)).toBe('This week');
    expect(describe(step(select('week', NOW, ZONE), -1, ZONE), NOW, ZONE)).toBe('Week of Mar 16');
    expect(describe(select('month', NOW, ZONE), NOW, ZONE)).toBe('March 2026');
    expect(describe(select('year', NOW, ZONE), NOW, ZONE)).toBe('2026');
  });
});

group('consumers and bars', () => {
  it('lists devices by energy, untracked last, each with a colour and its share of the house', () => {
    const list = consumers(REPORT);
    expect(list.map(({ key, name, kwh, share }) => [key, name, Number(kwh.toFixed(2)), Number(share!.toFixed(2))])).toEqual([
      ['power_meter.washer', 'Washer', 2, 0.67],
      ['power_meter.tv', 'TV', 0.3, 0.1],
      ['untracked', 'Untracked', 0.7, 0.23],
    ]);
    expect(list.at(-1)!.color).toBe(UNTRACKED_COLOR);
    expect(new Set(list.map((c) => c.color)).size).toBe(3);
  });

  it('stacks each bucket in that order, in kWh or in cost, labelled with the local hour', () => {
    const list = consumers(REPORT);
    const kwh = bars(REPORT, 'kwh', list);
    expect(kwh.map((bar) => [bar.label, bar.total, bar.segments.map((s) => Number(s.value.toFixed(2)))])).toEqual([
      ['00', 1, [0.5, 0.1, 0.4]],
      ['01', 2, [1.5, 0.2, 0.3]],
    ]);
    expect(bars(REPORT, 'cost', list)[1]!.total).toBeCloseTo(0.6);
  });
});
