import type { EnergyAmountDto, EnergyPeriod, EnergyReportDto } from '@hearth/api-types';
import { nextPeriod, periodStart } from '@hearth/statistics/periods';

/** The period tabs of the energy page. */
export const VIEWS = ['today', 'yesterday', 'week', 'month', 'year'] as const;
export type View = (typeof VIEWS)[number];
export const VIEW_LABELS: Record<View, string> = { today: 'Today', yesterday: 'Yesterday', week: 'Week', month: 'Month', year: 'Year' };

/** A calendar period of the house (its time zone; weeks start on Monday) and the buckets it is shown in. */
export interface Selection {
  period: 'day' | 'week' | 'month' | 'year';
  start: number;
}

const BUCKETS: Record<Selection['period'], EnergyPeriod> = { day: 'hour', week: 'day', month: 'day', year: 'month' };

/** The period a tab opens: today, yesterday, or this week, month or year. */
export function select(view: View, now: number, zone: string): Selection {
  const period = view === 'today' || view === 'yesterday' ? 'day' : view;
  const start = periodStart(now, period, zone);
  return { period, start: view === 'yesterday' ? periodStart(start - 1, 'day', zone) : start };
}

/** The period before (-1) or after (+1). */
export function step(selection: Selection, direction: -1 | 1, zone: string): Selection {
  const start = direction < 0 ? periodStart(selection.start - 1, selection.period, zone) : nextPeriod(selection.start, selection.period, zone);
  return { ...selection, start };
}

/** The tab a selection belongs to: Today and Yesterday are days; any other day is under neither. */
export function viewOf(selection: Selection, now: number, zone: string): View | null {
  if (selection.period !== 'day') return selection.period;
  if (selection.start === select('today', now, zone).start) return 'today';
  if (selection.start === select('yesterday', now, zone).start) return 'yesterday';
  return null;
}

/** `GET /api/energy` for the selection: its whole period, in buckets of an hour (a day), a day (a week or month) or a month (a year). */
export function reportPath(selection: Selection, zone: string): string {
  const to = nextPeriod(selection.start, selection.period, zone);
  return `/api/energy?from=${new Date(selection.start).toISOString()}&to=${new Date(to).toISOString()}&period=${BUCKETS[selection.period]}`;
}

/** The period has not ended: there is no next one to see yet. */
export const isCurrent = (selection: Selection, now: number, zone: string): boolean => nextPeriod(selection.start, selection.period, zone) > now;

/** The selection in words: `Today`, `Tue 1 Dec`, `This week`, `Week of 23 Nov`, `December 2026`, `2026`. */
export function describe(selection: Selection, now: number, zone: string): string {
  const view = viewOf(selection, now, zone);
  const date = (options: Intl.DateTimeFormatOptions) => new Date(selection.start).toLocaleDateString(undefined, { timeZone: zone, ...options });
  switch (selection.period) {
    case 'day':
      return view ? VIEW_LABELS[view] : date({ weekday: 'short', day: 'numeric', month: 'short' });
    case 'week':
      return isCurrent(selection, now, zone) ? 'This week' : `Week of ${date({ day: 'numeric', month: 'short' })}`;
    case 'month':
      return date({ month: 'long', year: 'numeric' });
    case 'year':
      return date({ year: 'numeric' });
  }
}

/** A bucket's label under its bar: the hour, the weekday (a week's days) or day of the month, or the month. */
export function bucketLabel(start: string, period: EnergyPeriod, zone: string, weekdays = false): string {
  const options: Intl.DateTimeFormatOptions =
    period === 'hour'
      ? { hour: '2-digit', hourCycle: 'h23' }
      : period === 'day'
        ? weekdays
          ? { weekday: 'short' }
          : { day: 'numeric' }
        : period === 'week'
          ? { day: 'numeric', month: 'short' }
          : { month: 'short' };
  return new Date(start).toLocaleString(undefined, { timeZone: zone, ...options });
}

export type Measure = 'kwh' | 'cost';

export const amountOf = (amount: EnergyAmountDto | undefined, measure: Measure): number => (measure === 'kwh' ? (amount?.kwh ?? 0) : (amount?.cost ?? 0));

/** A device's colour in the bars and the list; untracked energy is grey. */
export const PALETTE = ['#e8772e', '#2f7ed8', '#3aa757', '#c94f9b', '#8e6bd6', '#d4a72c', '#1fa2a8', '#d9534f', '#7a8b2f', '#5b6bbf'];
export const UNTRACKED_COLOR = '#9aa1ad';
export const UNTRACKED = 'untracked';

/** What used the energy of a period: each device, then what no device accounts for. */
export interface Consumer {
  key: string;
  name: string;
  color: string;
  kwh: number;
  cost: number | null;
  /** Share of the house, 0..1; null when the house used nothing. */
  share: number | null;
}

/** Devices most energy first (each keeps its colour), untracked last. */
export function consumers(report: EnergyReportDto): Consumer[] {
  const house = report.total.house.kwh;
  const names = new Map(report.meters.map((meter) => [meter.entityId, meter.name]));
  const devices = Object.entries(report.total.devices)
    .sort(([, a], [, b]) => b.kwh - a.kwh)
    .map(([key, amount], i) => ({ key, name: names.get(key) ?? key, color: PALETTE[i % PALETTE.length]!, ...amount, share: house > 0 ? amount.kwh / house : null }));
  const { kwh, cost } = report.total.untracked;
  return kwh > 0.0005 ? [...devices, { key: UNTRACKED, name: 'Untracked', color: UNTRACKED_COLOR, kwh, cost, share: house > 0 ? kwh / house : null }] : devices;
}

/** One bar: a bucket's consumers stacked from the bottom (`below` is what lies under a segment), in the order of `consumers()`. */
export interface Bar {
  start: string;
  label: string;
  total: number;
  segments: Array<{ key: string; value: number; below: number; color: string }>;
}

export function bars(report: EnergyReportDto, measure: Measure, order: Consumer[]): Bar[] {
  return report.buckets.map((bucket) => {
    let below = 0;
    const segments = order.map(({ key, color }) => {
      const value = Math.max(0, amountOf(key === UNTRACKED ? bucket.untracked : bucket.devices[key], measure));
      below += value;
      return { key, color, value, below: below - value };
    });
    // A house without a grid meter is the sum of its devices: the stack is the house.
    return { start: bucket.start, label: bucketLabel(bucket.start, report.period, report.timeZone, report.buckets.length <= 7), total: Math.max(amountOf(bucket.house, measure), segments.reduce((sum, s) => sum + s.value, 0)), segments };
  });
}
