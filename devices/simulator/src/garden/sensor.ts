import { ReturnCode, decode, encode, type SnMessage, type SnPlainMessage, type SnPublishTopic } from '@hearth/mqtt-sn';
import type { Timer } from '../clock.js';
import type { SimContext } from '../mqtt-device.js';
import { GardenModel } from './model.js';
import {
  type GardenTopic,
  PREDEFINED_TOPIC_IDS,
  READINGS,
  type ReadingName,
  type Readings,
  gardenTopic,
  readingPayload,
} from './protocol.js';
import type { SnLink } from './links.js';

export interface GardenSensorSpec {
  /** Sensor id, also its MQTT-SN client id (as the hearth-garden-sensor profile expects); topics `garden/<id>/...`. */
  id: string;
  /** `predefined`: the ids of PREDEFINED_TOPIC_IDS, as the sketch; `register`: REGISTER each topic name after connecting. */
  topicIds: 'predefined' | 'register';
  /** QoS of every PUBLISH: 1 (acknowledged) or -1 (fire and forget; needs predefined ids). */
  qos: 1 | -1;
  /** What each report publishes, in READINGS order; all by default. The sketch has moisture, temperature and battery. */
  readings?: readonly ReadingName[];
  /** Subscribes to `garden/<id>/valve/set` and reports `garden/<id>/valve`; on by default. */
  valve?: boolean;
  /** Simulated seconds asleep between reports. */
  sleepSeconds?: number;
  /** CONNECT Duration, seconds. */
  keepAliveSeconds?: number;
  /** SEARCHGW and wait for GWINFO before connecting, instead of using the configured gateway. */
  searchGateway?: boolean;
  moisture?: number;
  batteryMillivolts?: number;
}

export interface SensorTiming {
  /** Real milliseconds to wait for the gateway's answer before sending again (MQTT-SN Tretry). */
  retryMs?: number;
  /** Sends per request before the sensor gives up and starts over at its next wake-up (Nretry). */
  attempts?: number;
}

/** The gateway did not answer, or refused: the sensor starts over with a fresh CONNECT at its next wake-up. */
export class GatewayLostError extends Error {
  override name = 'GatewayLostError';

  constructor(
    message: string,
    /** The gateway itself ended the session, so it is there: boot without waiting for the next wake-up. */
    readonly retryNow = false,
  ) {
    super(message);
  }
}

/**
 * A battery garden sensor speaking MQTT-SN v1.2 over any SnLink.
 *
 * Boot: [SEARCHGW/GWINFO], CONNECT with will (`garden/<id>/status` = `offline`, retained), [REGISTER
 * each topic], [SUBSCRIBE valve/set], PUBLISH status `online` (retained), a report, DISCONNECT with
 * the sleep duration. Each wake-up: PINGREQ with the client id, the gateway's buffered messages
 * (valve commands), PINGRESP; then with QoS 1 CONNECT (back to active), the report and DISCONNECT
 * again, or with QoS -1 just the report, which needs no connection. Same flow as the sketch's
 * garden_session.h, so both send the same bytes for the same readings.
 */
export class GardenSensor {
  readonly clientId: string;
  private readonly model: GardenModel;
  private readonly readings: readonly ReadingName[];
  private readonly valve: boolean;
  private readonly topicIds = new Map<GardenTopic, number>();
  private msgId = 0;
  private waiter: { match: (m: SnMessage) => boolean; resolve: (m: SnMessage) => void; reject: (e: Error) => void } | undefined;
  private wakeTimer: Timer | undefined;
  private stopped = false;
  private last: Readings | undefined;

  constructor(
    readonly spec: GardenSensorSpec,
    private readonly ctx: SimContext,
    private readonly link: SnLink,
    private readonly timing: SensorTiming = {},
  ) {
    if (spec.qos === -1 && spec.topicIds !== 'predefined') throw new Error(`garden sensor ${spec.id}: QoS -1 needs predefined topic ids`);
    this.clientId = spec.id;
    this.model = new GardenModel(ctx.environment, ctx.random.fork(`garden-${spec.id}`), ctx.clock.now(), spec);
    this.readings = READINGS.filter((r) => (spec.readings ?? READINGS).includes(r));
    this.valve = spec.valve !== false;
    link.onFrame((frame) => this.receive(frame));
  }

  get topics(): GardenTopic[] {
    return sensorTopics(this.spec);
  }

