import type { PushKeyDto, PushNotificationPayload, PushOutcomeDto, PushSubscriptionDto, RuleDto } from '@hearth/api-types';
import type { Database } from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Accounts } from '../src/auth/accounts.js';
import { SQLITE } from '../src/database/database.tokens.js';
import { MAX_SUBSCRIPTIONS_PER_PERSON } from '../src/push/push.service.js';
import { connectClient } from './support/mqtt-client.js';
import { startPushService, type TestPushService, type TestSubscription } from './support/push-service.js';
import { removeDataDir, startTestHub, useTestHub, type TestHub } from './support/test-hub.js';

// Web Push end to end: the real hub, real MQTT, and a push service on 127.0.0.1 that checks the VAPID
// JWT and decrypts each message with real crypto (support/push-service.ts). A stand-in because no real
// push service can run here: Chromium's own goes to Google's servers.

/** Signs a person in and answers an `api` that speaks as them. */
async function personApi(hub: TestHub, username: string, areas: string[] | null = null) {
  const password = `${username}-password`;
  await hub.app.get(Accounts).addUser({ username, password, role: 'user', areas });
  const login = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const { token } = (await login.json()) as { token: string };
  return (path: string, init: { method?: string; body?: unknown } = {}) => hub.api(path, { ...init, headers: { authorization: `Bearer ${token}` } });
}

const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await response).json() as Promise<T>;

