import { describe, expect, it } from 'vitest';
import { MemoryStatisticsStore } from './fixtures/memory-store.js';
import { StatisticsRecorder } from './recorder.js';

const options = { energyMaxGapMs: 5 * 60_000, measurementHoldMs: 6 * 60 * 60_000 };
const kitchen = { key: 'sensor.kitchen', kind: 'measurement' as const, unit: '°C' };
const hall = { key: 'sensor.hall', kind: 'measurement' as const, unit: '°C' };
const t0 = Date.UTC(2026, 0, 1);

describe('flushing the statistics of one series', () => {
  it('stores that series and leaves the others for the next flush', () => {
    const store = new MemoryStatisticsStore();
    const recorder = new StatisticsRecorder(store, options);
    recorder.record(kitchen, t0, 20);
    recorder.record(hall, t0, 17);
    const kitchenId = recorder.stored(kitchen.key)!.id;
    const hallId = recorder.stored(hall.key)!.id;

    expect(recorder.flush(kitchenId)).toBe(1);
    expect(store.rows(kitchenId, '5m', t0, t0 + 1, 10)).toEqual([expect.objectContaining({ start: t0, mean: 20 })]);
    expect(store.rows(hallId, '5m', t0, t0 + 1, 10)).toEqual([]);
    expect(recorder.flush(kitchenId)).toBe(0);

    expect(recorder.flush()).toBe(1);
    expect(store.rows(hallId, '5m', t0, t0 + 1, 10)).toEqual([expect.objectContaining({ start: t0, mean: 17 })]);
  });

  it('flushes nothing for a series it does not know, or one without new readings', () => {
    const store = new MemoryStatisticsStore();
    const recorder = new StatisticsRecorder(store, options);
    recorder.record(kitchen, t0, 20);
    expect(recorder.flush(99)).toBe(0);
    expect(recorder.flush()).toBe(1);
    expect(recorder.flush(recorder.stored(kitchen.key)!.id)).toBe(0);
  });
});
