/** A device's month against the same days of the month before: `+12 %` (more, in red), `−30 %` (less, in green), `same`. */
export function monthChange(kwh: number, previous: number | null): { text: string; tone: 'more' | 'less' | 'muted' } | null {
  if (previous === null || previous <= 0) return null;
  const percent = Math.round(((kwh - previous) / previous) * 100);
  if (percent === 0) return { text: 'same as last month', tone: 'muted' };
  return percent > 0 ? { text: `+${percent} % vs last month`, tone: 'more' } : { text: `\u2212${-percent} % vs last month`, tone: 'less' };
}
