import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { parsePredefinedTopics, SnGateway, type SnGatewayStats, type SnLink, type SnPredefinedTopic } from '@hearth/mqtt-sn';
import type { Database } from 'better-sqlite3';
import { DeviceCredentialsRepository } from '../auth/device-credentials.repository.js';
import { MqttAuthService } from '../auth/mqtt-auth.service.js';
import { BrokerService, type ListenerAddress } from '../broker/broker.service.js';
import { ExternalBroker } from '../broker/external-broker.js';
import { onExternalBroker, type HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { SnBrokerSessions, type SnBrokerAccess } from './sn-broker-sessions.js';
import { SnAccess, type SnDirectory } from './sn-access.js';
import { SnClaims } from './sn-claims.js';
import { RawFraming, SerialLink, XbeeFraming } from './serial-link.js';
import { SqliteSnStore } from './sqlite-sn-store.js';
import { UdpLink } from './udp-link.js';

export interface MqttSnHealth {
  /** degraded: the configured serial device is not open. */
  status: 'ok' | 'degraded';
  udp: ListenerAddress | null;
  /** The multicast group the gateway joined (HEARTH_SN_MULTICAST); null when off or the join failed. */
  multicast: { group: string; port: number } | null;
  serial: { path: string; mode: 'xbee' | 'raw'; open: boolean; framesDropped: number } | null;
  clients: { active: number; asleep: number };
  counters: SnGatewayStats;
}

/** The MQTT-SN gateway of the hub: SnGateway on the hub's broker (embedded or external), its SQLite state, and its UDP and serial links. */
@Injectable()
export class MqttSnService {
  /** Sensors that named a device credential from an address not bound to it, waiting for an admin. */
  readonly claims = new SnClaims();
  private readonly log: Logger;
  private readonly sn: HubConfig['sn'];
  private gateway!: SnGateway;
  private udp: UdpLink | undefined;
  private serial: SerialLink | undefined;
  private udpAddress: ListenerAddress | null = null;
  private readonly onExternal: boolean;
  private multicast: MqttSnHealth['multicast'] = null;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
    private readonly broker: BrokerService,
    private readonly external: ExternalBroker,
    private readonly mqttAuth: MqttAuthService,
    private readonly devices: DeviceCredentialsRepository,
  ) {
    this.sn = config.sn;
    this.onExternal = onExternalBroker(config);
    this.log = root.child({ module: 'mqtt-sn' });
  }

  /**
   * Builds the gateway, takes up the sessions of the last run, then opens the serial device or keeps
   * trying to. A bad predefined topics file fails the start, naming the setting.
   */
  async start(): Promise<void> {
    const sn = this.sn;
    const directory: SnDirectory = {
      device: (name) => {
        const credential = this.devices.findByName(name);
        return credential && { active: credential.revokedAt === null, addresses: this.devices.snAddresses(credential.id) };
      },
      predefinedTopics: (clientId) => this.gateway.predefinedTopics().filter((topic) => topic.clientId === clientId || topic.clientId === '*').map((topic) => topic.topicName),
    };
    this.gateway = new SnGateway({
      gatewayId: sn.gatewayId,
      broker: new SnBrokerSessions(this.brokerAccess(), new SnAccess(sn.udpAllow, directory, this.claims)),
      store: new SqliteSnStore(this.db),
      log: this.log,
      predefined: sn.predefined ? readPredefined(sn.predefined) : [],
      retryInterval: sn.retryInterval,
      maxRetries: sn.maxRetries,
      advertiseInterval: sn.advertiseInterval,
      maxClients: sn.maxClients,
      maxTopicsPerClient: sn.maxTopics,
      maxQueued: sn.maxQueued,
      maxInflight: sn.maxInflight,
    });
    const receive = (link: SnLink, address: string, frame: Buffer) => this.gateway.receive(link, address, frame);
    if (sn.udpPort !== null) this.udp = new UdpLink(receive);
    if (sn.serial !== null) {
      this.serial = new SerialLink({
        path: sn.serial,
        baudRate: sn.baud,
        framing: sn.serialMode === 'xbee' ? new XbeeFraming(sn.xbeeApiMode) : new RawFraming(sn.baud),
        retryInterval: sn.serialRetry,
        log: this.log,
        onFrame: receive,
        onOpen: (link) => this.gateway.advertise(link),
      });
    }
    for (const link of [this.udp, this.serial]) if (link) this.gateway.addLink(link);
    await this.gateway.start();
    this.serial?.start();
  }

  /**
   * Sensor sessions in-process on the embedded broker (which checks their rights), or connections of their own
   * to the external broker, signed in as the hub, their rights checked here.
   */
  private brokerAccess(): SnBrokerAccess {
    if (!this.onExternal) return { connect: (identity) => this.broker.connectInProcess(identity), publish: (...message) => this.broker.publish(...message) };
    return {
      connect: () => this.external.connect(),
      publish: (...message) => this.external.publish(...message),
      credentials: this.external.credentials,
      permits: (identity, clientId) => this.mqttAuth.permissionsOf(identity, clientId),
    };
  }

  /** Binds the UDP listener and joins the multicast group; null when HEARTH_SN_UDP_PORT is off. */
  async listenUdp(): Promise<ListenerAddress | null> {
    if (!this.udp || this.sn.udpPort === null) return null;
    this.udpAddress = await this.udp.listen(this.sn.udpHost, this.sn.udpPort);
    if (this.sn.multicast) await this.joinGroup(this.udp);
    return this.udpAddress;
  }

  /** A group the host cannot join leaves discovery by multicast off: sensors that know the address still connect. */
  private async joinGroup(udp: UdpLink): Promise<void> {
    const { multicastGroup: group, multicastPort: port } = this.sn;
    try {
      const link = await udp.joinGroup(group, port);
      this.gateway.addLink(link);
      this.gateway.advertise(link);
      this.multicast = { group, port };
      this.log.info({ listener: 'mqtt-sn-multicast', group, port }, `MQTT-SN discovery on the multicast group ${group}:${port}`);
    } catch (error) {
      this.log.warn(
        { group, port, reason: (error as Error).message },
        'could not join the MQTT-SN multicast group (HEARTH_SN_MULTICAST_GROUP, HEARTH_SN_MULTICAST_PORT): no SEARCHGW or ADVERTISE by multicast',
      );
    }
  }

  /** What the gateway resolves predefined topic ids with: HEARTH_SN_PREDEFINED and the database's, as loaded at start. */
  predefinedTopics(): SnPredefinedTopic[] {
    return this.gateway.predefinedTopics();
  }

  health(): MqttSnHealth {
    const serial = this.serial && this.sn.serial !== null
      ? { path: this.sn.serial, mode: this.sn.serialMode, open: this.serial.open, framesDropped: this.serial.dropped }
      : null;
    return {
      status: serial && !serial.open ? 'degraded' : 'ok',
      udp: this.udpAddress,
      multicast: this.multicast,
      serial,
      clients: this.gateway.sessionCounts(),
      counters: { ...this.gateway.stats },
    };
  }

  /** Ends the sensors' sessions without their wills, and closes the links. */
  async stop(): Promise<void> {
    await this.gateway.stop();
    await Promise.all([this.serial?.stop(), this.udp?.close()]);
  }
}

/** Fails the start with the setting's name, as the config loader does for a bad value. */
function readPredefined(path: string): SnPredefinedTopic[] {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new Error(`HEARTH_SN_PREDEFINED (sn.predefined): cannot read ${path}: ${(error as Error).message}`);
  }
  const { topics, errors } = parsePredefinedTopics(text);
  if (errors.length > 0) throw new Error(`HEARTH_SN_PREDEFINED (sn.predefined): ${path}:\n  ${errors.join('\n  ')}`);
  return topics;
}
