import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Inject, Injectable } from '@nestjs/common';
import { ReasonCode, type AuthenticateRequest, type AuthenticateResult, type BrokerClient } from '@hearth/broker';
import type { Database } from 'better-sqlite3';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { DevicePermissions, type AclRule, type MqttPrincipal } from './acl.js';
import { discoveryClaims, kindRules, ownSpaces, type DiscoveryClaims } from './device-kinds.js';
import { DeviceCredentialsRepository, type DeviceCredential } from './device-credentials.repository.js';
import { HashAbandoned, HasherBusy, PasswordHasher } from './password-hasher.js';
import { SignInPolicy } from './sign-in-policy.js';
import { UsersRepository } from './users.repository.js';

export type MqttTransport = 'mqtt' | 'mqtts' | 'mqtts-client-cert' | 'ws' | 'wss' | 'in-process';

/**
 * Whom an in-process session acts for: a device credential (an MQTT-SN sensor that proved it is that
 * device), a sensor trusted by network or wiring (the topic space its client id names, and the topics an
 * admin predefined for it), or a hub part the hub itself vouches for (the demo's simulator); without one,
 * an anonymous client.
 */
export type InProcessIdentity = { device: string } | { sensor: { predefined: string[] } } | { trusted: true };

/** Where a connection came from, as the broker saw it when it accepted it. */
export interface MqttConnection {
  transport: MqttTransport;
  socket?: Socket;
  remoteAddress?: string;
  /** In-process sessions only: whom the hub part acts for. */
  identity?: InProcessIdentity;
  /** Runs once the client's CONNECT is accepted (lifts the limits of a connection not signed in yet). */
  signedIn?: () => void;
}

type Refusal = Extract<AuthenticateResult, { outcome: 'refuse' }>;

/** MQTT 5 reason codes; the broker sends MQTT 3.x clients the matching CONNACK return code. */
const refusal = (reasonCode: number, reason: string): Refusal => ({ outcome: 'refuse', reasonCode, reason });

const decision = (principal: MqttPrincipal | Refusal): AuthenticateResult =>
  'outcome' in principal ? principal : { outcome: 'accept', principal: { principal } satisfies Grant };

/** What a session signed in as; revalidation replaces the principal when the credential changed. */
interface Grant {
  principal: MqttPrincipal;
}

const grantOf = (client: BrokerClient<MqttConnection>): Grant | undefined => client.principal as Grant | undefined;

export type MqttAction = 'publish' | 'subscribe' | 'receive';

/**
 * Whether a principal may do `action` on a topic (a filter, to subscribe); no principal may do nothing. The
 * payload, where there is one, decides discovery messages that do not name their device (device-kinds.ts).
 */
function permits(principal: MqttPrincipal | undefined, action: MqttAction, topic: string, payload?: Buffer): boolean {
  if (principal === undefined) return false;
  if (!('permissions' in principal)) return true;
  if (action === 'publish') return principal.permissions.canWrite(topic, payload);
  return action === 'subscribe' ? principal.permissions.canSubscribe(topic) : principal.permissions.canRead(topic, payload);
}

const isLoopback = (address = ''): boolean => /^(127\.|::1$|::ffff:127\.)/.test(address);

// How often the hub looks for credential changes made by the `hearth` CLI in another process.
const CHANGE_POLL_MS = 1000;

/**
 * Who may connect to the broker and what each session may publish, subscribe to and receive. The
 * broker's hooks call in here; the principal of every session is kept by the broker as the client's.
 */
