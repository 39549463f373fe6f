import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { hubContext } from '../../lib/context.js';
import { scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import AddSnSensor from './AddSnSensor.svelte';

function renderAdd(routes: Routes) {
  const { api } = scriptedApi({ 'GET /api/listeners': { body: { host: 'hub.lan', mqtt: 1883, mqtts: null, mqttsClientCert: null, websocket: null, secureWebsocket: null, mqttSnUdp: 11884, mqttSnSerial: null, discoveryPrefix: 'homeassistant', externalBroker: null } }, ...routes });
  render(AddSnSensor, { props: { devices: [] }, context: hubContext({ api }) });
  return screen.getByTestId('sn-predefined');
}

describe('AddSnSensor', () => {
  it("lists the gateway's predefined topic ids to flash into the firmware", async () => {
    const section = renderAdd({
      'GET /api/mqtt-sn/predefined': {
        body: [
          { clientId: '*', topicName: 'house/alarm', topicId: 1 },
          { clientId: 'garden-1', topicName: 'garden/bed1/moisture', topicId: 10 },
        ],
      },
    });
    await within(section).findByRole('table');
    const rows = within(section).getAllByRole('row').map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ['Client id', 'Topic', 'Topic id'],
      ['*', 'house/alarm', '1'],
      ['garden-1', 'garden/bed1/moisture', '10'],
    ]);
    expect(await screen.findByText('hub.lan:11884')).toBeTruthy();
  });

  it('says where they come from when there are none', async () => {
    const section = renderAdd({ 'GET /api/mqtt-sn/predefined': { body: [] } });
    expect((await within(section).findByRole('note')).textContent).toContain('HEARTH_SN_PREDEFINED');
  });

  it('says so on a hub without the route', async () => {
    expect((await within(renderAdd({})).findByRole('note')).textContent).toContain('Not available from this hub yet');
  });

  it("shows the hub's reason when it refuses", async () => {
    const section = renderAdd({ 'GET /api/mqtt-sn/predefined': { status: 403, body: { statusCode: 403, message: 'admins only' } } });
    expect((await within(section).findByRole('alert')).textContent).toBe('Predefined topic ids: admins only');
  });
});
