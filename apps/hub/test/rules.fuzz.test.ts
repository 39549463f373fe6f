import type { RuleDto } from '@hearth/api-types';
import { Random } from '@hearth/random';
import { mutate, randomValue, SEED_RULES } from '@hearth/rules/fuzzing';
import { describe, expect, it } from 'vitest';
import { collect, connectClient } from './support/mqtt-client.js';
import { useTestHub } from './support/test-hub.js';

// Seeded, so a failure replays with HEARTH_FUZZ_SEED set to the seed in the test name.
const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CASES = 2_500;

describe(`rule JSON fuzzing over REST (seed ${SEED})`, () => {
  const hub = useTestHub({ HEARTH_LOG_LEVEL: 'error' });

  it(`answers ${CASES} random and mutated rules on POST and PUT with 201/200 or a 400 with a message, while MQTT keeps flowing`, async () => {
    const rand = new Random(SEED);
    const subscriber = await connectClient(hub.mqttUrl);
    const inbox = collect(subscriber);
    await subscriber.subscribeAsync('fuzz/heartbeat');
    const publisher = await connectClient(hub.mqttUrl);
    let sent = 0;
    const heartbeat = setInterval(() => void publisher.publishAsync('fuzz/heartbeat', String(++sent)), 20);
    const target = (await (await hub.api('/api/rules', { body: SEED_RULES[0] })).json()) as RuleDto;

    const failures: string[] = [];
    const answers = new Map<number, number>();
    try {
      for (let i = 0; i < CASES; i++) {
        const put = rand.chance(0.3);
        const json = rand.chance(0.15) ? randomValue(rand) : mutate(rand, rand.pick(SEED_RULES));
        const raw = rand.chance(0.05) ? rand.bytes(rand.below(200)).toString('latin1') : JSON.stringify(json);
        const response = await fetch(`${hub.httpUrl}/api/rules${put ? `/${target.id}` : ''}`, {
          method: put ? 'PUT' : 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.adminToken()}` },
          body: raw,
        });
        answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { id?: string; message?: unknown };
        const ok = put ? response.status === 200 : response.status === 201;
        const explained = response.status === 400 && (typeof body.message === 'string' || (Array.isArray(body.message) && body.message.length > 0));
        if (!ok && !explained) failures.push(`${put ? 'PUT' : 'POST'} ${raw.slice(0, 300)} -> ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
        // Accepted rules run (and may trigger one another) until deleted; keep the house small.
        if (response.status === 201) await hub.api(`/api/rules/${body.id}`, { method: 'DELETE' });
      }
    } finally {
      clearInterval(heartbeat);
    }
    expect(failures).toEqual([]);
    // Both kinds of answer were reached, or the generators need a look.
    expect([...answers.keys()].sort()).toEqual(expect.arrayContaining([200, 201, 400]));

    // The hub is up, and the subscriber got the heartbeats sent meanwhile.
    expect((await hub.api('/api/health')).status).toBe(200);
    await publisher.publishAsync('fuzz/heartbeat', 'last', { qos: 1 });
    await expect.poll(() => inbox.messages.at(-1)?.payload).toBe('last');
    expect(inbox.messages.length).toBeGreaterThanOrEqual(sent * 0.9);
    await subscriber.endAsync();
    await publisher.endAsync();
  });
});
