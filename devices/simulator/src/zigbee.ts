import type { IClientOptions } from 'mqtt';
import { haConfig, haDevice, type DeviceDescription } from './home-assistant.js';
import { type DiscoveryConfig, MqttDevice, type Publication, type SimContext } from './mqtt-device.js';

const MINUTE_MS = 60_000;

/**
 * A battery Zigbee sensor as Zigbee2MQTT presents it: JSON state at `zigbee2mqtt/<id>`, plain
 * `online`/`offline` at `zigbee2mqtt/<id>/availability`, and Zigbee2MQTT's own discovery payloads
 * (JSON booleans for payload_on/off).
 */
abstract class ZigbeeSensor extends MqttDevice {
  private battery = 100;

  constructor(
    protected readonly description: DeviceDescription,
    ctx: SimContext,
  ) {
    super(description.id, ctx);
    this.battery = this.random.int(70, 100);
  }

  protected get stateTopic(): string {
    return `zigbee2mqtt/${this.id}`;
  }

  private get availabilityTopic(): string {
    return `${this.stateTopic}/availability`;
  }

  protected override connectOptions(): IClientOptions {
    return { will: { topic: this.availabilityTopic, payload: Buffer.from('offline'), retain: true, qos: 1 } };
  }

  protected override announce(): Publication[] {
    return [{ topic: this.availabilityTopic, payload: 'online', retain: true, qos: 1 }, this.state()];
  }

  protected override farewell(): Publication[] {
    return [{ topic: this.availabilityTopic, payload: 'offline', retain: true, qos: 1 }];
  }

  /** The sensor's own fields of the JSON state. */
  protected abstract fields(): Record<string, unknown>;

  protected state(): Publication {
    const payload = { ...this.fields(), battery: this.battery, linkquality: this.random.int(40, 160) };
    return { topic: this.stateTopic, payload: JSON.stringify(payload), retain: true };
  }

  protected report(): Promise<void> {
    return this.publishAll([this.state()]);
  }

  protected binarySensor(key: string, deviceClass: string, onValue: boolean, label: string): DiscoveryConfig[] {
    const common = {
      state_topic: this.stateTopic,
      availability_topic: this.availabilityTopic,
      payload_available: 'online',
      payload_not_available: 'offline',
      device: haDevice(this.description, `Zigbee ${deviceClass} sensor (simulated)`),
    };
    return [
      haConfig('binary_sensor', `${this.id}_${key}`, {
        ...common,
        name: `${this.description.name} ${label}`,
        value_template: `{{ value_json.${key} }}`,
        payload_on: onValue,
        payload_off: !onValue,
        device_class: deviceClass,
      }),
      haConfig('sensor', `${this.id}_battery`, {
        ...common,
        name: `${this.description.name} battery`,
        value_template: '{{ value_json.battery }}',
        device_class: 'battery',
        unit_of_measurement: '%',
        state_class: 'measurement',
      }),
    ];
  }

  /** Schedules `event` after an exponentially distributed wait with the given mean, again and again. */
  protected randomly(meanMs: number, event: () => void): void {
    this.after(-Math.log(1 - this.random.next()) * meanMs, () => {
      this.randomly(meanMs, event);
      event();
    });
  }

  /** People are about from 07:00 to 23:00. */
  protected daytime(): boolean {
    const hour = this.ctx.environment.hourOfDay(this.ctx.clock.now());
    return hour >= 7 && hour < 23;
  }
}

/** An occupancy sensor (Aqara-style): occupancy true on motion, false after 90 s without. */
export class MotionSensor extends ZigbeeSensor {
  private occupancy = false;
  private clearAt = 0;

  override async start(...args: Parameters<ZigbeeSensor['start']>): Promise<void> {
    await super.start(...args);
    this.randomly(10 * MINUTE_MS, () => this.daytime() && void this.trigger());
  }

  /** Someone walks by. */
  trigger(): Promise<void> {
    const now = this.ctx.clock.now();
    this.clearAt = now + 90_000;
    this.after(90_000, () => {
      if (this.ctx.clock.now() < this.clearAt || !this.occupancy) return;
      this.occupancy = false;
      void this.report();
    });
    if (this.occupancy) return Promise.resolve();
    this.occupancy = true;
    return this.report();
  }

  protected override fields(): Record<string, unknown> {
    return { occupancy: this.occupancy };
  }

  protected override discovery(): DiscoveryConfig[] {
    return this.binarySensor('occupancy', 'motion', true, 'motion');
  }
}

/** A door contact: `contact` true when closed, as Zigbee2MQTT reports it; HA's door is "on" when open. */
export class DoorSensor extends ZigbeeSensor {
  private open = false;

  override async start(...args: Parameters<ZigbeeSensor['start']>): Promise<void> {
    await super.start(...args);
    this.randomly(30 * MINUTE_MS, () => {
      if (!this.daytime() || this.open) return;
      void this.setOpen(true);
      this.after(this.random.between(5_000, 60_000), () => void this.setOpen(false));
    });
  }

  setOpen(open: boolean): Promise<void> {
    this.open = open;
    return this.report();
  }

  protected override fields(): Record<string, unknown> {
    return { contact: !this.open };
  }

  protected override discovery(): DiscoveryConfig[] {
    return this.binarySensor('contact', 'door', false, 'door');
  }
}
