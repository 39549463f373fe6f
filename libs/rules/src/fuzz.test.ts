import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { FUZZ_ENTITIES, mutate, randomValue, SEED_RULES } from './fuzzing.js';
import { parseRule } from './parse.js';
import { harness } from './test-support.js';
import { HOUR, MINUTE } from '@hearth/local-time';

// A fixed default keeps CI deterministic; set RULES_FUZZ_SEED to explore or to replay a failure.
const SEED = Number(process.env.RULES_FUZZ_SEED ?? 0x5e1f);
const CASES = 3_000;

describe('fuzz', () => {
  it(`parseRule never throws on ${CASES} random and mutated rules, and what it accepts runs (seed ${SEED})`, async () => {
    const rnd = new Random(SEED);
    let accepted = 0;
    const results = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const json = rnd.chance(0.1) ? randomValue(rnd) : mutate(rnd, rnd.pick(SEED_RULES));
      // Through JSON, as the hub receives it.
      const result = parseRule(JSON.parse(JSON.stringify(json) ?? 'null'));
      if (!result.ok) {
        expect(result.errors.length, JSON.stringify(json)).toBeGreaterThan(0);
        for (const error of result.errors) expect(typeof error.path === 'string' && error.message.length > 0, JSON.stringify(error)).toBe(true);
        continue;
      }
      accepted++;
      const h = harness({ location: { latitude: 52.37, longitude: 4.9, timezone: 'Europe/Amsterdam' }, ports: { command: async (id) => (id === 'a.b' ? Promise.reject(new Error('no')) : undefined) } });
      h.engine.setRule('fuzz', result.rule);
      for (let step = 0; step < 20; step++) {
        const entity = rnd.pick(FUZZ_ENTITIES);
        switch (rnd.below(4)) {
          case 0:
            h.set(entity, rnd.pick(['on', 'off', 21, '25', null, true]), { brightness: rnd.below(300) }, rnd.chance(0.8));
            break;
          case 1:
            h.engine.mqttMessage(rnd.pick(['zigbee2mqtt/button/action', 'zigbee2mqtt/x/action', 'a/b']), rnd.pick(['single', '{"x":2}', '']));
            break;
          case 2:
            h.engine.availabilityChanged('dev', rnd.chance(0.5));
            break;
          default:
            h.engine.run('fuzz', rnd.chance(0.5));
        }
        await h.clock.advance(rnd.below(20) * MINUTE);
      }
      await h.clock.advance(6 * HOUR);
      h.engine.close();
      for (const trace of h.traces) results.add(trace.result);
    }
    // Keeps the fuzzing meaningful if the generators change.
    expect(accepted).toBeGreaterThan(CASES / 10);
    expect([...results].sort()).toEqual(expect.arrayContaining(['conditions-failed', 'done', 'error']));
  });
});