  /** The readings of the latest report. */
  get lastReadings(): Readings | undefined {
    return this.last;
  }

  get valveOpen(): boolean {
    return this.model.valveOpen;
  }

  start(): void {
    void this.boot();
  }

  stop(): void {
    this.stopped = true;
    this.wakeTimer?.cancel();
    this.waiter?.reject(new GatewayLostError('stopped'));
  }

  private get sleepSeconds(): number {
    return this.spec.sleepSeconds ?? 300;
  }

  /** Durations on the wire are real seconds: at a time scale of 60 a 300 s sleep lasts 5 s. */
  private wireSeconds(simSeconds: number): number {
    return Math.max(1, Math.ceil(simSeconds / this.ctx.clock.timeScale));
  }

  private async boot(): Promise<void> {
    await this.cycle(async () => {
      if (this.spec.searchGateway) await this.request({ type: 'searchgw', radius: 1 }, (m) => m.type === 'gwinfo', true);
      const keepAlive = this.wireSeconds(this.spec.keepAliveSeconds ?? 60);
      await this.request({ type: 'connect', will: true, cleanSession: true, duration: keepAlive, clientId: this.clientId }, (m) => m.type === 'willtopicreq');
      await this.request({ type: 'willtopic', will: { topic: gardenTopic(this.spec.id, 'status'), qos: 1, retain: true } }, (m) => m.type === 'willmsgreq');
      accepted(await this.request({ type: 'willmsg', willMsg: Buffer.from('offline') }, (m) => m.type === 'connack'));
      this.topicIds.clear();
      for (const topic of this.topics) {
        if (this.spec.topicIds === 'predefined') this.topicIds.set(topic, PREDEFINED_TOPIC_IDS[topic]);
        else if (topic !== 'valve/set') this.topicIds.set(topic, await this.register(topic));
      }
      if (this.valve) await this.subscribeValve();
      await this.publish('status', 'online', true);
      await this.report();
      await this.sleep();
    });
  }

  private async wake(): Promise<void> {
    await this.cycle(async () => {
      await this.request({ type: 'pingreq', clientId: this.clientId }, (m) => m.type === 'pingresp');
      if (this.spec.qos === -1) {
        await this.report();
        this.scheduleWake();
        return;
      }
      const duration = this.wireSeconds(this.spec.keepAliveSeconds ?? 60);
      accepted(await this.request({ type: 'connect', will: false, cleanSession: false, duration, clientId: this.clientId }, (m) => m.type === 'connack'));
      await this.report();
      await this.sleep();
    });
  }

