/**
 * The one grammar of durations in rules: "90s", "5m", "1h30m", "2d" (each unit at most once, in that
 * order, up to six digits), and for offsets a sign: "-30m", "+1h". Used by the parser, the engine and the
 * dashboard (`@hearth/rules/duration`, free of the engine).
 */

export interface DurationParts {
  sign: '' | '+' | '-';
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^([+-])?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

/** A duration text taken apart; undefined when it is not one (or signed where `signed` is false). */
export function durationParts(text: string, signed = false): DurationParts | undefined {
  const match = DURATION.exec(text);
  if (!match || text.replace(/^[+-]/, '') === '' || (match[1] && !signed)) return undefined;
  const [, sign = '', d = '0', h = '0', m = '0', s = '0'] = match;
  return { sign: sign as DurationParts['sign'], days: Number(d), hours: Number(h), minutes: Number(m), seconds: Number(s) };
}

/** Milliseconds of a duration text, negative for "-…"; undefined when it is not one. */
export function parseDuration(text: string, signed = false): number | undefined {
  const parts = durationParts(text, signed);
  if (!parts) return undefined;
  const ms = (((parts.days * 24 + parts.hours) * 60 + parts.minutes) * 60 + parts.seconds) * 1000;
  return parts.sign === '-' ? -ms : ms;
}
