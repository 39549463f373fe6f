import { fireEvent, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { renderSignedIn, type Routes } from '../../lib/testing/fixtures.js';
import TariffEditor from './TariffEditor.svelte';
import { tariffsBody, tariffsForm } from './tariffs.js';

const FLAT = { validFrom: '2026-01-01', price: 0.3, windows: [], exportPrice: 0.08 };
const STORED = { currency: 'EUR', tariffs: [FLAT] };

async function renderEditor(role: 'admin' | 'user', routes: Routes = {}) {
  let changed = 0;
  const rendered = await renderSignedIn(TariffEditor, role, { routes: { 'GET /api/energy/tariffs': { body: STORED }, ...routes }, props: { onchange: () => changed++ } });
  await screen.findByTestId('tariff-0');
  return { ...rendered, changed: () => changed };
}

const type = (within: HTMLElement, label: string, value: string) => fireEvent.input(withinLabel(within, label), { target: { value } });
const withinLabel = (element: HTMLElement, label: string) => within(element).getByLabelText(label) as HTMLInputElement;

describe('TariffEditor', () => {
  it('lets an admin add a new price from a date with a night window, keeping the old one for the past', async () => {
    const night = { validFrom: '2026-04-01', price: 0.34, exportPrice: 0.08, windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '23:00', to: '07:00', price: 0.21 }] };
    const { writes, changed } = await renderEditor('admin', { 'PUT /api/energy/tariffs': { body: { currency: 'EUR', tariffs: [FLAT, night] } } });
    await fireEvent.click(screen.getByRole('button', { name: 'New price from a date' }));
    const added = screen.getByTestId('tariff-1');
    expect(withinLabel(added, 'Price per kWh').value).toBe('0.3'); // a copy of the latest
    await type(added, 'Valid from', '2026-04-01');
    await type(added, 'Price per kWh', '0,34');
    await fireEvent.click(within(added).getByRole('button', { name: 'Add a time-of-use window' }));
    const window = screen.getByTestId('tariff-1-window-0');
    // None chosen is every day.
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']) await fireEvent.click(within(window).getByLabelText(day));
    await type(window, 'From', '23:00');
    await type(window, 'To', '07:00');
    await type(window, 'Price per kWh', '0.21');
    await fireEvent.click(screen.getByRole('button', { name: 'Save tariffs' }));
    await expect.poll(writes).toEqual([{ method: 'PUT', path: '/api/energy/tariffs', body: { currency: 'EUR', tariffs: [FLAT, night] } }]);
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(changed()).toBe(1);
    expect(screen.getByTestId('tariff-1').querySelector('legend')!.textContent).toBe('Tariff 2 · time of use');
  });

  it("shows each of the hub's reasons for refusing the tariffs", async () => {
    const problems = ['currency must be a 3-letter ISO 4217 code such as EUR, not "EU"', 'tariffs[0].windows[0].from must be on a 5-minute boundary (statistics are kept in 5-minute buckets), not 07:03'];
    await renderEditor('admin', { 'PUT /api/energy/tariffs': { status: 400, body: { statusCode: 400, message: problems } } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save tariffs' }));
    const alert = await within(screen.getByTestId('tariffs')).findByRole('alert');
    expect(within(alert).getAllByRole('listitem').map((item) => item.textContent)).toEqual(problems);
  });

  it('does not send text for a price', async () => {
    const { writes } = await renderEditor('admin');
    await type(screen.getByTestId('tariff-0'), 'Price per kWh', 'cheap');
    await fireEvent.click(screen.getByRole('button', { name: 'Save tariffs' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Tariff 1: the price is a number, such as 0.28 (not "cheap")');
    expect(writes()).toEqual([]);
  });

  it('shows someone with the user role the prices, read-only', async () => {
    await renderEditor('user');
    expect(withinLabel(screen.getByTestId('tariff-0'), 'Price per kWh').matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save tariffs' })).toBeNull();
  });

  it('turns the form into the request and back', () => {
    const stored = { currency: 'EUR', tariffs: [{ ...FLAT, windows: [{ days: ['sat' as const, 'sun' as const], from: '00:00', to: '00:00', price: 0.2 }] }] };
    expect(tariffsBody(tariffsForm(stored))).toEqual(stored);
    expect(tariffsBody({ currency: ' eur ', tariffs: [{ validFrom: '2026-02-01', price: '0.3', exportPrice: '', windows: [] }] })).toEqual({ currency: 'EUR', tariffs: [{ validFrom: '2026-02-01', price: 0.3, exportPrice: 0, windows: [] }] });
  });
});