@Injectable()
export class MqttAuthService {
  private readonly log: Logger;
  /** Connected clients, with what ends each one's connection. */
  private readonly live = new Map<BrokerClient<MqttConnection>, () => void>();
  private poll?: NodeJS.Timeout;
  private dataVersion = 0;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
    private readonly devices: DeviceCredentialsRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: SignInPolicy,
  ) {
    this.log = root.child({ module: 'mqtt-auth' });
  }

  start(): void {
    // data_version changes only when another connection (the CLI) commits: then sessions are re-checked.
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    this.poll = setInterval(() => {
      const version = this.db.pragma('data_version', { simple: true }) as number;
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.revalidate();
    }, CHANGE_POLL_MS).unref();
  }

  stop(): void {
    clearInterval(this.poll);
  }

  /**
   * Accepts a CONNECT with the principal it signs in as, or refuses it. Its will is checked by canPublish.
   * Decided at once unless a password must be hashed: the broker then sends CONNACK while it handles the
   * CONNECT, instead of a turn of the event loop later.
   */
  authenticate({ clientId, connection, username, password }: AuthenticateRequest<MqttConnection>): AuthenticateResult | Promise<AuthenticateResult> {
    const principal = this.identify(clientId, connection, username, password);
    return principal instanceof Promise ? principal.then(decision) : decision(principal);
  }

  /** The broker accepted the client's CONNECT; `close` ends its connection when its credentials go. */
  signedIn(client: BrokerClient<MqttConnection>, close: () => void): void {
    this.live.set(client, close);
  }

  signedOut(client: BrokerClient<MqttConnection>): void {
    this.live.delete(client);
  }

  canPublish(client: BrokerClient<MqttConnection>, topic: string, payload?: Buffer): boolean {
    return permits(grantOf(client)?.principal, 'publish', topic, payload);
  }

  canSubscribe(client: BrokerClient<MqttConnection>, filter: string): boolean {
    return permits(grantOf(client)?.principal, 'subscribe', filter);
  }

  canReceive(client: BrokerClient<MqttConnection>, topic: string, payload?: Buffer): boolean {
    return permits(grantOf(client)?.principal, 'receive', topic, payload);
  }

  /**
   * An external broker asks whether a CONNECT's credentials are good (/api/mqtt-auth): the same check, lockout
   * included, as a CONNECT to the embedded broker. `address` is the client's, when the broker says it.
   */
  async checkPassword(username: string, password: string, clientId: string, address: string): Promise<{ principal: MqttPrincipal } | { refused: string }> {
    const result = await this.identify(clientId, { transport: 'mqtt', remoteAddress: address }, username, Buffer.from(password, 'utf8'));
    return 'outcome' in result ? { refused: result.reason ?? 'refused' } : { principal: result };
  }

  /**
   * What a client an external broker signed in may do: its principal from its username alone, since the
   * broker vouches for the password (it asked checkPassword, or has the exported password file).
   */
  mayExternal(username: string, clientId: string, action: MqttAction, topic: string): boolean {
    if (this.isAdmin(username)) return true;
    const credential = username ? this.devices.findByName(username) : undefined;
    if (!credential || credential.revokedAt !== null) return false;
    return permits(this.devicePrincipal(credential, clientId), action, topic);
  }

  /**
   * What a session the hub opens for an identity may do (an MQTT-SN sensor on an external broker, which knows
   * the hub, not the sensor); null when the identity may not connect (a credential revoked meanwhile).
   */
  permissionsOf(identity: InProcessIdentity, clientId: string): ((action: MqttAction, topic: string) => boolean) | null {
    const principal = this.inProcess(identity, clientId);
    return 'outcome' in principal ? null : (action, topic) => permits(principal, action, topic);
  }

  /** People with the admin role may do anything over MQTT (as Mosquitto's superusers). */
  isAdmin(username: string): boolean {
    return username !== '' && this.users.findByName(username)?.role === 'admin';
  }

  /** Re-checks every connected session against the database: revoked, removed or changed credentials end their sessions. */
  revalidate(): void {
    for (const [client, close] of this.live) {
      const grant = grantOf(client)!;
      const next = this.current(client.clientId, grant.principal);
      if (next) {
        grant.principal = next;
        continue;
      }
      const { principal } = grant;
      this.log.info({ clientId: client.clientId, username: 'username' in principal ? principal.username : undefined }, 'closed a session whose credentials were revoked or changed');
      this.live.delete(client);
      close();
    }
  }

  private current(clientId: string, principal: MqttPrincipal): MqttPrincipal | null {
    if (principal.kind === 'trusted') return principal;
    // A device credential created with a sensor's client id takes that name from the sensor.
    if (principal.kind === 'sensor') return this.devices.findByName(clientId) ? null : this.sensorPrincipal(clientId, principal.predefined);
    if (principal.kind === 'admin') return this.users.findById(principal.userId)?.role === 'admin' ? principal : null;
    const credential = this.devices.findById(principal.credentialId);
    if (!credential || credential.revokedAt !== null || credential.passwordHash !== principal.passwordHash) return null;
    return this.devicePrincipal(credential, clientId, principal.permissions.claims);
  }

  private identify(clientId: string, connection: MqttConnection, username?: string, password?: Buffer): MqttPrincipal | Refusal | Promise<MqttPrincipal | Refusal> {
    if (connection.identity) return this.inProcess(connection.identity, clientId);
    if (connection.transport === 'mqtts-client-cert') {
      // The TLS layer already refused certificates not signed by HEARTH_TLS_CA; the certificate's CN names the device.
      const name = (connection.socket as TLSSocket).getPeerCertificate().subject?.CN;
      return typeof name === 'string' ? this.byDeviceName(name, clientId) : refusal(ReasonCode.NOT_AUTHORIZED, 'the client certificate has no common name');
    }
    if (username === undefined) {
      return this.anonymousAllowed(connection) ? { kind: 'trusted' } : refusal(ReasonCode.NOT_AUTHORIZED, 'anonymous MQTT is off (HEARTH_MQTT_ANONYMOUS)');
    }
    const address = connection.socket?.remoteAddress ?? connection.remoteAddress ?? connection.transport;
    if (this.policy.retryAfter(username, address) > 0) return refusal(ReasonCode.NOT_AUTHORIZED, `too many failed sign-ins for ${username}; try again later`);
    return this.signIn(username, address, clientId, connection, password);
  }

  private async signIn(username: string, address: string, clientId: string, connection: MqttConnection, password?: Buffer): Promise<MqttPrincipal | Refusal> {
    let principal: MqttPrincipal | null;
    try {
      principal = await this.byPassword(username, password?.toString('utf8') ?? '', clientId, () => connection.socket?.destroyed ?? false);
    } catch (error) {
      if (error instanceof HasherBusy) return refusal(ReasonCode.SERVER_UNAVAILABLE, error.message);
      if (error instanceof HashAbandoned) return refusal(ReasonCode.NOT_AUTHORIZED, error.message);
      throw error;
    }
    if (principal) this.policy.succeeded(username, address);
    else this.policy.failed(username, address);
    return principal ?? refusal(ReasonCode.BAD_USERNAME_OR_PASSWORD, `wrong username or password for ${username}`);
  }

  /**
   * A device credential, else a person with the admin role (people with the user role have no MQTT access).
   * Names that are neither cost no hashing, so a flood of made-up names cannot fill the password threads.
   */
  private async byPassword(username: string, password: string, clientId: string, gone: () => boolean): Promise<MqttPrincipal | null> {
    const credential = this.devices.findByName(username);
    if (credential) {
      const ok = credential.revokedAt === null && (await this.hasher.verify(password, credential.passwordHash, gone));
      return ok ? this.devicePrincipal(credential, clientId) : null;
    }
    const user = this.users.findByName(username);
    if (user?.role !== 'admin' || !(await this.hasher.verify(password, user.passwordHash, gone))) return null;
    return { kind: 'admin', username: user.username, userId: user.id };
  }

  private inProcess(identity: InProcessIdentity, clientId: string): MqttPrincipal | Refusal {
    if ('device' in identity) return this.byDeviceName(identity.device, clientId);
    if ('sensor' in identity) return this.sensorPrincipal(clientId, identity.sensor.predefined);
    return { kind: 'trusted' };
  }

  /**
   * A sensor trusted by network or wiring gets the topic space its client id names (HEARTH_SN_TRUSTED_TOPICS,
   * `%c` = client id) and the topics an admin predefined for it, and may announce itself by discovery under
   * that id; never a device's topic prefix.
   */
  private sensorPrincipal(clientId: string, predefined: string[]): MqttPrincipal {
    const own: AclRule[] = [...this.config.sn.trustedTopics, ...predefined].map((filter) => ({ username: null, access: 'readwrite', filter }));
    const devices: AclRule[] = this.devices
      .list()
      .filter((device) => device.revokedAt === null)
      .flatMap((device) => ownSpaces(device).map((filter): AclRule => ({ username: null, access: 'deny', filter })));
    const discovery = kindRules({ username: clientId, kind: 'generic', topic: clientId, topicPrefix: null }, this.config.devices.discoveryPrefix, null);
    const rules = [...own, ...discovery, ...devices];
    return { kind: 'sensor', clientId, predefined, permissions: new DevicePermissions(rules, { username: clientId, clientId }) };
  }

  private byDeviceName(name: string, clientId: string): MqttPrincipal | Refusal {
    const credential = this.devices.findByName(name);
    if (!credential || credential.revokedAt !== null) return refusal(ReasonCode.NOT_AUTHORIZED, `no active device credential ${name}`);
    return this.devicePrincipal(credential, clientId);
  }

  /** A device's kind rules and imported rules; discovery it claimed in this session stays claimed when the grant is rebuilt. */
  private devicePrincipal(credential: DeviceCredential, clientId: string, claimed?: DiscoveryClaims): MqttPrincipal {
    const { discoveryPrefix } = this.config.devices;
    const rules = [...kindRules(credential, discoveryPrefix, clientId), ...this.devices.rulesFor(credential.username)];
    return {
      kind: 'device',
      username: credential.username,
      credentialId: credential.id,
      passwordHash: credential.passwordHash,
      permissions: new DevicePermissions(rules, { username: credential.username, clientId }, discoveryClaims(credential, discoveryPrefix, () => this.otherDevices(credential))?.inherit(claimed)),
    };
  }

  private otherDevices(credential: DeviceCredential): DeviceCredential[] {
    return this.devices.list().filter((device) => device.id !== credential.id && device.revokedAt === null);
  }

  /** `loopback` trusts plain TCP from this machine only: behind a WebSocket reverse proxy every client would look local. */
  private anonymousAllowed({ transport, socket }: MqttConnection): boolean {
    const { anonymous } = this.config.mqtt;
    if (anonymous === 'loopback') return transport === 'in-process' || (transport === 'mqtt' && isLoopback(socket?.remoteAddress));
    return anonymous;
  }
}
