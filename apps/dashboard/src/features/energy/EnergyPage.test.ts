import { fireEvent, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { renderSignedIn, type Routes } from '../../lib/testing/fixtures.js';
import EnergyPage from './EnergyPage.svelte';
import { REPORT } from './report.fixture.js';

const METERS = REPORT.meters;
const ROUTES: Routes = {
  'GET /api/energy?*': { body: REPORT },
  'GET /api/energy/meters': { body: METERS },
  'GET /api/energy/tariffs': { body: { currency: 'EUR', tariffs: [{ validFrom: '2026-01-01', price: 0.3, windows: [], exportPrice: 0.08 }] } },
  'GET /api/energy/power?*': { body: { points: [{ start: '2026-03-29T12:50:00.000Z', watts: 500 }, { start: '2026-03-29T12:55:00.000Z', watts: 650 }] } },
  'GET /api/energy/insights': {
    body: { alwaysOn: { watts: 180, devices: [{ entityId: 'power_meter.tv', watts: 12 }] }, months: [{ entityId: 'power_meter.washer', month: '2026-03', kwh: 20, previousMonthKwh: 25, lastYearKwh: null }] },
  },
};

const text = (testId: string) => screen.getByTestId(testId).textContent?.replace(/\s+/g, ' ').trim();
const rows = () => within(screen.getByTestId('top-consumers')).getAllByRole('listitem').map((row) => row.textContent!.replace(/\s+/g, ' ').trim());
const energyCalls = (calls: Array<{ path: string }>) => calls.filter((call) => call.path.startsWith('/api/energy?')).map((call) => new URL(call.path, 'http://hub').searchParams);

describe('EnergyPage', () => {
  it("shows the period's kWh and cost, its top consumers, house power and insights", async () => {
    const { calls } = await renderSignedIn(EnergyPage, 'user', { routes: ROUTES });
    await expect.poll(() => text('energy-kwh')).toBe('3.00 kWh');
    expect(text('energy-cost')).toBe('€0.90');
    expect(rows()).toEqual(['Washer 2.00 kWh 67 %', 'TV 0.30 kWh 10 %', 'Untracked 0.70 kWh 23 %']);
    expect(screen.getAllByRole('button', { name: /^\d\d: / }).map((bar) => bar.getAttribute('aria-label'))).toEqual(['00: 1.00\u202fkWh', '01: 2.00\u202fkWh']);
    // The report was asked in the browser's zone, then again in the house's (Amsterdam): today there, by the hour.
    const asked = energyCalls(calls).at(-1)!;
    expect(asked.get('period')).toBe('hour');
    expect(new Date(asked.get('from')!).toLocaleTimeString('en-GB', { timeZone: 'Europe/Amsterdam' })).toBe('00:00:00');

    await expect.poll(() => text('house-power')).toBe('650 W');
    await expect.poll(() => text('always-on')).toBe('180 W');
    expect(text('month-comparison')).toBe('Washer 20.0 kWh \u221220 % vs last month');
    // Someone with the user role sees roles and tariffs, and cannot change them.
    await expect.poll(() => (screen.getByLabelText('Role of Mains') as HTMLSelectElement).value).toBe('grid_import');
    expect(screen.getByLabelText('Role of Mains').matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save tariffs' })).toBeNull();
  });

  it('toggles kWh and cost', async () => {
    await renderSignedIn(EnergyPage, 'user', { routes: ROUTES });
    await expect.poll(() => text('energy-kwh')).toBe('3.00 kWh');
    await fireEvent.click(screen.getByRole('button', { name: 'Cost' }));
    expect(rows()).toEqual(['Washer €0.60 67 %', 'TV €0.09 10 %', 'Untracked €0.21 23 %']);
    expect(screen.getByRole('button', { name: /^01: / }).getAttribute('aria-label')).toBe('01: €0.60');
    await fireEvent.click(screen.getByRole('button', { name: 'kWh' }));
    expect(rows()[0]).toBe('Washer 2.00 kWh 67 %');
  });

  it('switches to a week by day, steps back a week and forward again, never past now', async () => {
    const { calls } = await renderSignedIn(EnergyPage, 'user', { routes: ROUTES });
    await expect.poll(() => text('energy-kwh')).toBe('3.00 kWh');
    expect(screen.getByRole('button', { name: 'Next period' }).matches(':disabled')).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Week' }));
    await expect.poll(() => energyCalls(calls).at(-1)!.get('period')).toBe('day');
    expect(text('energy-period')).toBe('This week');
    const thisWeek = Date.parse(energyCalls(calls).at(-1)!.get('from')!);
    await fireEvent.click(screen.getByRole('button', { name: 'Previous period' }));
    await expect.poll(() => Date.parse(energyCalls(calls).at(-1)!.get('from')!)).toBeLessThan(thisWeek);
    expect(thisWeek - Date.parse(energyCalls(calls).at(-1)!.get('from')!)).toBeGreaterThanOrEqual(7 * 23 * 3_600_000);
    expect(text('energy-period')).toMatch(/^Week of /);
    expect(screen.getByRole('button', { name: 'Week' }).getAttribute('aria-pressed')).toBe('true');
    await fireEvent.click(screen.getByRole('button', { name: 'Next period' }));
    await expect.poll(() => Date.parse(energyCalls(calls).at(-1)!.get('from')!)).toBe(thisWeek);
    await fireEvent.click(screen.getByRole('button', { name: 'Year' }));
    await expect.poll(() => energyCalls(calls).at(-1)!.get('period')).toBe('month');
  });

  it("lets an admin change a meter's role, asks the report again, and shows the hub's refusal", async () => {
    const { calls, writes } = await renderSignedIn(EnergyPage, 'admin', {
      routes: {
        ...ROUTES,
        'PUT /api/energy/meters/power_meter.tv': { body: { ...METERS[1], role: 'solar' } },
        'PUT /api/energy/meters/sensor.mains': { status: 404, body: { statusCode: 404, message: 'sensor.mains is not a meter: no power or energy is recorded for it' } },
      },
    });
    await expect.poll(() => (screen.getByLabelText('Role of TV') as HTMLSelectElement).value).toBe('device');
    const before = energyCalls(calls).length;
    await fireEvent.change(screen.getByLabelText('Role of TV'), { target: { value: 'solar' } });
    await expect.poll(writes).toEqual([{ method: 'PUT', path: '/api/energy/meters/power_meter.tv', body: { role: 'solar' } }]);
    await expect.poll(() => energyCalls(calls).length).toBeGreaterThan(before);

    await fireEvent.change(screen.getByLabelText('Role of Mains'), { target: { value: 'device' } });
    expect((await within(screen.getByTestId('meter-roles')).findByRole('alert')).textContent).toBe('sensor.mains is not a meter: no power or energy is recorded for it');
    await expect.poll(() => (screen.getByLabelText('Role of Mains') as HTMLSelectElement).value).toBe('grid_import');
  });
});
