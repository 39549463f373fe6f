import { DEVICE_KINDS, type DeviceCredentialDto, type DeviceKind, type IssuedDeviceCredentialDto } from '@hearth/api-types';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { AclRule } from './acl.js';
import { deviceTopicProblem, kindAclFile, ownSpaces, spacesOverlap } from './device-kinds.js';
import { DeviceCredentialsRepository, type DeviceCredential } from './device-credentials.repository.js';
import { formatAclFile, formatPasswordFile, parseAclFile, parsePasswordFile, type Skipped } from './mosquitto-files.js';
import { randomSecret } from './password-hash.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';
import { parseSnAddress } from './sn-address.js';
import { isTopicSafe } from '@hearth/mqtt-topics';
import { UsersRepository, type Role, type User } from './users.repository.js';

/** A management request that cannot be done; `kind` becomes the HTTP status or the CLI's message. */
export class AccountError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not-found' | 'conflict' | 'forbidden',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface PublicUser {
  username: string;
  role: Role;
  areas: string[] | null;
  createdAt: string;
}

/** A device credential as the API and the CLI show it. */
export type PublicDevice = DeviceCredentialDto;

/** What `hearth device add` prints and the API returns once: the only time the password is visible. */
export type IssuedDeviceCredential = IssuedDeviceCredentialDto;

export interface ImportReport {
  credentials: number;
  rules: number;
  skipped: Array<Skipped & { file: 'password' | 'acl' }>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

const invalid = (message: string): never => {
  throw new AccountError('invalid', message);
};

export const toPublicUser = (user: User): PublicUser => ({
  username: user.username,
  role: user.role,
  areas: user.areas,
  createdAt: new Date(user.createdAt).toISOString(),
});

/** What `hearth device add` and `POST /api/device-credentials` may say besides the name. */
export interface NewDeviceOptions {
  kind?: DeviceKind;
  topic?: string;
  topicPrefix?: string;
  snAddresses?: string[];
}

const toPublicDevice = (device: DeviceCredential, snAddresses: string[]): PublicDevice => ({
  username: device.username,
  kind: device.kind,
  topic: device.topic,
  topicPrefix: device.topicPrefix,
  snAddresses,
  source: device.source,
  createdAt: new Date(device.createdAt).toISOString(),
  revokedAt: device.revokedAt === null ? null : new Date(device.revokedAt).toISOString(),
});

/**
 * People and device credentials: every rule about names, roles, passwords and topic prefixes, in one
 * place shared by the REST API and the `hearth` CLI (which runs it on the database directly).
 */
@Injectable()
export class Accounts {
  private readonly discoveryPrefix: string;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly devices: DeviceCredentialsRepository,
    private readonly hasher: PasswordHasher,
  ) {
    this.discoveryPrefix = config.devices.discoveryPrefix;
  }

  listUsers(): PublicUser[] {
    return this.users.list().map(toPublicUser);
  }

  getUser(username: string): PublicUser {
    return toPublicUser(this.user(username));
  }

  async addUser(input: { username: string; password: string; role: Role; areas?: string[] | null }): Promise<PublicUser> {
    this.checkName(input.username);
    checkPassword(input.password);
    const areas = checkAreas(input.areas ?? null);
    if (this.users.findByName(input.username) || this.devices.findByName(input.username)) {
      throw new AccountError('conflict', `the name ${input.username} is taken`);
    }
    const passwordHash = await this.hasher.hash(input.password, 'person');
    return toPublicUser(this.users.insert({ username: input.username, passwordHash, role: checkRole(input.role), areas }));
  }

  /** Role and areas; the last admin cannot be demoted, so the hub always has someone who can manage it. */
  updateUser(username: string, changes: { role?: Role; areas?: string[] | null }): PublicUser {
    const user = this.user(username);
    const role = changes.role === undefined ? user.role : checkRole(changes.role);
    const areas = changes.areas === undefined ? user.areas : checkAreas(changes.areas);
    this.users.transaction(() => {
      if (user.role === 'admin' && role !== 'admin' && this.users.countAdmins() <= 1) throw new AccountError('conflict', 'the last admin cannot lose the admin role');
      this.users.update(user.id, { role, areas });
    });
    return this.getUser(username);
  }

