import { Body, Controller, ForbiddenException, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { FieldReader, type JsonObject } from '@hearth/field-reader';
import type { Request, Response } from 'express';
import type { HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { Public } from './auth.decorators.js';
import { MqttAuthService, type MqttAction } from './mqtt-auth.service.js';
import { Networks } from './networks.js';

/** A body the broker sent that the hub cannot read: 400 naming every problem. */
class MqttAuthRequestInvalid extends Error {
  readonly kind = 'invalid';
}

/** mosquitto-go-auth's `acc`: 1 read (a delivery), 2 write (publish), 3 both, 4 subscribe. */
const GO_AUTH_ACC: Record<number, MqttAction[]> = { 1: ['receive'], 2: ['publish'], 3: ['receive', 'publish'], 4: ['subscribe'] };
/** EMQX's authorization `action`. */
const EMQX_ACTIONS: Record<string, MqttAction[]> = { publish: ['publish'], subscribe: ['subscribe'], all: ['publish', 'subscribe'] };

/**
 * Device credentials and ACLs stay Hearth's on an external broker: it asks here who may connect and what
 * each client may publish and subscribe to, in the shapes EMQX's HTTP authentication/authorization and
 * mosquitto-go-auth's HTTP backend (JSON or form parameters) use. Only brokers at HEARTH_MQTT_AUTH_ALLOW
 * may ask; passwords are checked as a CONNECT to the embedded broker is (hashing pool, lockout).
 */
@Public()
@Controller('api/mqtt-auth')
export class MqttAuthController {
  private readonly brokers: Networks;
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly auth: MqttAuthService,
  ) {
    this.brokers = new Networks(config.mqtt.authAllow);
    this.log = root.child({ module: 'mqtt-auth' });
  }

  /** EMQX HTTP authentication: `{ result: allow | deny, is_superuser }`, always 200 (a 4xx would mean "ignore"). */
  @Post('emqx/authn')
  @HttpCode(200)
  async emqxAuthn(@Req() request: Request, @Body() body: unknown) {
    this.callerMayAsk(request);
    const { username, password, clientid, peerhost } = read(body, (fields, o) => ({
      username: fields.string(o, 'username', '', { required: true }),
      password: fields.string(o, 'password', '', { min: 0 }) ?? '',
      clientid: fields.string(o, 'clientid', '', { min: 0 }) ?? '',
      peerhost: fields.string(o, 'peerhost', '') ?? 'external broker',
    }));
    const checked = await this.auth.checkPassword(username!, password, clientid, peerhost);
    if ('refused' in checked) {
      this.log.info({ username, clientid, reason: checked.refused }, 'refused a client of the external broker');
      return { result: 'deny' };
    }
    return { result: 'allow', is_superuser: checked.principal.kind === 'admin' };
  }

  /** EMQX HTTP authorization: `{ result: allow | deny }`. */
  @Post('emqx/authz')
  @HttpCode(200)
  emqxAuthz(@Req() request: Request, @Body() body: unknown) {
    this.callerMayAsk(request);
    const { username, clientid, topic, action } = read(body, (fields, o) => ({
      username: fields.string(o, 'username', '', { min: 0 }) ?? '',
      clientid: fields.string(o, 'clientid', '', { min: 0 }) ?? '',
      topic: fields.string(o, 'topic', '', { required: true }),
      action: fields.oneOf(o, 'action', '', Object.keys(EMQX_ACTIONS), { required: true }),
    }));
    return { result: this.may(username, clientid, EMQX_ACTIONS[action!], topic!) ? 'allow' : 'deny' };
  }

  /** mosquitto-go-auth `http_getuser_uri`: 200 `{ ok: true }`, or 403 `{ ok: false, error }` (status and json response modes). */
  @Post('go-auth/user')
  async goAuthUser(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    this.callerMayAsk(request);
    const { username, password, clientid } = read(body, (fields, o) => ({
      username: fields.string(o, 'username', '', { required: true }),
      password: fields.string(o, 'password', '', { min: 0 }) ?? '',
      clientid: fields.string(o, 'clientid', '', { min: 0 }) ?? '',
    }));
    const checked = await this.auth.checkPassword(username!, password, clientid, 'external broker');
    if ('refused' in checked) this.log.info({ username, clientid, reason: checked.refused }, 'refused a client of the external broker');
    return goAuthAnswer(response, 'refused' in checked ? checked.refused : null);
  }

  /** mosquitto-go-auth `http_superuser_uri`: people with the admin role are superusers; devices never. */
  @Post('go-auth/superuser')
  goAuthSuperuser(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    this.callerMayAsk(request);
    const { username } = read(body, (fields, o) => ({ username: fields.string(o, 'username', '', { min: 0 }) ?? '' }));
    return goAuthAnswer(response, this.auth.isAdmin(username) ? null : `${username || 'anonymous'} is not a superuser`);
  }

  /** mosquitto-go-auth `http_aclcheck_uri`. */
  @Post('go-auth/acl')
  goAuthAcl(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    this.callerMayAsk(request);
    const { username, clientid, topic, acc } = read(body, (fields, o) => ({
      username: fields.string(o, 'username', '', { min: 0 }) ?? '',
      clientid: fields.string(o, 'clientid', '', { min: 0 }) ?? '',
      topic: fields.string(o, 'topic', '', { required: true }),
      // Form parameters arrive as text.
      acc: fields.oneOf({ ...o, acc: o.acc === undefined ? undefined : Number(o.acc) }, 'acc', '', [1, 2, 3, 4], { required: true }),
    }));
    const allowed = this.may(username, clientid, GO_AUTH_ACC[acc!], topic!);
    return goAuthAnswer(response, allowed ? null : `${username || 'anonymous'} may not ${GO_AUTH_ACC[acc!].join(' and ')} ${topic}`);
  }

  private may(username: string, clientId: string, actions: MqttAction[], topic: string): boolean {
    return actions.every((action) => this.auth.mayExternal(username, clientId, action, topic));
  }

  private callerMayAsk(request: Request): void {
    const address = request.socket.remoteAddress ?? '';
    if (!this.brokers.has(address)) throw new ForbiddenException(`${address} is not a broker the hub answers (HEARTH_MQTT_AUTH_ALLOW)`);
  }
}

function read<T>(body: unknown, fields: (reader: FieldReader, o: JsonObject) => T): T {
  const reader = new FieldReader();
  const o = reader.object(body, '');
  const values = o && fields(reader, o);
  if (!o || reader.problems.length > 0) throw new MqttAuthRequestInvalid(reader.problems.map(({ path, message }) => (path ? `${path} ${message}` : message)).join('; '));
  return values as T;
}

function goAuthAnswer(response: Response, refused: string | null): { ok: boolean; error: string } {
  response.status(refused === null ? 200 : 403);
  return { ok: refused === null, error: refused ?? '' };
}
