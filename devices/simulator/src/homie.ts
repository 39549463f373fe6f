import type { IClientOptions } from 'mqtt';
import { round, type Load } from './energy.js';
import { MqttDevice, type Publication, type SimContext } from './mqtt-device.js';

const HOUR_MS = 3_600_000;
const STEP_MS = 60_000;

export interface ThermostatSpec {
  id: string;
  name: string;
  /** Heater power when heating, watts. */
  heaterWatts: number;
  target?: number;
}

interface Property {
  name: string;
  datatype: 'float' | 'boolean' | 'enum';
  format?: string;
  unit?: string;
  settable: boolean;
  value: () => string;
}

/**
 * A Homie v4 thermostat: node `thermostat` with `temperature` (read-only), `target` and `mode`
 * (settable through `/set`) and `heating`. The room loses heat towards the outdoor temperature and
 * gains it while the heater runs, switched with 0.3 °C of hysteresis around the target.
 */
export class HomieThermostat extends MqttDevice implements Load {
  private temperature: number;
  private target: number;
  private mode: 'heat' | 'off' = 'heat';
  private heating = false;
  private readonly listeners: Array<() => void> = [];
  private readonly properties: Property[];

  constructor(
    private readonly spec: ThermostatSpec,
    ctx: SimContext,
  ) {
    super(spec.id, ctx);
    this.target = spec.target ?? 20.5;
    this.temperature = this.target - 1;
    this.properties = [
      { name: 'temperature', datatype: 'float', unit: '°C', settable: false, value: () => this.temperature.toFixed(1) },
      { name: 'target', datatype: 'float', format: '5:30', unit: '°C', settable: true, value: () => this.target.toFixed(1) },
      { name: 'mode', datatype: 'enum', format: 'off,heat', settable: true, value: () => this.mode },
      { name: 'heating', datatype: 'boolean', settable: false, value: () => String(this.heating) },
    ];
    this.on(`${this.node}/target/set`, (payload) => this.setTarget(payload));
    this.on(`${this.node}/mode/set`, (payload) => this.setMode(payload));
    this.every(STEP_MS, () => this.step());
  }

  private get base(): string {
    return `homie/${this.id}`;
  }

  private get node(): string {
    return `${this.base}/thermostat`;
  }

  power(): number {
    return this.heating ? this.spec.heaterWatts : 0;
  }

  onPowerChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  protected override connectOptions(): IClientOptions {
    return { will: { topic: `${this.base}/$state`, payload: Buffer.from('lost'), retain: true, qos: 1 } };
  }

  protected override announce(): Publication[] {
    const attr = (topic: string, payload: string): Publication => ({ topic, payload, retain: true, qos: 1 });
    const properties = this.properties.flatMap((p) => [
      attr(`${this.node}/${p.name}/$name`, p.name[0].toUpperCase() + p.name.slice(1)),
      attr(`${this.node}/${p.name}/$datatype`, p.datatype),
      ...(p.format ? [attr(`${this.node}/${p.name}/$format`, p.format)] : []),
      ...(p.unit ? [attr(`${this.node}/${p.name}/$unit`, p.unit)] : []),
      attr(`${this.node}/${p.name}/$settable`, String(p.settable)),
      attr(`${this.node}/${p.name}`, p.value()),
    ]);
    return [
      attr(`${this.base}/$state`, 'init'),
      attr(`${this.base}/$homie`, '4.0.0'),
      attr(`${this.base}/$name`, this.spec.name),
      attr(`${this.base}/$extensions`, ''),
      attr(`${this.base}/$nodes`, 'thermostat'),
      attr(`${this.node}/$name`, 'Thermostat'),
      attr(`${this.node}/$type`, 'thermostat'),
      attr(`${this.node}/$properties`, this.properties.map((p) => p.name).join(',')),
      ...properties,
      attr(`${this.base}/$state`, 'ready'),
    ];
  }

  protected override farewell(): Publication[] {
    return [{ topic: `${this.base}/$state`, payload: 'disconnected', retain: true, qos: 1 }];
  }

  private publishValues(...names: string[]): Promise<void> {
    return this.publishAll(
      this.properties
        .filter((p) => names.includes(p.name))
        .map((p) => ({ topic: `${this.node}/${p.name}`, payload: p.value(), retain: true, qos: 1 })),
    );
  }

  private setTarget(payload: string): void {
    const value = Number(payload);
    if (payload.trim() === '' || !Number.isFinite(value) || value < 5 || value > 30) return;
    this.target = value;
    this.regulate();
    void this.publishValues('target', 'heating');
  }

  private setMode(payload: string): void {
    if (payload !== 'heat' && payload !== 'off') return;
    this.mode = payload;
    this.regulate();
    void this.publishValues('mode', 'heating');
  }

  private regulate(): void {
    const heating = this.mode === 'heat' && (this.heating ? this.temperature < this.target + 0.3 : this.temperature < this.target - 0.3);
    if (heating === this.heating) return;
    for (const listener of this.listeners) listener();
    this.heating = heating;
  }

  /** One minute of room physics: 10 %/h loss towards outdoors, 2 °C/h from the heater. */
  private step(): void {
    const dtHours = STEP_MS / HOUR_MS;
    const outdoor = this.ctx.environment.temperature(this.ctx.clock.now());
    this.temperature += dtHours * (0.1 * (outdoor - this.temperature) + (this.heating ? 2 : 0));
    this.temperature = round(this.temperature + (this.random.next() - 0.5) * 0.02, 3);
    this.regulate();
    void this.publishValues('temperature', 'heating');
  }
}
