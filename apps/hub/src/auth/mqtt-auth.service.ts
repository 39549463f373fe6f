import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AuthenticateError, Client } from 'aedes';
import type { Database } from 'better-sqlite3';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { SQLITE } from '../database/database.tokens.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { DevicePermissions, deviceRules, type MqttPrincipal } from './acl.js';
import { DeviceCredentialsRepository, type DeviceCredential } from './device-credentials.repository.js';
import { FailureThrottle } from './failure-throttle.js';
import { verifyPassword } from './password-hash.js';
import { UsersRepository } from './users.repository.js';

export type MqttTransport = 'mqtt' | 'mqtts' | 'mqtts-client-cert' | 'ws' | 'wss' | 'in-process';

/** Where a connection came from, as the broker saw it when it accepted it. */
export interface MqttConnection {
  transport: MqttTransport;
  socket?: Socket;
  /** In-process sessions only: the device credential the hub part (the MQTT-SN gateway) acts for. */
  device?: string;
  /** In-process sessions only: a hub part the hub itself vouches for (see InProcessIdentity). */
  trusted?: boolean;
}

// MQTT 3.1.1 CONNACK return codes (Aedes maps them to MQTT 5 reason codes).
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

const refusal = (returnCode: 4 | 5, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

const isLoopback = (address = ''): boolean => /^(127\.|::1$|::ffff:127\.)/.test(address);

// How often the hub looks for credential changes made by the `hearth` CLI in another process.
const CHANGE_POLL_MS = 1000;

/**
 * Who may connect to the broker and what each session may publish, subscribe to and receive. The
 * broker's Aedes hooks call in here; the principal of every session is kept beside its client.
 */
@Injectable()
export class MqttAuthService implements OnModuleInit, OnApplicationShutdown {
  private readonly log: Logger;
  private readonly principals = new WeakMap<Client, MqttPrincipal>();
  private readonly live = new Set<Client>();
  private readonly throttle: FailureThrottle;
  private readonly maxFailuresPerAddress: number;
  private poll?: NodeJS.Timeout;
  private dataVersion = 0;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    @Inject(SQLITE) private readonly db: Database,
    private readonly devices: DeviceCredentialsRepository,
    private readonly users: UsersRepository,
  ) {
    this.log = root.child({ module: 'mqtt-auth' });
    this.throttle = new FailureThrottle(config.auth.lockout * 1000);
    this.maxFailuresPerAddress = config.auth.maxFailures * 4;
  }

  onModuleInit(): void {
    // data_version changes only when another connection (the CLI) commits: then sessions are re-checked.
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    this.poll = setInterval(() => {
      const version = this.db.pragma('data_version', { simple: true }) as number;
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.revalidate();
    }, CHANGE_POLL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
  }

  /** Resolves with null when the client may connect, or the refusal Aedes sends in the CONNACK. */
  async authenticate(client: Client, connection: MqttConnection, username?: string, password?: Buffer): Promise<AuthenticateError | null> {
    const principal = await this.identify(client, connection, username, password);
    if (!('kind' in principal)) return principal;
    const will = (client as unknown as { _will?: { topic: string } })._will;
    if (will && principal.kind === 'device' && !principal.permissions.canWrite(will.topic)) {
      return refusal(NOT_AUTHORIZED, `the will topic ${will.topic} is outside what ${principal.username} may publish`);
    }
    this.principals.set(client, principal);
    this.live.add(client);
    client.conn.once('close', () => this.live.delete(client));
    return null;
  }

  /** A null client is the hub itself, or a will restored from persistence (its topic was checked at CONNECT). */
  canPublish(client: Client | null, topic: string): boolean {
    if (!client) return true;
    const principal = this.principals.get(client);
    return principal !== undefined && (principal.kind !== 'device' || principal.permissions.canWrite(topic));
  }

  canSubscribe(client: Client, filter: string): boolean {
    const principal = this.principals.get(client);
    return principal !== undefined && (principal.kind !== 'device' || principal.permissions.canSubscribe(filter));
  }

  canReceive(client: Client, topic: string): boolean {
    const principal = this.principals.get(client);
    return principal !== undefined && (principal.kind !== 'device' || principal.permissions.canRead(topic));
  }

  /** Re-checks every connected session against the database: revoked, removed or changed credentials end their sessions. */
  revalidate(): void {
    for (const client of this.live) {
      const principal = this.principals.get(client)!;
      const next = this.current(client, principal);
      if (next) {
        this.principals.set(client, next);
        continue;
      }
      this.log.info({ clientId: client.id, username: 'username' in principal ? principal.username : undefined }, 'closed a session whose credentials were revoked or changed');
      this.live.delete(client);
      client.close();
    }
  }

  private current(client: Client, principal: MqttPrincipal): MqttPrincipal | null {
    if (principal.kind === 'trusted') return principal;
    if (principal.kind === 'admin') return this.users.findById(principal.userId)?.role === 'admin' ? principal : null;
    const credential = this.devices.findById(principal.credentialId);
    if (!credential || credential.revokedAt !== null || credential.passwordHash !== principal.passwordHash) return null;
    return this.devicePrincipal(credential, client.id);
  }

  private async identify(client: Client, connection: MqttConnection, username?: string, password?: Buffer): Promise<MqttPrincipal | AuthenticateError> {
    if (connection.transport === 'in-process' && connection.device !== undefined) return this.byDeviceName(connection.device, client.id);
    if (connection.transport === 'in-process' && connection.trusted) return { kind: 'trusted' };
    if (connection.transport === 'mqtts-client-cert') {
      // The TLS layer already refused certificates not signed by HEARTH_TLS_CA; the certificate's CN names the device.
      const name = (connection.socket as TLSSocket).getPeerCertificate().subject?.CN;
      return typeof name === 'string' ? this.byDeviceName(name, client.id) : refusal(NOT_AUTHORIZED, 'the client certificate has no common name');
    }
    if (username === undefined) {
      return this.anonymousAllowed(connection) ? { kind: 'trusted' } : refusal(NOT_AUTHORIZED, 'anonymous MQTT is off (HEARTH_MQTT_ANONYMOUS)');
    }
    const address = `mqtt:${connection.socket?.remoteAddress ?? connection.transport}`;
    if (this.throttle.retryAfter(address) > 0) return refusal(NOT_AUTHORIZED, 'too many failed sign-ins from this address');
    const principal = await this.byPassword(username, password?.toString('utf8') ?? '', client.id);
    if (principal) this.throttle.succeed(address);
    else this.throttle.fail(address, this.maxFailuresPerAddress);
    return principal ?? refusal(BAD_CREDENTIALS, `wrong username or password for ${username}`);
  }

  /** A device credential, else a person with the admin role (people with the user role have no MQTT access). */
  private async byPassword(username: string, password: string, clientId: string): Promise<MqttPrincipal | null> {
    const credential = this.devices.findByName(username);
    if (credential) {
      const ok = credential.revokedAt === null && (await verifyPassword(password, credential.passwordHash));
      return ok ? this.devicePrincipal(credential, clientId) : null;
    }
    const user = this.users.findByName(username);
    if (user?.role !== 'admin' || !(await verifyPassword(password, user.passwordHash))) return null;
    return { kind: 'admin', username: user.username, userId: user.id };
  }

  private byDeviceName(name: string, clientId: string): MqttPrincipal | AuthenticateError {
    const credential = this.devices.findByName(name);
    if (!credential || credential.revokedAt !== null) return refusal(NOT_AUTHORIZED, `no active device credential ${name}`);
    return this.devicePrincipal(credential, clientId);
  }

  private devicePrincipal(credential: DeviceCredential, clientId: string): MqttPrincipal {
    const rules = [...deviceRules(credential.username, credential.topicPrefix, this.config.devices.discoveryPrefix), ...this.devices.rulesFor(credential.username)];
    return {
      kind: 'device',
      username: credential.username,
      credentialId: credential.id,
      passwordHash: credential.passwordHash,
      permissions: new DevicePermissions(rules, { username: credential.username, clientId }),
    };
  }

  /** `loopback` trusts plain TCP from this machine only: behind a WebSocket reverse proxy every client would look local. */
  private anonymousAllowed({ transport, socket }: MqttConnection): boolean {
    const { anonymous } = this.config.mqtt;
    if (anonymous === 'loopback') return transport === 'in-process' || (transport === 'mqtt' && isLoopback(socket?.remoteAddress));
    return anonymous;
  }
}
