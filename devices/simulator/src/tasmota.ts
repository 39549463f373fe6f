import type { IClientOptions } from 'mqtt';
import { EnergyCounter, type Load, round } from './energy.js';
import { localDay, localTimestamp } from './environment.js';
import { haConfig, haDevice, type DeviceDescription } from './home-assistant.js';
import { type DiscoveryConfig, MqttDevice, type Publication, type SimContext } from './mqtt-device.js';

const ONLINE = 'Online';
const OFFLINE = 'Offline';

/**
 * A Tasmota-flashed device: `tele/<t>/LWT` Online/Offline (retained, the will), `tele/<t>/STATE`
 * every TelePeriod, and optionally an energy monitor in `tele/<t>/SENSOR`.
 */
abstract class TasmotaDevice extends MqttDevice {
  private readonly bootAt: number;

  constructor(
    protected readonly description: DeviceDescription,
    ctx: SimContext,
    telePeriodSeconds: number,
  ) {
    super(description.id, ctx);
    this.bootAt = ctx.clock.now();
    this.every(telePeriodSeconds * 1000, () => void this.publishAll(this.telemetry()));
  }

  protected get topic(): string {
    return this.id;
  }

  protected override connectOptions(): IClientOptions {
    return { will: { topic: `tele/${this.topic}/LWT`, payload: Buffer.from(OFFLINE), retain: true, qos: 1 } };
  }

  protected override announce(): Publication[] {
    return [{ topic: `tele/${this.topic}/LWT`, payload: ONLINE, retain: true, qos: 1 }, ...this.telemetry()];
  }

  protected override farewell(): Publication[] {
    return [{ topic: `tele/${this.topic}/LWT`, payload: OFFLINE, retain: true, qos: 1 }];
  }

  /** Fields of `tele/<t>/STATE` beyond time and uptime. */
  protected abstract stateFields(): Record<string, unknown>;

  protected telemetry(): Publication[] {
    const now = this.ctx.clock.now();
    const uptimeSec = Math.floor((now - this.bootAt) / 1000);
    const state = {
      Time: localTimestamp(this.ctx.environment, now),
      Uptime: `${Math.floor(uptimeSec / 86400)}T${new Date((uptimeSec % 86400) * 1000).toISOString().slice(11, 19)}`,
      UptimeSec: uptimeSec,
      ...this.stateFields(),
      Wifi: { RSSI: this.random.int(60, 90) },
    };
    return [{ topic: `tele/${this.topic}/STATE`, payload: JSON.stringify(state) }];
  }

  /** The availability keys every discovery config of this device carries. */
  protected availability(): Record<string, unknown> {
    return { availability_topic: `tele/${this.topic}/LWT`, payload_available: ONLINE, payload_not_available: OFFLINE };
  }
}

/** Tasmota's energy monitor: ENERGY in `tele/<t>/SENSOR`, and the four HA sensors reading it. */
class EnergyMonitor {
  private readonly counter: EnergyCounter;
  private readonly startTime: string;
  private day: number;
  private totalAtMidnight = 0;
  private yesterday = 0;

  constructor(
    private readonly device: { topic: string; ctx: SimContext; random: () => number },
    readonly power: () => number,
  ) {
    const now = device.ctx.clock.now();
    this.counter = new EnergyCounter(power, now);
    this.startTime = localTimestamp(device.ctx.environment, now);
    this.day = localDay(device.ctx.environment, now);
  }

  /** Closes the energy interval: call just before the power changes. */
  update(): void {
    this.counter.update(this.device.ctx.clock.now());
  }

  sensorPayload(): string {
    const { ctx } = this.device;
    const now = ctx.clock.now();
    const total = this.counter.update(now);
    const day = localDay(ctx.environment, now);
    if (day !== this.day) {
      this.yesterday = total - this.totalAtMidnight;
      this.totalAtMidnight = total;
      this.day = day;
    }
    const power = Math.round(this.power());
    const voltage = Math.round(230 + (this.device.random() - 0.5) * 6);
    return JSON.stringify({
      Time: localTimestamp(ctx.environment, now),
      ENERGY: {
        TotalStartTime: this.startTime,
        Total: round(total, 3),
        Yesterday: round(this.yesterday, 3),
        Today: round(total - this.totalAtMidnight, 3),
        Power: power,
        Voltage: voltage,
        Current: round(power / voltage, 3),
      },
    });
  }

