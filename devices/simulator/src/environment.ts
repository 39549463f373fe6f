const HOUR_MS = 3_600_000;

export interface EnvironmentOptions {
  /** Offset of the simulated house's local time from UTC, in minutes (east positive). */
  utcOffsetMinutes?: number;
  /** Daily mean outdoor temperature, °C. */
  meanTemperature?: number;
}

/**
 * The weather every device shares: smooth functions of simulated time, so two sensors in the same
 * garden agree and a reading depends only on when it is taken. Devices add their own seeded noise.
 */
export class Environment {
  readonly utcOffsetMs: number;
  private readonly meanTemperature: number;

  constructor(options: EnvironmentOptions = {}) {
    this.utcOffsetMs = (options.utcOffsetMinutes ?? 0) * 60_000;
    this.meanTemperature = options.meanTemperature ?? 16;
  }

  /** Local hour of day, 0 <= h < 24. */
  hourOfDay(at: number): number {
    const ms = (((at + this.utcOffsetMs) % (24 * HOUR_MS)) + 24 * HOUR_MS) % (24 * HOUR_MS);
    return ms / HOUR_MS;
  }

  /** Outdoor °C: coolest before dawn, warmest at 15:00. */
  temperature(at: number): number {
    return this.meanTemperature + 7 * Math.cos((2 * Math.PI * (this.hourOfDay(at) - 15)) / 24);
  }

  /** Relative humidity %, the mirror of temperature: highest before dawn. */
  humidity(at: number): number {
    return 62 - 18 * Math.cos((2 * Math.PI * (this.hourOfDay(at) - 15)) / 24);
  }

  /** Outdoor lux: 0 at night, a half sine from 06:00 to 20:00 peaking near 60,000. */
  illuminance(at: number): number {
    const h = this.hourOfDay(at);
    return h <= 6 || h >= 20 ? 0 : 60_000 * Math.sin((Math.PI * (h - 6)) / 14);
  }
}

/** Local date-time without zone, as Tasmota prints it: 2026-06-21T08:00:00. */
export function localTimestamp(env: Environment, at: number): string {
  return new Date(at + env.utcOffsetMs).toISOString().slice(0, 19);
}

/** Days since the epoch in local time, to reset daily counters at local midnight. */
export function localDay(env: Environment, at: number): number {
  return Math.floor((at + env.utcOffsetMs) / (24 * HOUR_MS));
}
