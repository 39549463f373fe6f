import { describe, expect, it } from 'vitest';
import { entityId, slugify, uniqueEntityId } from './slug.js';

describe('entityId', () => {
  it('lower-cases, replaces other characters with _ and trims', () => {
    expect(entityId('light', 'Kitchen')).toBe('light.kitchen');
    expect(entityId('sensor', 'Trailer Power ENERGY Power')).toBe('sensor.trailer_power_energy_power');
    expect(entityId('sensor', 'c3-debug-7b55e0 Pressure voltage')).toBe('sensor.c3_debug_7b55e0_pressure_voltage');
    expect(entityId('switch', '  __Garage  door!__ ')).toBe('switch.garage_door');
  });

  it('drops accents rather than whole letters', () => {
    expect(slugify('Température extérieure')).toBe('temperature_exterieure');
    expect(slugify('温度')).toBe('unnamed');
  });

  it('never gives an empty object id', () => {
    expect(entityId('sensor', '')).toBe('sensor.unnamed');
    expect(entityId('sensor', '!!!')).toBe('sensor.unnamed');
  });
});

describe('uniqueEntityId', () => {
  it('adds _2, _3 … to avoid taken ids', () => {
    expect(uniqueEntityId('light', 'Kitchen', new Set())).toBe('light.kitchen');
    expect(uniqueEntityId('light', 'Kitchen', new Set(['light.kitchen']))).toBe('light.kitchen_2');
    expect(uniqueEntityId('light', 'kitchen', new Set(['light.kitchen', 'light.kitchen_2', 'switch.kitchen_3']))).toBe('light.kitchen_3');
  });
});