  discovery(description: DeviceDescription, model: string, availability: Record<string, unknown>): DiscoveryConfig[] {
    const sensor = (key: string, deviceClass: string, unit: string, stateClass: string, label: string) =>
      haConfig('sensor', `${description.id}_${key.toLowerCase()}`, {
        name: `${description.name} ${label}`,
        state_topic: `tele/${this.device.topic}/SENSOR`,
        value_template: `{{ value_json.ENERGY.${key} }}`,
        device_class: deviceClass,
        unit_of_measurement: unit,
        state_class: stateClass,
        ...availability,
        device: haDevice(description, model),
      });
    return [
      sensor('Power', 'power', 'W', 'measurement', 'power'),
      sensor('Total', 'energy', 'kWh', 'total_increasing', 'energy'),
      sensor('Voltage', 'voltage', 'V', 'measurement', 'voltage'),
      sensor('Current', 'current', 'A', 'measurement', 'current'),
    ];
  }
}

export interface SwitchSpec extends DeviceDescription {
  kind: 'light' | 'plug';
  /** Watts drawn when on (at full brightness for a dimmable light). */
  watts: number;
  /** Lights only: Dimmer 0-100 on `cmnd/<t>/Dimmer`. */
  dimmable?: boolean;
  on?: boolean;
  /** Seconds between `tele/` messages; Tasmota's default is 300. */
  telePeriodSeconds?: number;
}

const POWER_COMMANDS: Readonly<Record<string, (on: boolean) => boolean>> = {
  ON: () => true,
  '1': () => true,
  OFF: () => false,
  '0': () => false,
  TOGGLE: (on) => !on,
  '2': (on) => !on,
};

/**
 * A Tasmota light or plug. Obeys `cmnd/<t>/POWER` (ON/OFF/TOGGLE, empty = query) and, when dimmable,
 * `cmnd/<t>/Dimmer`; confirms on `stat/<t>/RESULT` and `stat/<t>/POWER` (retained, as with
 * Tasmota's PowerRetain). A plug meters its own load in `tele/<t>/SENSOR`.
 */
export class TasmotaSwitch extends TasmotaDevice implements Load {
  private powered: boolean;
  private dimmer = 100;
  private readonly listeners: Array<() => void> = [];
  private readonly energy: EnergyMonitor | undefined;

  constructor(
    private readonly spec: SwitchSpec,
    ctx: SimContext,
  ) {
    super(spec, ctx, spec.telePeriodSeconds ?? 300);
    this.powered = spec.on ?? false;
    this.energy = spec.kind === 'plug' ? new EnergyMonitor({ topic: this.topic, ctx, random: () => this.random.next() }, () => this.power()) : undefined;
    this.on(`cmnd/${this.topic}/POWER`, (payload) => this.powerCommand(payload));
    if (this.dimmable) this.on(`cmnd/${this.topic}/Dimmer`, (payload) => this.dimmerCommand(payload));
  }

  private get model(): string {
    return `Tasmota ${this.spec.kind} (simulated)`;
  }

  private get dimmable(): boolean {
    return this.spec.kind === 'light' && this.spec.dimmable === true;
  }

  get isOn(): boolean {
    return this.powered;
  }

  power(): number {
    if (!this.powered) return 0;
    return this.dimmable ? (this.spec.watts * this.dimmer) / 100 : this.spec.watts;
  }

  onPowerChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Switches as a command would (also used by scenes in demos), then confirms on stat/. */
  set(on: boolean, dimmer = this.dimmer): Promise<void> {
    if (on !== this.powered || dimmer !== this.dimmer) {
      for (const listener of [() => this.energy?.update(), ...this.listeners]) listener();
      this.powered = on;
      this.dimmer = dimmer;
    }
    return this.publishAll(this.result());
  }

