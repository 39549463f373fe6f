import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { Environment } from '../environment.js';
import { GardenModel } from './model.js';
import { batteryPercent, formatTenths, predefinedTopicsCsv, readingPayload } from './protocol.js';

const HOUR = 3_600_000;
const DAWN = Date.UTC(2026, 5, 21, 4, 0);

describe('Environment', () => {
  const env = new Environment({ utcOffsetMinutes: 120 });

  it('follows the local day: warmest mid-afternoon, dark at night, humid before dawn', () => {
    const at = (hour: number) => Date.UTC(2026, 5, 21, hour - 2);
    expect(env.temperature(at(15))).toBeCloseTo(23, 5);
    expect(env.temperature(at(3))).toBeCloseTo(9, 5);
    expect(env.illuminance(at(2))).toBe(0);
    expect(env.illuminance(at(13))).toBeCloseTo(60_000, 0);
    expect(env.humidity(at(3))).toBeGreaterThan(env.humidity(at(15)));
  });
});

describe('GardenModel', () => {
  const model = (seed = 1) => new GardenModel(new Environment(), new Random(seed), DAWN, { moisture: 50, batteryMillivolts: 9000 });

  it('dries the soil over time and wets it while the valve is open', () => {
    const bed = model();
    const start = bed.sample(DAWN).moisture;
    const dry = bed.sample(DAWN + 6 * HOUR).moisture;
    expect(dry).toBeLessThan(start);
    bed.setValve(true, DAWN + 6 * HOUR);
    expect(bed.sample(DAWN + 7 * HOUR).moisture).toBeGreaterThan(dry + 20);
  });

  it('drains the battery with every report and with time', () => {
    const bed = model();
    const first = bed.sample(DAWN).batteryMillivolts;
    expect(bed.sample(DAWN).batteryMillivolts).toBeLessThan(first);
    expect(bed.sample(DAWN + 100 * HOUR).batteryMillivolts).toBeLessThan(first - 5);
  });

  it('gives the same readings for the same seed', () => {
    const series = (seed: number) => Array.from({ length: 10 }, ((bed) => (_: unknown, i: number) => bed.sample(DAWN + i * HOUR))(model(seed)));
    expect(series(5)).toEqual(series(5));
    expect(series(5)).not.toEqual(series(6));
  });
});

describe('garden payloads (as garden_protocol.h prints them)', () => {
  it('prints tenths with one decimal and a sign', () => {
    expect([214, 30, 0, -5, -123].map(formatTenths)).toEqual(['21.4', '3.0', '0.0', '-0.5', '-12.3']);
  });

  it('scales the battery from 6.6 V to 9.0 V with integer arithmetic', () => {
    expect([5000, 6600, 6623, 6624, 7800, 8999, 9000, 9600].map(batteryPercent)).toEqual([0, 0, 0, 1, 50, 99, 100, 100]);
    const readings = { moisture: 41, temperatureTenths: -7, humidity: 88, illuminance: 1234, batteryMillivolts: 8700 };
    expect(['moisture', 'temperature', 'humidity', 'illuminance', 'battery'].map((n) => readingPayload(n as never, readings))).toEqual(['41', '-0.7', '88', '1234', '87']);
  });

  it('writes the predefined-topics CSV the gateway loads', () => {
    expect(predefinedTopicsCsv([{ sensorId: 'bed1', topics: ['moisture', 'valve/set'] }])).toBe(
      'clientId,topicName,topicId\nbed1,garden/bed1/moisture,1\nbed1,garden/bed1/valve/set,8\n',
    );
  });
});
