import type { Random } from '@hearth/random';
import type { Environment } from '../environment.js';
import { BATTERY_FULL_MV, type Readings } from './protocol.js';

const HOUR_MS = 3_600_000;

export interface GardenModelOptions {
  /** Soil moisture at start, %. */
  moisture?: number;
  /** Battery at start, mV. */
  batteryMillivolts?: number;
}

/**
 * One bed's soil and one sensor's battery. Soil dries faster when warm and sunny and wets while
 * the valve is open; the battery loses a little per hour and more per report (the radio).
 */
export class GardenModel {
  private moisture: number;
  private battery: number;
  private since: number;
  private valve = false;

  constructor(
    private readonly environment: Environment,
    private readonly random: Random,
    now: number,
    options: GardenModelOptions = {},
  ) {
    this.moisture = options.moisture ?? 55;
    this.battery = options.batteryMillivolts ?? BATTERY_FULL_MV;
    this.since = now;
  }

  get valveOpen(): boolean {
    return this.valve;
  }

  setValve(open: boolean, now: number): void {
    this.advance(now);
    this.valve = open;
  }

  /** What the sensor reads now; each call costs one report's worth of battery. */
  sample(now: number): Readings {
    this.advance(now);
    this.battery = Math.max(0, this.battery - 1.5);
    const env = this.environment;
    const noise = (amplitude: number) => (this.random.next() - 0.5) * 2 * amplitude;
    return {
      moisture: Math.round(this.moisture),
      temperatureTenths: Math.round((env.temperature(now) + noise(0.15)) * 10),
      humidity: Math.min(100, Math.max(0, Math.round(env.humidity(now) + noise(1.5)))),
      illuminance: Math.round(env.illuminance(now) * (1 + noise(0.05))),
      batteryMillivolts: Math.round(this.battery),
    };
  }

  /** Integrates up to `now` at the conditions of `now`: reports are minutes apart, the weather changes over hours. */
  private advance(now: number): void {
    const hours = (now - this.since) / HOUR_MS;
    this.since = now;
    if (hours <= 0) return;
    const t = this.environment.temperature(now);
    const sun = this.environment.illuminance(now) / 60_000;
    const ratePerHour = this.valve ? 25 : -(0.3 + 0.04 * Math.max(0, t - 15) + 0.4 * sun);
    this.moisture = Math.min(95, Math.max(5, this.moisture + ratePerHour * hours));
    this.battery = Math.max(0, this.battery - 0.05 * hours);
  }
}
