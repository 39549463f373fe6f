import { describe, expect, it } from 'vitest';
import { startTestHub, removeDataDir, TEST_ADMIN, useTestHub, type TestHub } from './support/test-hub.js';

// An external broker asks the hub who may connect and what each client may do. Debian has no broker with an
// HTTP auth plugin, so these requests are made here as EMQX (5.x HTTP authn/authz) and mosquitto-go-auth (its
// HTTP backend, JSON and form parameters) document and send them.

const post = (hub: TestHub, path: string, body: Record<string, unknown>, form = false) =>
  fetch(`${hub.httpUrl}/api/mqtt-auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]))).toString() : JSON.stringify(body),
  });
const answer = async (response: Promise<Response>) => {
  const settled = await response;
  return { status: settled.status, body: (await settled.json()) as Record<string, unknown> };
};

describe('the HTTP authentication and authorization an external broker calls', () => {
  const hub = useTestHub({ HEARTH_MQTT_ANONYMOUS: 'false' });
  let device: { username: string; password: string; topicPrefix: string };
  const credential = async () => {
    if (!device) {
      await hub.adminToken();
      device = (await (await hub.api('/api/device-credentials', { body: { name: 'porch-sensor' } })).json()) as typeof device;
      await hub.api('/api/device-credentials', { body: { name: 'other-sensor' } });
    }
    return device;
  };

  it('answers EMQX authentication: a device credential or an admin is allowed (an admin as superuser), a wrong password denied with 200', async () => {
    const { username, password } = await credential();
    expect(await answer(post(hub, 'emqx/authn', { username, password, clientid: 'porch-1', peerhost: '192.0.2.7', protocol: 'mqtt' }))).toEqual({
      status: 200,
      body: { result: 'allow', is_superuser: false },
    });
    expect(await answer(post(hub, 'emqx/authn', { username: TEST_ADMIN.username, password: TEST_ADMIN.password, clientid: 'laptop' }))).toEqual({
      status: 200,
      body: { result: 'allow', is_superuser: true },
    });
    expect(await answer(post(hub, 'emqx/authn', { username, password: 'guess', clientid: 'porch-1' }))).toEqual({ status: 200, body: { result: 'deny' } });
    expect(await answer(post(hub, 'emqx/authn', { username: 'nobody', password: 'guess', clientid: 'x' }))).toEqual({ status: 200, body: { result: 'deny' } });
  });

  it('answers EMQX authorization with the device\'s own topics and nothing else', async () => {
    const { username, topicPrefix } = await credential();
    const authz = (topic: string, action: string, who = username) => answer(post(hub, 'emqx/authz', { username: who, clientid: 'porch-1', topic, action }));
    expect((await authz(`${topicPrefix}/temperature`, 'publish')).body).toEqual({ result: 'allow' });
    expect((await authz(`${topicPrefix}/#`, 'subscribe')).body).toEqual({ result: 'allow' });
    expect((await authz('devices/other-sensor/temperature', 'publish')).body).toEqual({ result: 'deny' });
    expect((await authz('#', 'subscribe')).body).toEqual({ result: 'deny' });
    expect((await authz('$SYS/broker/uptime', 'subscribe')).body).toEqual({ result: 'deny' });
    expect((await authz('anything/at/all', 'all', TEST_ADMIN.username)).body).toEqual({ result: 'allow' });
    expect((await authz('devices/x', 'publish', 'nobody')).body).toEqual({ result: 'deny' });
  });

  it('answers mosquitto-go-auth with JSON or form parameters: 200 { ok: true } or 403 { ok: false, error }', async () => {
    const { username, password, topicPrefix } = await credential();
    for (const form of [false, true]) {
      expect(await answer(post(hub, 'go-auth/user', { username, password, clientid: 'porch-1' }, form))).toEqual({ status: 200, body: { ok: true, error: '' } });
      expect(await answer(post(hub, 'go-auth/user', { username, password: 'guess', clientid: 'porch-1' }, form))).toMatchObject({ status: 403, body: { ok: false } });
      expect((await answer(post(hub, 'go-auth/acl', { username, clientid: 'porch-1', topic: `${topicPrefix}/moisture`, acc: 2 }, form))).status).toBe(200);
      expect((await answer(post(hub, 'go-auth/acl', { username, clientid: 'porch-1', topic: `${topicPrefix}/set`, acc: 1 }, form))).status).toBe(200);
      expect(await answer(post(hub, 'go-auth/acl', { username, clientid: 'porch-1', topic: '#', acc: 4 }, form))).toEqual({
        status: 403,
        body: { ok: false, error: 'porch-sensor may not subscribe #' },
      });
      expect((await answer(post(hub, 'go-auth/acl', { username, clientid: 'porch-1', topic: 'devices/other-sensor/x', acc: 3 }, form))).status).toBe(403);
      expect((await answer(post(hub, 'go-auth/superuser', { username: TEST_ADMIN.username }, form))).status).toBe(200);
      expect((await answer(post(hub, 'go-auth/superuser', { username }, form))).status).toBe(403);
    }
  });

  it('answers a request it cannot read with 400 naming the field', async () => {
    expect(await answer(post(hub, 'emqx/authz', { username: 'x', topic: 'a/b', action: 'delete' }))).toMatchObject({ status: 400, body: { message: 'action must be one of publish, subscribe, all' } });
    expect(await answer(post(hub, 'go-auth/acl', { username: 'x', topic: 'a/b' }))).toMatchObject({ status: 400, body: { message: 'acc required' } });
    expect(await answer(post(hub, 'emqx/authn', { password: 'x' }))).toMatchObject({ status: 400, body: { message: 'username required' } });
  });

  it('counts wrong passwords asked about by the broker against the same lock as the hub\'s own sign-ins', async () => {
    await hub.adminToken();
    const { password } = (await (await hub.api('/api/device-credentials', { body: { name: 'guessed-sensor' } })).json()) as { password: string };
    for (let i = 0; i < 30; i++) await post(hub, 'emqx/authn', { username: 'guessed-sensor', password: `guess-${i}`, clientid: 'x', peerhost: '192.0.2.9' });
    // Locked from that address: even the right password is refused now.
    expect((await answer(post(hub, 'emqx/authn', { username: 'guessed-sensor', password, clientid: 'x', peerhost: '192.0.2.9' }))).body).toEqual({ result: 'deny' });
    expect(hub.logs.some((line) => String(line.reason).startsWith('too many failed sign-ins for guessed-sensor'))).toBe(true);
  });
});

describe('who may ask', () => {
  it('answers only brokers at HEARTH_MQTT_AUTH_ALLOW', async () => {
    const hub = await startTestHub({ HEARTH_MQTT_AUTH_ALLOW: '10.0.0.0/8' });
    try {
      const refused = await answer(post(hub, 'emqx/authn', { username: 'x', password: 'y', clientid: 'z' }));
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/is not a broker the hub answers \(HEARTH_MQTT_AUTH_ALLOW\)/);
    } finally {
      await hub.close();
      removeDataDir(hub.dataDir);
    }
  });
});
