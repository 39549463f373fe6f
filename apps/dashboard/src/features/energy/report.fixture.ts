import type { EnergyAmountDto, EnergyReportDto } from '@hearth/api-types';

// Test data for the energy page's tests.
export const ZONE = 'Europe/Amsterdam';

const amount = (kwh: number, cost: number | null = kwh * 0.3): EnergyAmountDto => ({ kwh, cost });
const flows = (house: number, devices: Record<string, number>) => ({
  house: amount(house),
  gridImport: amount(house),
  gridExport: amount(0, null),
  solar: amount(0, null),
  untracked: amount(house - Object.values(devices).reduce((a, b) => a + b, 0)),
  devices: Object.fromEntries(Object.entries(devices).map(([id, kwh]) => [id, amount(kwh)])),
});

/** A report of two hours in Amsterdam: a mains meter (grid import), a TV and a washer, at 0.30 EUR a kWh. */
export const REPORT: EnergyReportDto = {
  from: '2026-03-28T23:00:00.000Z',
  to: '2026-03-29T01:00:00.000Z',
  period: 'hour',
  timeZone: ZONE,
  currency: 'EUR',
  meters: [
    { entityId: 'sensor.mains', name: 'Mains', area: null, role: 'grid_import', source: 'counter' },
    { entityId: 'power_meter.tv', name: 'TV', area: 'Living room', role: 'device', source: 'power' },
    { entityId: 'power_meter.washer', name: 'Washer', area: null, role: 'device', source: 'counter' },
  ],
  buckets: [
    { start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T00:00:00.000Z', ...flows(1, { 'power_meter.tv': 0.1, 'power_meter.washer': 0.5 }) },
    { start: '2026-03-29T00:00:00.000Z', end: '2026-03-29T01:00:00.000Z', ...flows(2, { 'power_meter.tv': 0.2, 'power_meter.washer': 1.5 }) },
  ],
  total: flows(3, { 'power_meter.tv': 0.3, 'power_meter.washer': 2 }),
};
