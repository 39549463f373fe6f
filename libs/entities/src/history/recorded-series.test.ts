import { describe, expect, it } from 'vitest';
import type { EntityDefinition } from '../mapping/definition.js';
import { recordedSeries } from './recorded-series.js';

const definition = (fields: Partial<EntityDefinition>): EntityDefinition => ({ uniqueId: 'u', kind: 'sensor', objectId: 'o', name: 'n', attributes: [], supports: {}, source: 'discovery', origin: 'o', ...fields });

describe('the series an entity feeds', () => {
  it('keeps energy as a counter (or a total when it may fall), power to be integrated, the rest as measurements', () => {
    const kinds = (fields: Partial<EntityDefinition>) => recordedSeries('sensor.x', definition(fields)).state;
    expect(kinds({ unit: 'kWh', stateClass: 'total_increasing' })).toEqual({ key: 'sensor.x', kind: 'counter', unit: 'kWh' });
    expect(kinds({ deviceClass: 'energy', unit: 'Wh', stateClass: 'total' })).toEqual({ key: 'sensor.x', kind: 'total', unit: 'Wh' });
    // Tasmota announces its energy total with device class power: the unit says what it is.
    expect(kinds({ deviceClass: 'power', unit: 'kWh' })).toMatchObject({ kind: 'counter', unit: 'kWh' });
    expect(kinds({ kind: 'power_meter' })).toMatchObject({ kind: 'power', unit: 'W' });
    expect(kinds({ deviceClass: 'power', unit: 'kW', stateClass: 'measurement' })).toMatchObject({ kind: 'power', unit: 'kW' });
    expect(kinds({ deviceClass: 'gas', unit: 'm³', stateClass: 'total_increasing' })).toMatchObject({ kind: 'counter', unit: 'm³' });
    expect(kinds({ unit: '%' })).toMatchObject({ kind: 'measurement', unit: '%' });
    expect(kinds({ kind: 'binary_sensor' })).toBeNull();
    expect(kinds({ kind: 'sensor' })).toBeNull();
  });

  it("records a meter's energy attribute (Tasmota ENERGY.Total) as a counter of its own", () => {
    const series = recordedSeries(
      'power_meter.plug',
      definition({
        kind: 'power_meter',
        unit: 'W',
        attributes: [
          { name: 'energy', topic: 't', value: { kind: 'jsonPath', path: 'ENERGY.Total' }, unit: 'kWh' },
          { name: 'voltage', topic: 't', value: { kind: 'jsonPath', path: 'ENERGY.Voltage' }, unit: 'V' },
        ],
      }),
    );
    expect(series.attributes).toEqual([{ name: 'energy', spec: { key: 'power_meter.plug#energy', kind: 'counter', unit: 'kWh' } }]);
  });
});
