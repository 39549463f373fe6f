import type { Duplex } from 'node:stream';
import { Random } from '@hearth/random';
import type { Clock } from './clock.js';
import { Environment } from './environment.js';
import { type SnLink, RawSerialLink, UdpLink, type UdpAddress, XbeeCoordinator } from './garden/links.js';
import { type GardenSensorSpec, GardenSensor, type SensorTiming } from './garden/sensor.js';
import type { DeviceDescription } from './home-assistant.js';
import { HomieThermostat, type ThermostatSpec } from './homie.js';
import type { MqttConnect, MqttDevice, SimContext } from './mqtt-device.js';
import { HouseMeter, type MeterSpec, type SwitchSpec, TasmotaSwitch } from './tasmota.js';
import { DoorSensor, MotionSensor } from './zigbee.js';

export type DeviceSpec =
  | SwitchSpec
  | ({ kind: 'meter' } & MeterSpec)
  | ({ kind: 'motion' | 'door' } & DeviceDescription)
  | ({ kind: 'thermostat' } & ThermostatSpec)
  | ({ kind: 'garden'; transport: 'udp' | 'serial'; /** The sensor radio's 64-bit address (XBee only); derived from the id by default. */ address64?: string } & GardenSensorSpec);

export type DeviceKind = DeviceSpec['kind'];

export interface SimulatorOptions {
  seed: number;
  clock: Clock;
  environment?: Environment;
  devices: readonly DeviceSpec[];
  /** Needed when any device speaks MQTT. */
  mqtt?: MqttConnect;
  /** MQTT-SN gateway on UDP for `transport: 'udp'` garden sensors; `search` is where SEARCHGW goes. */
  snUdp?: { gateway: UdpAddress; search?: UdpAddress };
  /** The hub's serial line for `transport: 'serial'` garden sensors: an XBee coordinator, or one sensor wired directly (raw). */
  snSerial?: { line: Duplex; mode: 'xbee' | 'raw' };
  snTiming?: SensorTiming;
}

/** Devices that cannot run with the given options, and why. */
export interface Skipped {
  id: string;
  reason: string;
}

/**
 * A simulated house: builds the devices of `options.devices`, connects them, attaches every load to
 * the house meter, and stops them all. `device(id)` hands out a device for tests and scripted demos.
 */
export class Simulator {
  private readonly mqttDevices = new Map<string, MqttDevice>();
  private readonly gardenSensors = new Map<string, GardenSensor>();
  private readonly udpLinks: UdpLink[] = [];
  readonly skipped: Skipped[] = [];
  private stopped = false;
  readonly context: SimContext;

  private constructor(private readonly options: SimulatorOptions) {
    this.context = { clock: options.clock, random: new Random(options.seed), environment: options.environment ?? new Environment() };
  }

  static async start(options: SimulatorOptions): Promise<Simulator> {
    const sim = new Simulator(options);
    try {
      await sim.build();
    } catch (error) {
      await sim.stop();
      throw error;
    }
    return sim;
  }

  /** A running device by id, e.g. `sim.device<TasmotaSwitch>('kitchen')`. */
  device<T extends MqttDevice | GardenSensor>(id: string): T {
    const device = this.mqttDevices.get(id) ?? this.gardenSensors.get(id);
    if (!device) throw new Error(`no simulated device "${id}"`);
    return device as T;
  }

  get gardens(): GardenSensor[] {
    return [...this.gardenSensors.values()];
  }

  /** Stops every device; calling it again does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const sensor of this.gardenSensors.values()) sensor.stop();
    await Promise.all([...this.mqttDevices.values()].map((d) => d.stop()));
    await Promise.all(this.udpLinks.map((l) => l.close()));
  }

  private async build(): Promise<void> {
    const ctx = this.context;
    let meter: HouseMeter | undefined;
    const loads: Array<TasmotaSwitch | HomieThermostat> = [];
    let coordinator: XbeeCoordinator | undefined;
    let rawLineUsed = false;

    for (const spec of this.options.devices) {
      switch (spec.kind) {
        case 'light':
        case 'plug': {
          const device = new TasmotaSwitch(spec, ctx);
          loads.push(device);
          this.mqttDevices.set(spec.id, device);
          break;
        }
        case 'thermostat': {
          const device = new HomieThermostat(spec, ctx);
          loads.push(device);
          this.mqttDevices.set(spec.id, device);
          break;
        }
        case 'meter':
          meter = new HouseMeter(spec, ctx);
          this.mqttDevices.set(spec.id, meter);
          break;
        case 'motion':
          this.mqttDevices.set(spec.id, new MotionSensor(spec, ctx));
          break;
        case 'door':
          this.mqttDevices.set(spec.id, new DoorSensor(spec, ctx));
          break;
        case 'garden': {
          let link: SnLink | undefined;
          const { snUdp, snSerial } = this.options;
          if (spec.transport === 'udp' && snUdp) {
            const udp = await UdpLink.open(snUdp.gateway, snUdp.search);
            this.udpLinks.push(udp);
            link = udp;
          } else if (spec.transport === 'serial' && snSerial?.mode === 'xbee') {
            coordinator ??= new XbeeCoordinator(snSerial.line);
            link = coordinator.endpoint(spec.address64 ?? defaultAddress64(spec.id));
          } else if (spec.transport === 'serial' && snSerial?.mode === 'raw' && !rawLineUsed) {
            rawLineUsed = true;
            link = new RawSerialLink(snSerial.line);
          }
          if (!link) {
            this.skipped.push({ id: spec.id, reason: skipReason(spec.transport, this.options, rawLineUsed) });
            break;
          }
          this.gardenSensors.set(spec.id, new GardenSensor(spec, ctx, link, this.options.snTiming));
          break;
        }
      }
    }
    if (meter) for (const load of loads) meter.attach(load);

    if (this.mqttDevices.size > 0) {
      const connect = this.options.mqtt;
      if (!connect) throw new Error('the simulated MQTT devices need an MQTT connection');
      await Promise.all([...this.mqttDevices.values()].map((d) => d.start(connect)));
    }
    for (const sensor of this.gardenSensors.values()) sensor.start();
  }
}

function skipReason(transport: 'udp' | 'serial', options: SimulatorOptions, rawLineUsed: boolean): string {
  if (transport === 'udp') return 'no MQTT-SN UDP gateway given';
  if (!options.snSerial) return 'no serial line given';
  return rawLineUsed ? 'a raw serial line carries one sensor only' : 'unsupported serial mode';
}

/** A stable address in Digi's 0013A200 range, from the sensor id. */
export function defaultAddress64(id: string): string {
  const low = new Random(0).fork(id).int(0, 0xffffffff);
  return `0013a200${low.toString(16).padStart(8, '0')}`;
}
