import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/auth/session.svelte.js';
import { hubContext } from '../../lib/context.js';
import { scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import { Theme } from '../../lib/theme.svelte.js';
import SettingsPage from './SettingsPage.svelte';

async function renderSettings(role: 'admin' | 'user', routes: Routes = {}) {
  const { api, calls } = scriptedApi({
    'GET /api/auth/me': { body: { username: 'ada', role, areas: null } },
    'GET /api/health': { body: { broker: { clients: 3 } } },
    ...routes,
  });
  const session = new Session(api);
  await session.check();
  render(SettingsPage, { context: hubContext({ api, session, theme: new Theme() }) });
  return { calls };
}

describe('SettingsPage', () => {
  it('lists users and device credentials for an admin, who can edit the location', async () => {
    await renderSettings('admin', {
      'GET /api/users': { body: [{ username: 'ada', role: 'admin', areas: null }, { username: 'kid', role: 'user', areas: ['Kids room'] }] },
      'GET /api/device-credentials': { body: [{ username: 'porch', topicPrefix: 'devices/porch', source: 'hearth', revokedAt: null, createdAt: 'x' }] },
      'GET /api/settings': { body: { location: null } },
      'GET /api/listeners': {
        body: { host: '192.168.1.20', mqtt: 11883, mqtts: null, mqttsClientCert: null, websocket: { port: 18080, path: '/mqtt' }, secureWebsocket: null, mqttSnUdp: 11884, mqttSnSerial: { path: '/dev/ttyUSB0', mode: 'xbee', open: true }, discoveryPrefix: 'homeassistant', externalBroker: null },
      },
    });
    const users = screen.getByTestId('users');
    expect(await within(users).findByText('kid')).toBeTruthy();
    expect(users.textContent).toContain('user · Kids room');
    expect(await within(screen.getByTestId('mqtt-settings')).findByText('porch')).toBeTruthy();
    const listeners = [...(await screen.findByTestId('listeners')).querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`);
    expect(listeners).toEqual([
      'Devices connect to: 192.168.1.20',
      'MQTT (TCP): 192.168.1.20:11883',
      'MQTT over TLS: off',
      'MQTT over TLS, client certificates: off',
      'MQTT over WebSocket: ws://192.168.1.20:18080/mqtt',
      'MQTT over secure WebSocket: off',
      'MQTT-SN over UDP: 192.168.1.20:11884',
      'MQTT-SN serial: /dev/ttyUSB0 (xbee, open)',
    ]);
    await expect.poll(() => screen.getByLabelText('Latitude').matches(':disabled')).toBe(false);
  });

  it('shows where MQTT-SN sensors may be a device from, and what full offline queues dropped', async () => {
    await renderSettings('admin', {
      'GET /api/health': { body: { broker: { clients: 3, queueDrops: { total: 180, clients: [{ clientId: 'sensor-7', dropped: 180 }] } } } },
      'GET /api/device-credentials': { body: [{ username: 'bed3', topicPrefix: 'garden/bed3', snAddresses: ['192.168.1.40', '0013a20041a7b0c3'], source: 'hearth', revokedAt: null, createdAt: 'x' }] },
    });
    const mqtt = screen.getByTestId('mqtt-settings');
    await expect.poll(() => mqtt.textContent).toContain('garden/bed3 · hearth · MQTT-SN from 192.168.1.40, 0013a20041a7b0c3');
    expect(screen.getByTestId('queue-drops').textContent?.trim()).toBe('180: sensor-7 180');
  });

  it('shows the link to an external broker and each bridge\'s state', async () => {
    await renderSettings('admin', {
      'GET /api/health': {
        body: {
          broker: { status: 'degraded', link: { mode: 'external', connected: false, node: 'mqtt://broker-1.lan:1883', nodes: [], since: '2026-12-07T20:15:00Z', error: 'connect ECONNREFUSED' } },
          bridges: [{ name: 'cloud', remote: 'mqtts://cloud.example:8883', connected: true, since: '2026-12-07T19:00:00Z', error: null, forwarded: { out: 1200, in: 3 } }],
        },
      },
    });
    await expect.poll(() => screen.queryByTestId('broker-link')?.textContent).toMatch(/external, not connected \(connect ECONNREFUSED\) since/);
    expect(screen.getByTestId('bridges').textContent).toMatch(/cloud\s*connected since .*mqtts:\/\/cloud\.example:8883 · 1200 out, 3 in/s);
  });

  it('says "not available yet" for routes this hub does not have', async () => {
    await renderSettings('admin');
    expect((await within(screen.getByTestId('users')).findByRole('note')).textContent).toBe('User accounts: not available yet on this hub.');
  });

  it('shows a user appearance, their account and the location to read, and asks for nothing admin-only', async () => {
    const { calls } = await renderSettings('user', { 'GET /api/settings': { body: { location: { latitude: 52.37, longitude: 4.9 } } } });
    expect(screen.getByText('ada')).toBeTruthy();
    expect(screen.queryByTestId('users')).toBeNull();
    await expect.poll(() => (screen.getByLabelText('Latitude') as HTMLInputElement).value).toBe('52.37');
    expect(screen.getByLabelText('Latitude').matches(':disabled')).toBe(true);
    expect(calls.map((call) => call.path)).not.toContain('/api/users');
  });

  it('switches the theme and remembers it', async () => {
    await renderSettings('user');
    screen.getByLabelText('Dark').click();
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('hearth.theme')).toBe('dark');
    screen.getByLabelText('Same as this device').click();
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
