const HOUR_MS = 3_600_000;

/** Something that draws power: the house meter sums these. */
export interface Load {
  /** Watts drawn now. */
  power(): number;
  /** Calls `listener` just before the power changes, so integrators can close the previous interval. */
  onPowerChange(listener: () => void): void;
}

/** Energy in kWh as the integral of a piecewise-constant power over simulated time. */
export class EnergyCounter {
  private kwh = 0;
  private since: number;

  constructor(
    private readonly power: () => number,
    now: number,
  ) {
    this.since = now;
  }

  /** Closes the interval since the last call at the power drawn during it; returns the total kWh up to `now`. */
  update(now: number): number {
    this.kwh += (this.power() * (now - this.since)) / HOUR_MS / 1000;
    this.since = now;
    return this.kwh;
  }
}

/** Rounds to `digits` decimals, as a device's firmware prints it. */
export const round = (value: number, digits: number): number => Number(value.toFixed(digits));