describe('Web Push', () => {
  const hub = useTestHub({ HEARTH_PUSH_ALLOW_HTTP: 'true', HEARTH_PUSH_CONTACT: 'mailto:owner@example.org' });
  let push: TestPushService;
  let device: MqttClient;

  beforeAll(async () => {
    push = await startPushService();
    device = await connectClient(hub.mqttUrl, { clientId: 'push-test-button' });
  });

  afterAll(async () => {
    await device?.endAsync();
    await push?.close();
  });

  const subscribe = async (subscription: TestSubscription, api: TestHub['api'] = hub.api): Promise<PushSubscriptionDto> => {
    const response = await api('/api/push/subscriptions', { body: { ...subscription.json, expirationTime: null } });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as PushSubscriptionDto;
  };

  it('makes its VAPID key pair once and keeps it', async () => {
    const { publicKey } = await json<PushKeyDto>(hub.api('/api/push/key'));
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(65);
    expect((await json<PushKeyDto>(hub.api('/api/push/key'))).publicKey).toBe(publicKey);
    expect((await hub.api('/api/push/key', { headers: { authorization: '' } })).status).toBe(401);
  });

  it('sends a rule notification to the phone: triggered over MQTT, signed with the hub key, decrypted by the push service', async () => {
    const phone = push.subscribe();
    const saved = await subscribe(phone);
    expect(saved).toMatchObject({ endpoint: phone.json.endpoint });
    const rule = (await json<RuleDto>(
      hub.api('/api/rules', {
        body: { name: 'Doorbell', triggers: [{ type: 'mqtt', topic: 'door/bell' }], actions: [{ type: 'notify', title: 'Front door', message: 'Someone rang: {{ trigger.payload }}' }] },
      }),
    )) as RuleDto;
    await device.publishAsync('door/bell', 'ding', { qos: 1 });
    await vi.waitFor(() => expect(phone.received).toHaveLength(1), { timeout: 10_000 });
    const [message] = phone.received;
    const payload: PushNotificationPayload = { title: 'Front door', body: 'Someone rang: ding', url: `/rules/${rule.id}`, tag: rule.id };
    expect(JSON.parse(message!.payload)).toEqual(payload);
    expect(message!.vapidKey).toBe((await json<PushKeyDto>(hub.api('/api/push/key'))).publicKey);
    expect(message!.claims).toMatchObject({ aud: push.origin, sub: 'mailto:owner@example.org' });
    expect(message!.headers).toMatchObject({ ttl: '86400', urgency: 'normal', 'content-type': 'application/octet-stream' });
    expect(push.rejected).toEqual([]);
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it('removes a subscription the push service says is gone (404, 410), and still sends to the others', async () => {
    const gone = push.subscribe();
    const expired = push.subscribe();
    const kept = push.subscribe();
    for (const subscription of [gone, expired, kept]) await subscribe(subscription);
    gone.status = 410;
    expired.status = 404;
    const rule = await json<RuleDto>(hub.api('/api/rules', { body: { name: 'Ping', triggers: [{ type: 'mqtt', topic: 'ping' }], actions: [{ type: 'notify', message: 'pong' }] } }));
    await device.publishAsync('ping', '', { qos: 1 });
    await vi.waitFor(() => expect(kept.received).toHaveLength(1), { timeout: 10_000 });
    expect(JSON.parse(kept.received[0]!.payload)).toMatchObject({ title: 'Ping', body: 'pong' });
    const endpoints = async () => (await json<PushSubscriptionDto[]>(hub.api('/api/push/subscriptions'))).map((s) => s.endpoint);
    await vi.waitFor(async () => expect(await endpoints()).not.toContain(expired.json.endpoint), { timeout: 10_000 });
    expect(await endpoints()).not.toContain(gone.json.endpoint);
    expect(await endpoints()).toContain(kept.json.endpoint);
    expect(hub.logs.filter((line) => line.msg === 'push subscription gone; removed').map((line) => line.status)).toEqual(expect.arrayContaining([404, 410]));
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it("keeps each person's subscriptions their own, and pushes a rule only to those who may see it", async () => {
    const hallway = await personApi(hub, 'hallway-push', ['Hall']);
    const everywhere = await personApi(hub, 'everywhere-push');
    const hallPhone = push.subscribe();
    const otherPhone = push.subscribe();
    const hallSubscription = await subscribe(hallPhone, hallway);
    await subscribe(otherPhone, everywhere);
    expect((await json<PushSubscriptionDto[]>(hallway('/api/push/subscriptions'))).map((s) => s.id)).toEqual([hallSubscription.id]);
    expect((await everywhere(`/api/push/subscriptions/${hallSubscription.id}`, { method: 'DELETE' })).status).toBe(404);

    // The rule drives an entity outside the Hall: the person restricted to the Hall does not see the rule, so is not told.
    const rule = await json<RuleDto>(
      hub.api('/api/rules', {
        body: {
          name: 'Garage',
          triggers: [{ type: 'mqtt', topic: 'garage/open' }],
          actions: [
            { type: 'command', entityId: 'switch.garage_light', command: { on: true }, continueOnError: true },
            { type: 'notify', message: 'The garage is open' },
          ],
        },
      }),
    );
    await device.publishAsync('garage/open', '', { qos: 1 });
    await vi.waitFor(() => expect(otherPhone.received).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(hub.logs.find((line) => line.msg === 'rule notification pushed' && line.ruleId === rule.id)).toBeDefined(), { timeout: 10_000 });
    expect(hallPhone.received).toEqual([]);
    expect(JSON.parse(otherPhone.received[0]!.payload)).toMatchObject({ title: 'Garage', body: 'The garage is open' });
    await hub.api(`/api/rules/${rule.id}`, { method: 'DELETE' });
  });

  it("sends a test notification to the person's own browsers only, and says what became of each", async () => {
    const tester = await personApi(hub, 'tester-push');
    const mine = push.subscribe();
    const gone = push.subscribe();
    await subscribe(mine, tester);
    await subscribe(gone, tester);
    gone.status = 410;
    const someoneElse = push.subscribe();
    await subscribe(someoneElse);
    const response = await tester('/api/push/test', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sent: 1, removed: 1, failed: 0 } satisfies PushOutcomeDto);
    expect(JSON.parse(mine.received[0]!.payload)).toEqual({ title: 'Hearth', body: 'Notifications from your rules reach this device.', url: '/settings', tag: 'test' });
    expect(someoneElse.received).toEqual([]);
  });

  it('refuses subscriptions it cannot send to, with a message', async () => {
    const { json: good } = push.subscribe();
    const cases: Array<[object, RegExp]> = [
      [{ ...good, keys: { ...good.keys, auth: 'AAAA' } }, /keys.auth must be 16 bytes/],
      [{ ...good, keys: { ...good.keys, p256dh: 'AAAA' } }, /keys.p256dh must be an uncompressed P-256 point/],
      [{ ...good, endpoint: 'not a url' }, /endpoint must be a URL/],
      [{ ...good, endpoint: 'ftp://push.example.net/x' }, /endpoint must be an https: URL/],
      [{ endpoint: good.endpoint }, /keys/],
      [{ ...good, extra: 1 }, /property extra should not exist/],
    ];
    for (const [body, message] of cases) {
      const response = await hub.api('/api/push/subscriptions', { body });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(message);
    }
  });

  it('takes at most 20 browsers per person, and forgets them with the person', async () => {
    const many = await personApi(hub, 'many-phones');
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_PERSON; i++) await subscribe(push.subscribe(), many);
    const refused = await many('/api/push/subscriptions', { body: push.subscribe().json });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe('at most 20 devices get notifications per person: remove one first');
    expect(await json<PushSubscriptionDto[]>(many('/api/push/subscriptions'))).toHaveLength(MAX_SUBSCRIPTIONS_PER_PERSON);
    expect((await hub.api('/api/users/many-phones', { method: 'DELETE' })).status).toBe(204);
    const db = hub.app.get<Database>(SQLITE);
    expect(db.prepare('SELECT COUNT(*) AS orphans FROM push_subscription WHERE user_id NOT IN (SELECT id FROM "user")').get()).toEqual({ orphans: 0 });
  });

  it('unsubscribes: the subscription is gone and gets nothing more', async () => {
    const phone = push.subscribe();
    const { id } = await subscribe(phone);
    expect((await hub.api(`/api/push/subscriptions/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await json<PushSubscriptionDto[]>(hub.api('/api/push/subscriptions'))).map((s) => s.id)).not.toContain(id);
    expect((await hub.api(`/api/push/subscriptions/${id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('Web Push keys and endpoints', () => {
  it('keeps the VAPID keys in the database across a restart, and takes only https endpoints by default', async () => {
    let hub = await startTestHub();
    const { publicKey } = await json<PushKeyDto>(hub.api('/api/push/key'));
    const push = await startPushService();
    const response = await hub.api('/api/push/subscriptions', { body: push.subscribe().json });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe('endpoint must be an https: URL (a browser push service)');
    await push.close();
    await hub.close();
    hub = await startTestHub({}, hub.dataDir);
    try {
      expect((await json<PushKeyDto>(hub.api('/api/push/key'))).publicKey).toBe(publicKey);
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});
