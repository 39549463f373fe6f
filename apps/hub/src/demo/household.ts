import type { Clock, Random, TasmotaSwitch, Timer } from '@hearth/simulator';

const MINUTE_MS = 60_000;

export interface HouseholdDevices {
  kettle: TasmotaSwitch;
  lights: TasmotaSwitch[];
}

/**
 * The people of the demo house. Devices only obey commands, so without someone switching them the
 * meter would draw one flat line: the kettle boils for 3 minutes every 20 to 60 minutes (first after
 * 2), and a light is switched every 5 to 20 minutes, in simulated time, from a seeded stream.
 */
export class Household {
  private readonly timers = new Set<Timer>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly devices: HouseholdDevices,
  ) {}

  start(): void {
    this.after(2 * MINUTE_MS, () => this.boil());
    this.after(this.random.between(5, 20) * MINUTE_MS, () => this.switchLight());
  }

  stop(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  private boil(): void {
    switchTo(this.devices.kettle, true);
    this.after(3 * MINUTE_MS, () => switchTo(this.devices.kettle, false));
    this.after(this.random.between(20, 60) * MINUTE_MS, () => this.boil());
  }

  private switchLight(): void {
    const light = this.devices.lights[this.random.int(0, this.devices.lights.length - 1)];
    switchTo(light, !light.isOn);
    this.after(this.random.between(5, 20) * MINUTE_MS, () => this.switchLight());
  }

  private after(ms: number, task: () => void): void {
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, ms);
    this.timers.add(timer);
  }
}

// A device between two connections loses the confirmation, not the switch: its next telemetry repeats the state.
const switchTo = (device: TasmotaSwitch, on: boolean): void => void device.set(on).catch(() => undefined);