  async checkUserPassword(username: string, password: string): Promise<boolean> {
    return this.hasher.verify(password, this.user(username).passwordHash);
  }

  /** A new password signs the person out everywhere but `keepSession`. */
  async setUserPassword(username: string, password: string, keepSession: string | null = null): Promise<void> {
    const user = this.user(username);
    checkPassword(password);
    this.users.update(user.id, { passwordHash: await this.hasher.hash(password, 'person') });
    this.sessions.deleteForUser(user.id, keepSession);
  }

  removeUser(username: string): void {
    const user = this.user(username);
    this.users.transaction(() => {
      if (user.role === 'admin' && this.users.countAdmins() <= 1) throw new AccountError('conflict', 'the last admin cannot be removed');
      this.users.delete(user.id);
    });
  }

  listDevices(): PublicDevice[] {
    return this.devices.list().map((device) => toPublicDevice(device, this.devices.snAddresses(device.id)));
  }

  getDevice(name: string): PublicDevice {
    const device = this.device(name);
    return toPublicDevice(device, this.devices.snAddresses(device.id));
  }

  /**
   * A new credential with a random password for a device of `kind` (default generic) whose firmware uses the
   * device topic `topic` (default: the name); a generic device owns `topicPrefix` (default `devices/<topic>`).
   * No two devices may own the same topics. MQTT-SN addresses are optional.
   */
  async addDevice(name: string, options: NewDeviceOptions = {}): Promise<IssuedDeviceCredential> {
    this.checkName(name);
    const kind = options.kind ?? 'generic';
    if (!DEVICE_KINDS.includes(kind)) invalid(`kind must be one of ${DEVICE_KINDS.join(', ')}`);
    const topic = options.topic ?? name;
    const topicProblem = deviceTopicProblem(kind, topic, this.discoveryPrefix);
    if (topicProblem) invalid(topicProblem);
    if (options.topicPrefix !== undefined && kind !== 'generic') invalid('topicPrefix is for generic devices only; other kinds follow their firmware\'s topics from topic');
    const prefix = kind === 'generic' ? this.checkPrefix(options.topicPrefix ?? `devices/${topic}`) : null;
    const addresses = [...new Set((options.snAddresses ?? []).map(checkSnAddress))].sort();
    if (this.users.findByName(name) || this.devices.findByName(name)) throw new AccountError('conflict', `the name ${name} is taken`);
    const spaces = ownSpaces({ username: name, kind, topic, topicPrefix: prefix });
    const owner = this.devices.list().find((other) => other.revokedAt === null && spacesOverlap(spaces, ownSpaces(other)));
    if (owner) throw new AccountError('conflict', `topic: ${owner.username} already uses ${ownSpaces(owner).join(', ')}`);
    const password = randomSecret();
    const passwordHash = await this.hasher.hash(password, 'device');
    this.devices.transaction(() => {
      const device = this.devices.upsert({ username: name, passwordHash, kind, topic, topicPrefix: prefix, source: 'hearth' });
      this.devices.addSnAddresses(device.id, addresses);
    });
    return { username: name, password, kind, topic, topicPrefix: prefix, snAddresses: addresses };
  }

  /** Lets an MQTT-SN sensor at `address` act as the device (an admin's yes to its claim, or `hearth device bind`). */
  bindSnAddress(name: string, address: string): PublicDevice {
    this.devices.addSnAddresses(this.device(name).id, [checkSnAddress(address)]);
    return this.getDevice(name);
  }

  unbindSnAddress(name: string, address: string): PublicDevice {
    const normal = checkSnAddress(address);
    if (!this.devices.removeSnAddress(this.device(name).id, normal)) throw new AccountError('not-found', `${normal} is not bound to ${name}`);
    return this.getDevice(name);
  }

  /** A new password for a device (and un-revokes it); its connected sessions end. */
  async rotateDevice(name: string): Promise<IssuedDeviceCredential> {
    const device = this.device(name);
    const password = randomSecret();
    this.devices.upsert({ ...device, passwordHash: await this.hasher.hash(password, 'device') });
    return { username: device.username, password, kind: device.kind, topic: device.topic, topicPrefix: device.topicPrefix, snAddresses: this.devices.snAddresses(device.id) };
  }

  revokeDevice(name: string): void {
    this.devices.revoke(this.device(name).id);
  }

