import { Buffer } from 'node:buffer';
import type { MqttMessage } from '@hearth/entities';
import {
  type DeviceSpec,
  type Environment,
  GardenModel,
  HouseMeter,
  ManualClock,
  type MqttDevice,
  Random,
  READINGS,
  gardenTopic,
  readingPayload,
  type SimContext,
  TasmotaSwitch,
} from '@hearth/simulator';
import type { MqttClient } from 'mqtt';
import { Household } from './household.js';

const MINUTE = 60_000;
/** Telemetry and garden reports in the past come this often: a month replays in a few seconds. */
const REPORT_EVERY = 5 * MINUTE;
/** The hand-driven clock moves this far between drains of the devices' publishing. */
const STEP = 30_000;

/** A client that keeps what a device publishes, stamped with the time it was published. */
function recordingClient(clock: ManualClock, into: MqttMessage[], clients: Array<{ connected: boolean }>): MqttClient {
  const client = {
    connected: true,
    on: (event: string, listener: () => void) => (event === 'connect' ? queueMicrotask(listener) : undefined),
    once: () => undefined,
    subscribeAsync: async () => [],
    publishAsync: async (topic: string, payload: string | Buffer) => void into.push({ topic, payload: Buffer.from(payload), time: clock.now() }),
    endAsync: async () => undefined,
  };
  clients.push(client);
  return client as unknown as MqttClient;
}

/**
 * What the demo house would have published over the `days` before `to`: its meter, plugs and lights (the same
 * device models, switched by the same household) on a hand-driven clock, and its garden sensors' reports, in
 * time order, each with the time it was published. Replayed through the entity pipeline, they give a new demo a
 * month of history and statistics. Telemetry comes every 5 minutes (the live devices report more often).
 */
export async function pastMessages(devices: readonly DeviceSpec[], environment: Environment, seed: number, to: number, days: number): Promise<MqttMessage[]> {
  const from = to - days * 24 * 60 * MINUTE;
  const clock = new ManualClock(from);
  const ctx: SimContext = { clock, random: new Random(seed).fork('past'), environment };
  const messages: MqttMessage[] = [];
  const switches = new Map<string, TasmotaSwitch>();
  let meter: HouseMeter | undefined;
  const started: MqttDevice[] = [];
  const clients: Array<{ connected: boolean }> = [];
  for (const spec of devices) {
    if (spec.kind === 'light' || spec.kind === 'plug') switches.set(spec.id, new TasmotaSwitch({ ...spec, telePeriodSeconds: REPORT_EVERY / 1000 }, ctx));
    else if (spec.kind === 'meter') meter = new HouseMeter({ ...spec, telePeriodSeconds: REPORT_EVERY / 1000 }, ctx);
  }
  for (const device of switches.values()) meter?.attach(device);
  for (const device of [...switches.values(), ...(meter ? [meter] : [])]) {
    await device.start(() => recordingClient(clock, messages, clients));
    started.push(device);
  }
  const kettle = switches.get('kettle_plug');
  const household = kettle ? new Household(clock, ctx.random.fork('household'), { kettle, lights: devices.filter((d) => d.kind === 'light').map((d) => switches.get(d.id)!) }) : undefined;
  household?.start();
  const gardens = devices.flatMap((spec) =>
    spec.kind === 'garden' ? [{ spec, model: new GardenModel(environment, ctx.random.fork(spec.id), from, { moisture: spec.moisture, batteryMillivolts: spec.batteryMillivolts }) }] : [],
  );
  for (let time = from; time < to; ) {
    const next = Math.min(to, time + STEP);
    // Garden reports on the same schedule, between the clock's steps.
    for (let report = Math.ceil(time / REPORT_EVERY) * REPORT_EVERY; report < next; report += REPORT_EVERY)
      for (const { spec, model } of gardens) {
        const readings = model.sample(report);
        for (const name of READINGS.filter((r) => (spec.readings ?? READINGS).includes(r))) messages.push({ topic: gardenTopic(spec.id, name), payload: Buffer.from(readingPayload(name, readings)), time: report });
      }
    clock.advance(next - time);
    time = next;
    // Devices publish a batch one message after another: let each batch finish at this step's time.
    await new Promise((resolve) => setImmediate(resolve));
  }
  household?.stop();
  // The devices go on live: no farewell (LWT Offline) at the end of the past.
  for (const client of clients) client.connected = false;
  for (const device of started) await device.stop();
  return messages.sort((a, b) => a.time! - b.time!);
}
