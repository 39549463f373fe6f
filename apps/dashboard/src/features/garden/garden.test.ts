import { describe, expect, it } from 'vitest';
import { entity } from '../../lib/testing/fixtures.js';
import { gardenSensors, threshold } from './garden.js';

describe('threshold', () => {
  it('flags dry soil, a low battery and frost', () => {
    expect(threshold('moisture', 45)).toBeNull();
    expect(threshold('moisture', 29)).toEqual({ level: 'warn', message: 'Dry, water soon' });
    expect(threshold('moisture', 12)?.level).toBe('bad');
    expect(threshold('battery', 15)?.message).toBe('Battery low');
    expect(threshold('temperature', 1.5)?.message).toBe('Frost risk');
    expect(threshold('temperature', 20)).toBeNull();
    expect(threshold('moisture', 'n/a')).toBeNull();
  });
});

describe('gardenSensors', () => {
  it('groups the readings of devices with soil moisture or in a garden area, in reading order', () => {
    const bed = (id: string, deviceClass: string, lastUpdated: string) =>
      entity({ id: `sensor.${id}`, deviceId: 'garden-bed1', deviceClass, lastUpdated, state: 1 });
    const sensors = gardenSensors(
      [
        bed('bed1_battery', 'battery', '2026-11-26T12:00:00Z'),
        bed('bed1_moisture', 'moisture', '2026-11-26T12:05:00Z'),
        bed('bed1_temperature', 'temperature', '2026-11-26T12:01:00Z'),
        entity({ id: 'sensor.shed_temp', deviceClass: 'temperature', area: 'Back garden', name: 'Shed' }),
        entity({ id: 'sensor.living_temp', deviceClass: 'temperature', area: 'Living room' }),
        entity({ id: 'light.garden', area: 'Garden' }),
      ],
      [{ id: 'garden-bed1', name: 'Vegetable bed', manufacturer: null, model: null, area: null, transport: 'mqtt-sn', available: true, lastSeen: null, entityIds: [] }],
    );
    expect(sensors.map((s) => [s.name, s.readings.map((r) => r.deviceClass), s.lastSeen])).toEqual([
      ['Shed', ['temperature'], '2026-11-26T12:00:00.000Z'],
      ['Vegetable bed', ['moisture', 'temperature', 'battery'], '2026-11-26T12:05:00Z'],
    ]);
  });
});
