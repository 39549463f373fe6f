import { describe, expect, it } from 'vitest';
import { sunTimes } from './sun.js';

/** Published sunrise and sunset times (timeanddate.com / NOAA's calculator), in UTC, to the minute. */
const KNOWN: Array<{ place: string; latitude: number; longitude: number; date: string; sunrise: string; sunset: string }> = [
  { place: 'London, summer solstice', latitude: 51.5074, longitude: -0.1278, date: '2024-06-20', sunrise: '2024-06-20T03:43', sunset: '2024-06-20T20:21' },
  { place: 'London, winter solstice', latitude: 51.5074, longitude: -0.1278, date: '2024-12-21', sunrise: '2024-12-21T08:04', sunset: '2024-12-21T15:53' },
  { place: 'Amsterdam, June', latitude: 52.3676, longitude: 4.9041, date: '2024-06-21', sunrise: '2024-06-21T03:18', sunset: '2024-06-21T20:06' },
  { place: 'New York, equinox', latitude: 40.7128, longitude: -74.006, date: '2024-03-20', sunrise: '2024-03-20T10:58', sunset: '2024-03-20T23:08' },
  // Sydney (UTC+11 in December): sunrise 05:41 local is the evening before in UTC.
  { place: 'Sydney, December', latitude: -33.8688, longitude: 151.2093, date: '2024-12-21', sunrise: '2024-12-20T18:41', sunset: '2024-12-21T09:05' },
  { place: 'Honolulu, New Year', latitude: 21.3069, longitude: -157.8583, date: '2024-01-01', sunrise: '2024-01-01T17:09', sunset: '2024-01-02T04:00' },
];

const minute = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().slice(0, 16));
const day = (date: string) => {
  const [year, month, d] = date.split('-').map(Number);
  return { year, month, day: d };
};

describe('sunTimes', () => {
  it.each(KNOWN)('$place: sunrise $sunrise, sunset $sunset (UTC)', ({ latitude, longitude, date, sunrise, sunset }) => {
    const times = sunTimes(day(date), latitude, longitude);
    // Within a minute of the tables: compare with a minute's tolerance on either side.
    for (const [computed, expected] of [
      [times.sunrise, sunrise],
      [times.sunset, sunset],
    ] as const) {
      expect(Math.abs(computed! - Date.parse(`${expected}:30Z`)), `${minute(computed)} vs ${expected}`).toBeLessThanOrEqual(90_000);
    }
    expect(times.allDay).toBeNull();
  });

  it('knows the midnight sun and the polar night (Tromsø)', () => {
    expect(sunTimes(day('2024-06-21'), 69.6492, 18.9553)).toEqual({ sunrise: null, sunset: null, allDay: true });
    expect(sunTimes(day('2024-12-21'), 69.6492, 18.9553)).toEqual({ sunrise: null, sunset: null, allDay: false });
  });
});
