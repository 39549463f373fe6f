import type { EntityHistoryDto } from '@hearth/api-types';
import { describe, expect, it } from 'vitest';
import { bands, historyKind, historyPath, numericPoints, onOffStretches } from './history.js';
import { entity } from './testing/fixtures.js';

const history = (overrides: Partial<EntityHistoryDto>): EntityHistoryDto => ({
  entityId: 'sensor.x',
  from: '2026-11-26T00:00:00.000Z',
  to: '2026-11-27T00:00:00.000Z',
  resolution: 'raw',
  unit: null,
  points: [],
  statistics: [],
  truncated: false,
  ...overrides,
});
const t = (hhmm: string) => `2026-11-26T${hhmm}:00.000Z`;

describe('history', () => {
  it('asks for a range and a resolution', () => {
    expect(historyPath('sensor.bed moisture', { from: Date.parse(t('10:00')), to: Date.parse(t('12:00')), resolution: 'day' })).toBe(
      '/api/history/sensor.bed%20moisture?from=2026-11-26T10:00:00.000Z&to=2026-11-26T12:00:00.000Z&resolution=day',
    );
  });

  it("reads numbers from readings or from buckets' means, and bands from buckets", () => {
    expect(numericPoints(history({ points: [{ time: t('10:00'), state: 20 }, { time: t('10:05'), state: 'unavailable' }, { time: t('10:10'), state: 21.5 }] }))).toEqual([
      { time: Date.parse(t('10:00')), value: 20 },
      { time: Date.parse(t('10:10')), value: 21.5 },
    ]);
    const hourly = history({
      resolution: 'hour',
      statistics: [
        { start: t('10:00'), end: t('11:00'), mean: 20, min: 18, max: 23, change: null },
        { start: t('11:00'), end: t('12:00'), mean: null, min: null, max: null, change: null },
      ],
    });
    expect(numericPoints(hourly)).toEqual([{ time: Date.parse(t('10:00')), value: 20 }]);
    expect(bands(hourly)).toEqual([
      { time: Date.parse(t('10:00')), min: 18, mean: 20, max: 23 },
      { time: Date.parse(t('11:00')), min: null, mean: null, max: null },
    ]);
  });

  it('turns changes into on/off stretches within the range, the one in force at the start first', () => {
    const changes = history({
      points: [
        { time: t('08:00'), state: 'off' },
        { time: t('10:00'), state: 'on' },
        { time: t('10:30'), state: 'on', attributes: { brightness: 10 } },
        { time: t('11:00'), state: 'off', available: false },
        { time: t('11:15'), state: 'off' },
      ],
    });
    expect(onOffStretches(changes, Date.parse(t('09:00')), Date.parse(t('12:00'))).map(({ from, to, state }) => [new Date(from).toISOString().slice(11, 16), new Date(to).toISOString().slice(11, 16), state])).toEqual([
      ['09:00', '10:00', 'off'],
      ['10:00', '11:00', 'on'],
      ['11:00', '11:15', null],
      ['11:15', '12:00', 'off'],
    ]);
  });

  it('charts numbers, draws a timeline for on/off entities, and nothing for text', () => {
    expect(historyKind(entity({ id: 'sensor.temp', state: 21 }))).toBe('numeric');
    expect(historyKind(entity({ id: 'sensor.energy', state: null, stateClass: 'total_increasing' }))).toBe('numeric');
    expect(historyKind(entity({ id: 'power_meter.tv', state: null }))).toBe('numeric');
    expect(historyKind(entity({ id: 'light.kitchen', state: 'on' }))).toBe('on-off');
    expect(historyKind(entity({ id: 'binary_sensor.door', state: 'off' }))).toBe('on-off');
    expect(historyKind(entity({ id: 'sensor.mode', state: 'eco' }))).toBeNull();
  });
});
