import { MINUTE, type LocalDate } from '@hearth/local-time';

/**
 * Sunrise and sunset by NOAA's solar calculator equations (the "General Solar Position Calculations" and
 * the NOAA spreadsheet), computed at the day's solar noon: within a minute or two of published tables
 * outside the polar regions. Sunrise and sunset are when the sun's upper edge crosses the horizon, with
 * standard refraction (zenith 90.833°).
 */
export interface SunTimes {
  /** Null when the sun does not rise or set that day (polar day or night). */
  sunrise: number | null;
  sunset: number | null;
  /** Whether the sun stays up (true) or down (false) all day; null on an ordinary day. */
  allDay: boolean | null;
}

const rad = (deg: number): number => (deg * Math.PI) / 180;
const deg = (r: number): number => (r * 180) / Math.PI;
const ZENITH = rad(90.833);

/** The sun's times on a calendar date at a place (longitude east positive), as epoch milliseconds. */
export function sunTimes(date: LocalDate, latitude: number, longitude: number): SunTimes {
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  // The day's solar noon, roughly, in UTC: the equations are evaluated there.
  const noonGuess = midnight + (720 - 4 * longitude) * MINUTE;
  const julianCentury = (noonGuess / 86_400_000 + 2440587.5 - 2451545) / 36525;
  const { declination, equationOfTime } = solarPosition(julianCentury);

  const noon = midnight + (720 - 4 * longitude - equationOfTime) * MINUTE;
  const cosHourAngle = Math.cos(ZENITH) / (Math.cos(rad(latitude)) * Math.cos(declination)) - Math.tan(rad(latitude)) * Math.tan(declination);
  if (cosHourAngle > 1) return { sunrise: null, sunset: null, allDay: false };
  if (cosHourAngle < -1) return { sunrise: null, sunset: null, allDay: true };
  const halfDay = 4 * deg(Math.acos(cosHourAngle)) * MINUTE;
  return { sunrise: Math.round(noon - halfDay), sunset: Math.round(noon + halfDay), allDay: null };
}

/** Declination (radians) and the equation of time (minutes) at a Julian century since J2000. */
function solarPosition(t: number): { declination: number; equationOfTime: number } {
  const meanLongitude = rad((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360);
  const meanAnomaly = rad(357.52911 + t * (35999.05029 - 0.0001537 * t));
  const eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const center =
    Math.sin(meanAnomaly) * (1.914602 - t * (0.004817 + 0.000014 * t)) + Math.sin(2 * meanAnomaly) * (0.019993 - 0.000101 * t) + Math.sin(3 * meanAnomaly) * 0.000289;
  const omega = rad(125.04 - 1934.136 * t);
  const apparentLongitude = meanLongitude + rad(center - 0.00569 - 0.00478 * Math.sin(omega));
  const meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const obliquity = rad(meanObliquity + 0.00256 * Math.cos(omega));
  const declination = Math.asin(Math.sin(obliquity) * Math.sin(apparentLongitude));
  const y = Math.tan(obliquity / 2) ** 2;
  const equationOfTime =
    4 *
    deg(
      y * Math.sin(2 * meanLongitude) -
        2 * eccentricity * Math.sin(meanAnomaly) +
        4 * eccentricity * y * Math.sin(meanAnomaly) * Math.cos(2 * meanLongitude) -
        0.5 * y * y * Math.sin(4 * meanLongitude) -
        1.25 * eccentricity * eccentricity * Math.sin(2 * meanAnomaly),
    );
  return { declination, equationOfTime };
}
