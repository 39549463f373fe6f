import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuleDto } from '@hearth/api-types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

// A rule's notify action POSTs to the webhooks of HEARTH_NOTIFY_WEBHOOKS: two real HTTP servers on
// 127.0.0.1, one of them refusing, and the rule triggered over real MQTT.
describe('notify webhooks', () => {
  let hub: TestHub;
  let server: Server;
  const received: Array<{ path: string; type: string | undefined; body: unknown }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', type: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
        response.writeHead(request.url === '/broken' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hub = await startTestHub({ HEARTH_NOTIFY_WEBHOOKS: `${base}/ntfy/hearth, ${base}/broken` });
  });

  afterAll(async () => {
    await hub?.close();
    if (hub) removeDataDir(hub.dataDir);
    await new Promise((resolve) => server?.close(resolve));
  });

  it('POSTs each notification as JSON to every webhook, and logs the one that refuses', async () => {
    const rule = (await (
      await hub.api('/api/rules', { body: { name: 'Leak', triggers: [{ type: 'mqtt', topic: 'cellar/leak' }], actions: [{ type: 'notify', title: 'Cellar', message: 'Water: {{ trigger.payload }}' }] } })
    ).json()) as RuleDto;
    const sensor = await connectClient(hub.mqttUrl);
    await sensor.publishAsync('cellar/leak', 'wet', { qos: 1 });
    await sensor.endAsync();
    await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 10_000 });
    const body = { rule: 'Leak', ruleId: rule.id, title: 'Cellar', message: 'Water: wet', url: `/rules/${rule.id}` };
    expect(received.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/broken', type: 'application/json', body },
      { path: '/ntfy/hearth', type: 'application/json', body },
    ]);
    await vi.waitFor(() => expect(hub.logs.find((line) => line.msg === 'a notify webhook refused the notification')).toMatchObject({ status: 500, ruleId: rule.id }), { timeout: 10_000 });
  });

  it('takes only http: and https: URLs', () => {
    expect(() => loadConfig({ env: { HEARTH_NOTIFY_WEBHOOKS: 'https://ntfy.sh/x, ftp://files/x' }, cwd: hub.dataDir })).toThrow(/HEARTH_NOTIFY_WEBHOOKS.*ftp:\/\/files\/x/);
  });
});