  removeDevice(name: string): void {
    this.devices.delete(this.device(name).id);
  }

  /** Mosquitto password file (and optionally ACL file): credentials are added or their hashes replaced; rules replace the named users' rules. */
  importMosquitto(passwordFile: string, aclFile?: string): ImportReport {
    const passwords = parsePasswordFile(passwordFile);
    const acl = aclFile === undefined ? { rules: [], skipped: [] } : parseAclFile(aclFile);
    const skipped: ImportReport['skipped'] = [...passwords.skipped.map((s) => ({ ...s, file: 'password' as const })), ...acl.skipped.map((s) => ({ ...s, file: 'acl' as const }))];
    const entries = passwords.entries.filter((entry) => {
      if (!this.users.findByName(entry.username)) return true;
      skipped.push({ file: 'password', line: entry.line, reason: `${entry.username}: a person has that name` });
      return false;
    });
    this.devices.transaction(() => {
      for (const entry of entries) {
        const existing = this.devices.findByName(entry.username);
        this.devices.upsert({ username: entry.username, passwordHash: entry.hash, kind: existing?.kind ?? 'generic', topic: existing?.topic ?? entry.username, topicPrefix: existing?.topicPrefix ?? null, source: existing?.source ?? 'mosquitto' });
      }
      this.devices.replaceRules(acl.rules);
    });
    return { credentials: entries.length, rules: acl.rules.length, skipped };
  }

  /** Active device credentials as a Mosquitto password file, and every rule (implicit ones included) as an ACL file. */
  exportMosquitto(): { passwordFile: string; aclFile: string } {
    const active = this.devices.list().filter((device) => device.revokedAt === null);
    // Every Tasmota device brings the same fallback-topic pattern: it is written once.
    const lines = new Map<string, AclRule>();
    for (const rule of [...this.devices.allRules(), ...active.flatMap((device) => kindAclFile(device, this.discoveryPrefix))]) {
      lines.set(`${rule.username ?? ''}\u0000${rule.access}\u0000${rule.filter}`, rule);
    }
    const rules = [...lines.values()];
    return {
      passwordFile: formatPasswordFile(active.map((device) => ({ username: device.username, hash: device.passwordHash }))),
      aclFile: formatAclFile(rules),
    };
  }

  private user(username: string): User {
    return this.users.findByName(username) ?? raise(new AccountError('not-found', `no user ${username}`));
  }

  private device(name: string): DeviceCredential {
    return this.devices.findByName(name) ?? raise(new AccountError('not-found', `no device credential ${name}`));
  }

  private checkName(name: unknown): void {
    if (typeof name !== 'string' || !NAME.test(name)) invalid('a name is 1-64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit');
  }

  /** A prefix is one or more plain topic levels, outside `$` topics and the discovery namespace every device shares. */
  private checkPrefix(prefix: string): string {
    const levels = prefix.split('/');
    if (prefix.startsWith('$') || levels.some((level) => !isTopicSafe(level)) || prefix.length > 200) {
      invalid('a topic prefix is one or more non-empty topic levels without wildcards, not starting with "$"');
    }
    if (levels[0] === this.discoveryPrefix) invalid(`a topic prefix cannot be inside the discovery prefix ${this.discoveryPrefix}`);
    return prefix;
  }
}

const raise = (error: Error): never => {
  throw error;
};

function checkPassword(password: unknown): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    invalid(`a password has ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
  }
}

function checkSnAddress(address: unknown): string {
  const parsed = typeof address === 'string' ? parseSnAddress(address) : null;
  return parsed ?? invalid(`an MQTT-SN address is an IP address or network (192.168.1.40, 192.168.1.0/24), an XBee 64-bit address (0013A20041A7B0C3) or "wire", not ${JSON.stringify(address)}`);
}

function checkRole(role: unknown): Role {
  return role === 'admin' || role === 'user' ? role : invalid('role is admin or user');
}

function checkAreas(areas: unknown): string[] | null {
  if (areas === null) return null;
  const ok = Array.isArray(areas) && areas.length <= 100 && areas.every((area) => typeof area === 'string' && area.trim().length > 0 && area.length <= 64);
  return ok ? [...new Set((areas as string[]).map((area) => area.trim()))] : invalid('areas is null (every area) or a list of area ids');
}
