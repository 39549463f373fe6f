import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_HOUSE, type DeviceSpec, Environment, predefinedTopicsCsv, ScaledClock, sensorTopics, Simulator, type TasmotaSwitch } from '@hearth/simulator';
import { MqttClient } from 'mqtt';
import { BrokerService } from '../broker/broker.service.js';
import type { HubConfig } from '../config/config.schema.js';
import type { RunningHub } from '../hub.js';
import type { Logger } from '../logging/logger.js';
import { Household } from './household.js';

/** The simulator's demo house with every garden sensor on UDP: the hub's own gateway is their way in. */
export const DEMO_DEVICES: readonly DeviceSpec[] = DEMO_HOUSE.map((device) => (device.kind === 'garden' ? { ...device, transport: 'udp' } : device));

/** The same seed every start: the same house. */
const SEED = 1;

export interface Demo {
  stop(): Promise<void>;
}

/**
 * The gateway loads predefined topic ids at start, and two demo sensors use them: they go to a CSV in
 * the data directory, unless HEARTH_SN_PREDEFINED names a file (which must list them then).
 */
export function withDemoTopics(config: HubConfig): HubConfig {
  if (config.sn.predefined !== null) return config;
  const sensors = DEMO_DEVICES.flatMap((device) => (device.kind === 'garden' && device.topicIds === 'predefined' ? [{ sensorId: device.id, topics: sensorTopics(device) }] : []));
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'demo-predefined-topics.csv');
  writeFileSync(file, predefinedTopicsCsv(sensors));
  return { ...config, sn: { ...config.sn, predefined: file } };
}

/** Attaches the simulated house to a running hub: MQTT devices in-process, garden sensors over UDP to its gateway. */
export async function startDemo(hub: RunningHub, config: HubConfig, logger: Logger): Promise<Demo> {
  const log = logger.child({ module: 'demo' });
  const broker = hub.app.get(BrokerService);
  const { timeScale } = config.demo;
  const sim = await Simulator.start({
    seed: SEED,
    clock: new ScaledClock(timeScale),
    environment: new Environment({ utcOffsetMinutes: -new Date().getTimezoneOffset() }),
    devices: DEMO_DEVICES,
    // Sessions the hub vouches for, as for its own parts: no credentials, and the MQTT port may be off.
    mqtt: (options) => new MqttClient(() => broker.connectInProcess({ trusted: true }), options),
    snUdp: hub.mqttSn ? { gateway: { host: loopbackFor(hub.mqttSn.host), port: hub.mqttSn.port } } : undefined,
  });
  for (const { id, reason } of sim.skipped) log.warn({ device: id, reason }, `demo device ${id} skipped: ${reason}`);
  const household = new Household(sim.context.clock, sim.context.random.fork('household'), {
    kettle: sim.device<TasmotaSwitch>('kettle_plug'),
    lights: DEMO_DEVICES.filter((device) => device.kind === 'light').map((device) => sim.device<TasmotaSwitch>(device.id)),
  });
  household.start();
  const running = DEMO_DEVICES.length - sim.skipped.length;
  log.info({ demo: true, timeScale, devices: running }, `demo mode is on: ${running} simulated devices, time x${timeScale}`);
  return {
    async stop() {
      household.stop();
      await sim.stop();
    },
  };
}

/** A gateway on every address is reached on loopback, which HEARTH_SN_UDP_ALLOW trusts by default. */
const loopbackFor = (host: string): string => (host === '0.0.0.0' ? '127.0.0.1' : host);

