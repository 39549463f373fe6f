import { fireEvent, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { renderSignedIn } from '../../lib/testing/fixtures.js';
import SensorClaims from './SensorClaims.svelte';

const claim = (id: number, device: string, link: string, address: string) => ({ id, device, address, link, firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString(), attempts: 3 });

describe('SensorClaims', () => {
  it('asks about each sensor that wants to be a device, and binds it on Allow', async () => {
    const { writes } = await renderSignedIn(SensorClaims, 'admin', {
      routes: {
        'GET /api/mqtt-sn/claims': { body: [claim(4, 'garden-bed-3', 'udp', '192.168.1.40'), claim(5, 'pond', 'serial', '0013a20041a7b0c3')] },
        'POST /api/mqtt-sn/claims/4/accept': { body: { username: 'garden-bed-3', snAddresses: ['192.168.1.40'] } },
        'DELETE /api/mqtt-sn/claims/5': { status: 204 },
      },
    });
    const asks = await screen.findAllByTestId('sensor-claim');
    expect(asks.map((ask) => ask.querySelector('p')!.textContent)).toEqual([
      'A new sensor wants to be garden-bed-3, from 192.168.1.40 (UDP).',
      'A new sensor wants to be pond, from XBee 0013A20041A7B0C3.',
    ]);
    await fireEvent.click(screen.getAllByRole('button', { name: 'Allow' })[0]);
    expect((await screen.findByRole('status')).textContent).toBe('garden-bed-3 may now connect from 192.168.1.40 (UDP).');
    await fireEvent.click(screen.getByRole('button', { name: 'Ignore' }));
    await expect.poll(() => screen.queryAllByTestId('sensor-claim').length).toBe(0);
    expect(writes().map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/mqtt-sn/claims/4/accept', 'DELETE /api/mqtt-sn/claims/5']);
  });

  it('shows nothing while no sensor asks', async () => {
    await renderSignedIn(SensorClaims, 'admin', { routes: { 'GET /api/mqtt-sn/claims': { body: [] } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByTestId('sensor-claims')).toBeNull();
  });
});