  private powerCommand(payload: string): void {
    if (payload === '') {
      void this.publishAll(this.result());
      return;
    }
    const command = POWER_COMMANDS[payload.trim().toUpperCase()];
    if (command) void this.set(command(this.powered));
  }

  private dimmerCommand(payload: string): void {
    const value = Number(payload);
    if (payload.trim() === '' || !Number.isInteger(value) || value < 0 || value > 100) return;
    // Tasmota switches a light on with a non-zero Dimmer and off with 0.
    void this.set(value > 0, value === 0 ? this.dimmer : value);
  }

  private powerText(): string {
    return this.powered ? 'ON' : 'OFF';
  }

  private result(): Publication[] {
    const result = this.dimmable ? { POWER: this.powerText(), Dimmer: this.dimmer } : { POWER: this.powerText() };
    return [
      { topic: `stat/${this.topic}/RESULT`, payload: JSON.stringify(result) },
      { topic: `stat/${this.topic}/POWER`, payload: this.powerText(), retain: true },
    ];
  }

  protected override announce(): Publication[] {
    return [...super.announce(), ...this.result()];
  }

  protected override stateFields(): Record<string, unknown> {
    return this.dimmable ? { POWER: this.powerText(), Dimmer: this.dimmer } : { POWER: this.powerText() };
  }

  protected override telemetry(): Publication[] {
    const sensor = this.energy ? [{ topic: `tele/${this.topic}/SENSOR`, payload: this.energy.sensorPayload() }] : [];
    return [...super.telemetry(), ...sensor];
  }

  protected override discovery(): DiscoveryConfig[] {
    const { id, name } = this.spec;
    const common = {
      name,
      state_topic: `stat/${this.topic}/POWER`,
      command_topic: `cmnd/${this.topic}/POWER`,
      payload_on: 'ON',
      payload_off: 'OFF',
      ...this.availability(),
      device: haDevice(this.spec, this.model),
    };
    if (this.spec.kind === 'plug') return [haConfig('switch', id, common), ...this.energy!.discovery(this.spec, this.model, this.availability())];
    const brightness = this.dimmable
      ? {
          brightness_command_topic: `cmnd/${this.topic}/Dimmer`,
          brightness_state_topic: `stat/${this.topic}/RESULT`,
          brightness_value_template: '{{ value_json.Dimmer }}',
          brightness_scale: 100,
        }
      : {};
    return [haConfig('light', id, { ...common, ...brightness })];
  }
}

export interface MeterSpec extends DeviceDescription {
  /** Always-on consumption not modelled as a device (fridge, router, standby), in watts. */
  baseWatts: number;
  telePeriodSeconds?: number;
}

/**
 * A whole-house meter (a Tasmota energy monitor on the mains): its power is the base load plus every
 * attached load, its energy the integral of that.
 */
export class HouseMeter extends TasmotaDevice {
  private readonly loads: Load[] = [];
  private readonly energy: EnergyMonitor;

  constructor(
    private readonly spec: MeterSpec,
    ctx: SimContext,
  ) {
    super(spec, ctx, spec.telePeriodSeconds ?? 10);
    this.energy = new EnergyMonitor({ topic: this.topic, ctx, random: () => this.random.next() }, () => this.power());
  }

  attach(load: Load): void {
    load.onPowerChange(() => this.energy.update());
    this.loads.push(load);
  }

  power(): number {
    return this.loads.reduce((sum, load) => sum + load.power(), this.spec.baseWatts);
  }

  protected override stateFields(): Record<string, unknown> {
    return {};
  }

  protected override telemetry(): Publication[] {
    return [...super.telemetry(), { topic: `tele/${this.topic}/SENSOR`, payload: this.energy.sensorPayload() }];
  }

  protected override discovery(): DiscoveryConfig[] {
    return this.energy.discovery(this.spec, 'Tasmota energy meter (simulated)', this.availability());
  }
}
