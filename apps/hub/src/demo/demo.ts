import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WEEKDAYS } from '@hearth/local-time';
import { DEMO_HOUSE, type DeviceSpec, Environment, predefinedTopicsCsv, ScaledClock, sensorTopics, Simulator, type TasmotaSwitch } from '@hearth/simulator';
import type { EnergyTariffsDto } from '@hearth/statistics';
import { MqttClient } from 'mqtt';
import { BrokerService } from '../broker/broker.service.js';
import type { HubConfig } from '../config/config.schema.js';
import type { RunningHub } from '../hub.js';
import type { Logger } from '../logging/logger.js';
import { EnergyService } from '../energy/energy.service.js';
import { EntitiesService } from '../entities/entities.service.js';
import { StatisticsService } from '../statistics/statistics.service.js';
import { Household } from './household.js';
import { pastMessages } from './past.js';

/** The simulator's demo house with every garden sensor on UDP: the hub's own gateway is their way in. */
export const DEMO_DEVICES: readonly DeviceSpec[] = DEMO_HOUSE.map((device) => (device.kind === 'garden' ? { ...device, transport: 'udp' } : device));

/** The same seed every start: the same house. */
const SEED = 1;
/** Days of history a new demo starts with. */
const HISTORY_DAYS = 30;
const DAY = 24 * 60 * 60 * 1000;

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
  const environment = new Environment({ utcOffsetMinutes: -new Date().getTimezoneOffset() });
  await backfill(hub, environment, log);
  const sim = await Simulator.start({
    seed: SEED,
    clock: new ScaledClock(timeScale),
    environment,
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

/**
 * A new demo starts with a month of history: what its devices would have published, replayed through the entity
 * pipeline (entities, readings and statistics as if it had run all along). Its house meter is the grid import and
 * its plugs are devices, so the energy page never counts twice.
 */
async function backfill(hub: RunningHub, environment: Environment, log: Logger): Promise<void> {
  const statistics = hub.app.get(StatisticsService);
  if (statistics.size > 0) return;
  const started = Date.now();
  const { pipeline } = hub.app.get(EntitiesService);
  const messages = await pastMessages(DEMO_DEVICES, environment, SEED, started, HISTORY_DAYS);
  // In slices, each committed, with a turn of the event loop between: the hub answers while a Pi replays.
  for (let i = 0; i < messages.length; i += 5_000) {
    for (const message of messages.slice(i, i + 5_000)) pipeline.receive(message);
    statistics.commit();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const meter = DEMO_DEVICES.find((device) => device.kind === 'meter');
  const mains = meter && pipeline.entities().find((entity) => entity.uniqueId === `${meter.id}_total`);
  const energy = hub.app.get(EnergyService);
  if (mains) energy.setRole(mains.id, 'grid_import');
  if (energy.tariffs().tariffs.length === 0) energy.setTariffs(demoTariffs(started));
  log.info({ messages: messages.length, days: HISTORY_DAYS, ms: Date.now() - started }, `demo history: ${HISTORY_DAYS} days replayed`);
}

/** The demo's prices: a night rate every day, and a rise ten days ago that leaves the costs before it as they were. */
function demoTariffs(now: number): EnergyTariffsDto {
  const daysAgo = (days: number) => new Date(now - days * DAY).toISOString().slice(0, 10);
  const night = { days: [...WEEKDAYS], from: '23:00', to: '07:00' };
  return {
    currency: 'EUR',
    tariffs: [
      { validFrom: daysAgo(HISTORY_DAYS + 1), price: 0.28, exportPrice: 0.08, windows: [{ ...night, price: 0.16 }] },
      { validFrom: daysAgo(10), price: 0.31, exportPrice: 0.08, windows: [{ ...night, price: 0.18 }] },
    ],
  };
}

/** A gateway on every address is reached on loopback, which HEARTH_SN_UDP_ALLOW trusts by default. */
const loopbackFor = (host: string): string => (host === '0.0.0.0' ? '127.0.0.1' : host);