  /** Runs one boot or wake-up; if the gateway is lost, boots again after a sleep. */
  private async cycle(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error) {
      if (this.stopped || !(error instanceof GatewayLostError)) return;
      this.wakeTimer = this.ctx.clock.setTimeout(() => void this.boot(), error.retryNow ? 0 : this.sleepSeconds * 1000);
    }
  }

  private async sleep(): Promise<void> {
    await this.request({ type: 'disconnect', duration: this.wireSeconds(this.sleepSeconds) }, (m) => m.type === 'disconnect');
    this.scheduleWake();
  }

  private scheduleWake(): void {
    if (this.stopped) return;
    this.wakeTimer = this.ctx.clock.setTimeout(() => void this.wake(), this.sleepSeconds * 1000);
  }

  private async report(): Promise<void> {
    const readings = this.model.sample(this.ctx.clock.now());
    this.last = readings;
    for (const name of this.readings) await this.publish(name, readingPayload(name, readings));
    if (this.valve) await this.publish('valve', this.model.valveOpen ? 'ON' : 'OFF', true);
  }

  private async register(topic: GardenTopic): Promise<number> {
    const msgId = this.nextMsgId();
    const regack = await this.request({ type: 'register', topicId: 0, msgId, topicName: gardenTopic(this.spec.id, topic) }, (m) => m.type === 'regack' && m.msgId === msgId);
    accepted(regack);
    return (regack as { topicId: number }).topicId;
  }

  private async subscribeValve(): Promise<void> {
    const msgId = this.nextMsgId();
    const topic =
      this.spec.topicIds === 'predefined'
        ? { topicIdType: 'predefined' as const, topicId: PREDEFINED_TOPIC_IDS['valve/set'] }
        : { topicIdType: 'normal' as const, topicName: gardenTopic(this.spec.id, 'valve/set') };
    const suback = await this.request({ type: 'subscribe', dup: false, qos: 1, msgId, topic }, (m) => m.type === 'suback' && m.msgId === msgId);
    accepted(suback);
    if (suback.type === 'suback' && this.spec.topicIds === 'register') this.topicIds.set('valve/set', suback.topicId);
  }

  private async publish(topic: GardenTopic, payload: string, retain = false): Promise<void> {
    const id = this.topicIds.get(topic)!;
    const publishTopic: SnPublishTopic = { topicIdType: this.spec.topicIds === 'predefined' ? 'predefined' : 'normal', topicId: id };
    const message = { type: 'publish', dup: false, retain, topic: publishTopic, payload: Buffer.from(payload) } as const;
    if (this.spec.qos === -1) {
      this.link.send(encode({ ...message, qos: -1, msgId: 0 }));
      return;
    }
    const msgId = this.nextMsgId();
    accepted(await this.request({ ...message, qos: 1, msgId }, (m) => m.type === 'puback' && m.msgId === msgId));
  }

  /** Sends `message` until an answer matching `match` arrives, at most `attempts` times. */
  private async request(message: SnPlainMessage, match: (m: SnMessage) => boolean, broadcast = false): Promise<SnMessage> {
    const frame = encode(message);
    const attempts = this.timing.attempts ?? 3;
    for (let attempt = 0; attempt < attempts && !this.stopped; attempt++) {
      const answer = new Promise<SnMessage | undefined>((resolve, reject) => {
        const timeout = setTimeout(() => resolve(undefined), this.timing.retryMs ?? 3000);
        const done = (m: SnMessage | undefined) => {
          clearTimeout(timeout);
          this.waiter = undefined;
          resolve(m);
        };
        this.waiter = { match, resolve: done, reject: (e) => (clearTimeout(timeout), reject(e)) };
      });
      this.link.send(frame, broadcast);
      const reply = await answer;
      if (reply) return reply;
    }
    throw new GatewayLostError(`${this.clientId}: no answer to ${message.type}`);
  }

  private receive(frame: Buffer): void {
    const result = decode(frame);
    if (!result.ok || this.stopped) return;
    const m = result.message;
    if (m.type === 'publish') this.command(m);
    else if (m.type === 'register') this.link.send(encode({ type: 'regack', topicId: m.topicId, msgId: m.msgId, returnCode: ReturnCode.ACCEPTED }));
    else if (this.waiter?.match(m)) this.waiter.resolve(m);
    // The gateway does not know this session (it restarted, or gave up on us): connect afresh now.
    else if (m.type === 'disconnect') this.waiter?.reject(new GatewayLostError('the gateway ended the session', true));
  }

  /** A message the gateway forwards: the valve command is the only topic a garden sensor subscribes to. */
  private command(m: Extract<SnMessage, { type: 'publish' }>): void {
    const topicId = 'topicId' in m.topic ? m.topic.topicId : 0;
    const known = this.valve && topicId === this.topicIds.get('valve/set');
    if (known) {
      const text = m.payload.toString().trim().toUpperCase();
      if (text === 'ON' || text === 'OFF') this.model.setValve(text === 'ON', this.ctx.clock.now());
    }
    if (m.qos === 1) {
      const returnCode = known ? ReturnCode.ACCEPTED : ReturnCode.INVALID_TOPIC_ID;
      this.link.send(encode({ type: 'puback', topicId, msgId: m.msgId, returnCode }));
    }
  }

  private nextMsgId(): number {
    this.msgId = (this.msgId % 0xffff) + 1;
    return this.msgId;
  }
}

/** The topics a sensor publishes or subscribes to, in registration order; also what the gateway's predefined-topics CSV needs. */
export function sensorTopics(spec: Pick<GardenSensorSpec, 'readings' | 'valve'>): GardenTopic[] {
  const readings = READINGS.filter((r) => (spec.readings ?? READINGS).includes(r));
  return [...readings, 'status', ...(spec.valve === false ? [] : (['valve', 'valve/set'] as const))];
}

/** A CONNACK, REGACK, SUBACK or PUBACK that refuses ends the cycle like a lost gateway. */
function accepted(m: SnMessage): void {
  if ('returnCode' in m && m.returnCode !== ReturnCode.ACCEPTED) throw new GatewayLostError(`${m.type} refused with return code ${m.returnCode}`);
}
