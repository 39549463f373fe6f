import { Environment, ManualClock, Random, type SimContext, TasmotaSwitch } from '@hearth/simulator';
import { describe, expect, it } from 'vitest';
import { Household } from '../src/demo/household.js';

const MINUTE = 60_000;

/** The household on unconnected devices (they switch; there is nothing to publish to) and a hand-moved clock. */
function household(seed = 1) {
  const ctx: SimContext = { clock: new ManualClock(), random: new Random(seed), environment: new Environment() };
  const kettle = new TasmotaSwitch({ kind: 'plug', id: 'kettle', name: 'Kettle', watts: 2000 }, ctx);
  const lights = ['a', 'b', 'c'].map((id) => new TasmotaSwitch({ kind: 'light', id, name: id, watts: 10 }, ctx));
  const people = new Household(ctx.clock, ctx.random.fork('household'), { kettle, lights });
  /** Which devices are on after each simulated minute. */
  const day = (minutes: number) =>
    Array.from({ length: minutes }, () => {
      (ctx.clock as ManualClock).advance(MINUTE);
      return [kettle, ...lights].map((device) => (device.isOn ? 1 : 0)).join('');
    });
  return { people, kettle, day, clock: ctx.clock as ManualClock };
}

describe('the demo household', () => {
  it('boils the kettle for 3 minutes from minute 2, then every 20 to 60 minutes, and switches lights now and then', () => {
    const { people, day } = household();
    people.start();
    const minutes = day(180);
    const kettle = minutes.map((state) => state[0]).join('');
    expect(kettle.slice(0, 6)).toBe('011100');
    const boils = [...kettle.matchAll(/1+/g)];
    expect(boils.every((run) => run[0].length === 3)).toBe(true);
    expect(boils.length).toBeGreaterThanOrEqual(180 / 63);
    const lightChanges = minutes.filter((state, i) => i > 0 && state.slice(1) !== minutes[i - 1].slice(1)).length;
    expect(lightChanges).toBeGreaterThanOrEqual(180 / 20 - 1);
  });

  it('replays the same day from the same seed, and stops', () => {
    const first = household(7);
    const second = household(7);
    first.people.start();
    second.people.start();
    expect(first.day(120)).toEqual(second.day(120));
    first.people.stop();
    expect(first.clock.pending).toBe(0);
  });
});
