import { weekdayOf, type LocalDate } from '@hearth/local-time';

/**
 * Five-field cron schedules as Vixie cron reads them: minute, hour, day of month, month, day of week;
 * `*`, `a`, `a-b`, `*\/n`, `a-b/n`, comma lists, month and weekday names (jan, mon), 7 for Sunday. When
 * both day fields are restricted a day matching either one counts.
 */
export interface Cron {
  minutes: readonly boolean[];
  hours: readonly boolean[];
  days: readonly boolean[];
  months: readonly boolean[];
  weekdays: readonly boolean[];
  /** Both day fields restricted: either may match. */
  eitherDay: boolean;
}

export type ParseCronResult = { ok: true; cron: Cron } | { ok: false; message: string };

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseCron(text: string): ParseCronResult {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) return { ok: false, message: `needs 5 fields (minute hour day month weekday), got ${fields.length}` };
  const sets: boolean[][] = [];
  for (let i = 0; i < 5; i++) {
    const set = parseField(fields[i], FIELDS[i]);
    if (typeof set === 'string') return { ok: false, message: `${FIELDS[i].name}: ${set}` };
    sets.push(set);
  }
  const [minutes, hours, days, months, weekdays] = sets;
  if (weekdays[7]) weekdays[0] = true;
  const cron: Cron = { minutes, hours, days, months, weekdays: weekdays.slice(0, 7), eitherDay: !fields[2].startsWith('*') && !fields[4].startsWith('*') };
  // "0 0 31 2 *" would be searched for in vain; say so now.
  if (!cron.eitherDay && !months.some((on, month) => on && days.some((d, day) => d && day <= DAYS_IN_MONTH[month]))) {
    return { ok: false, message: 'no month has such a day' };
  }
  return { ok: true, cron };
}

function parseField(text: string, field: (typeof FIELDS)[number]): boolean[] | string {
  const set = Array<boolean>(field.max + 1).fill(false);
  for (const item of text.split(',')) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return `"${item}" is not a value, range or step`;
    const step = match[2] === undefined ? 1 : Number(match[2]);
    if (!(step >= 1 && step <= field.max)) return `step "${match[2]}" is out of range`;
    let from: number = field.min;
    let to: number = field.max;
    if (match[1] !== '*') {
      const [a, b] = match[1].split('-').map((v) => value(v, field));
      if (a === undefined || (match[1].includes('-') && b === undefined)) return `"${match[1]}" is not within ${field.min}-${field.max}`;
      from = a;
      to = b ?? (match[2] === undefined ? a : field.max);
      if (from > to) return `range "${match[1]}" runs backwards`;
    }
    for (let v = from; v <= to; v += step) set[v] = true;
  }
  return set;
}

function value(text: string, field: (typeof FIELDS)[number]): number | undefined {
  const named = 'names' in field ? (field.names as readonly string[]).indexOf(text.toLowerCase()) : -1;
  const n = named >= 0 ? named + (field.min === 1 ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= field.min && n <= field.max ? n : undefined;
}

/** Whether the schedule runs at all on a date. */
export function cronDay(cron: Cron, date: LocalDate): boolean {
  if (!cron.months[date.month]) return false;
  const day = cron.days[date.day];
  const weekday = cron.weekdays[weekdayOf(date)];
  return cron.eitherDay ? day || weekday : day && weekday;
}

/** The schedule's times of a day, in minutes after midnight, from `fromMinute` on. */
export function* cronMinutes(cron: Cron, fromMinute = 0): Generator<number> {
  for (let hour = Math.max(0, Math.floor(fromMinute / 60)); hour < 24; hour++) {
    if (!cron.hours[hour]) continue;
    for (let minute = 0; minute < 60; minute++) if (cron.minutes[minute] && hour * 60 + minute >= fromMinute) yield hour * 60 + minute;
  }
}
