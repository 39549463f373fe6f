import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/auth/session.svelte.js';
import { hubContext } from '../../lib/context.js';
import { EntityStore } from '../../lib/live/entities.svelte.js';
import { entity, scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import DevicesPage from './DevicesPage.svelte';

const plug = entity({ id: 'switch.plug', name: 'Plug', deviceId: 'plug1', state: 'on', commands: ['on'] });
const device = { id: 'plug1', name: 'Desk plug', manufacturer: 'Tasmota', model: 'S20', area: 'Office', transport: 'mqtt', available: true, lastSeen: new Date().toISOString(), entityIds: ['switch.plug'] };
const topic = { topic: 'garden/bed2/moisture', lastPayload: '37', count: 4, lastSeen: new Date().toISOString(), deviceId: null };
const info = { topic: 'tele/plug1/INFO1', lastPayload: '{"Module":"S20"}', count: 1, lastSeen: new Date().toISOString(), deviceId: 'plug1' };

async function renderDevices(role: 'admin' | 'user', routes: Routes = {}) {
  const { api, calls } = scriptedApi({
    'GET /api/auth/me': { body: { username: 'ada', role, areas: null } },
    'GET /api/devices': { body: [device] },
    'GET /api/topics/unmapped': { body: [topic, info] },
    ...routes,
  });
  const session = new Session(api);
  await session.check();
  const entities = new EntityStore(api);
  entities.handlers.snapshot({ type: 'snapshot', entities: [plug] });
  render(DevicesPage, { context: hubContext({ api, session, entities }) });
  return { calls };
}

describe('DevicesPage', () => {
  it('lists devices with their entities and whether they are online', async () => {
    await renderDevices('admin');
    const card = await screen.findByTestId('device-plug1');
    expect(card.textContent).toContain('Online');
    expect(card.textContent).toContain('Tasmota S20 · MQTT · Office · 1 entity · seen just now');
    expect(within(card).getByTestId('device-entity-switch.plug').textContent).toContain('Plug');
  });

  it('puts "Add a device" first and lists a device\'s own telemetry with it, not as unmapped', async () => {
    await renderDevices('admin');
    const headings = screen.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent?.trim());
    expect(headings[0]).toBe('Add a device');
    expect((await screen.findByTestId('own-topics-plug1')).textContent).toContain('tele/plug1/INFO1');
    await screen.findByTestId('unmapped-topic');
    expect(screen.getAllByTestId('unmapped-topic').map((item) => item.querySelector('code')?.textContent)).toEqual(['garden/bed2/moisture']);
  });

  it('collapses each device and filters many of them by name, model, area or entity', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...device, id: `plug${i + 2}`, name: `Plug ${i + 2}`, area: i === 7 ? 'Attic' : 'Office', entityIds: [] }));
    await renderDevices('admin', { 'GET /api/devices': { body: [device, ...many] } });
    await screen.findByTestId('device-plug9');
    expect(screen.getByTestId('device-plug9').hasAttribute('open')).toBe(false);
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Find a device' }), { target: { value: 'attic' } });
    expect(screen.getAllByTestId(/^device-plug/).map((card) => card.dataset.testid)).toEqual(['device-plug9']);
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Find a device' }), { target: { value: 'desk s20' } });
    expect(screen.getAllByTestId(/^device-plug/).map((card) => card.dataset.testid)).toEqual(['device-plug1']);
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Find a device' }), { target: { value: 'nothing like it' } });
    expect(screen.getByText('No device matches “nothing like it”.')).toBeTruthy();
  });

  it('adopts an unmapped topic as a sensor and takes it off the list', async () => {
    const created = entity({ id: 'sensor.bed2_moisture', name: 'Bed 2 moisture', kind: 'sensor' });
    const { calls } = await renderDevices('admin', { 'POST /api/entities': { status: 201, body: created } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Adopt garden/bed2/moisture' }));
    const form = screen.getByTestId('adopt-form');
    expect(within(form).getByLabelText('Unit')).toHaveProperty('value', '%');
    await fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Bed 2 moisture' } });
    await fireEvent.input(within(form).getByLabelText('Area'), { target: { value: 'Garden' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Add entity' }));
    expect((await screen.findByTestId('adopted')).textContent).toContain('sensor.bed2_moisture');
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({
      kind: 'sensor',
      name: 'Bed 2 moisture',
      stateTopic: 'garden/bed2/moisture',
      deviceClass: 'moisture',
      unit: '%',
      area: 'Garden',
    });
    expect(screen.queryByTestId('unmapped-topic')).toBeNull();
  });

  it('shows why the hub refused an adoption', async () => {
    await renderDevices('admin', { 'POST /api/entities': { status: 400, body: { message: ['name must be shorter than or equal to 100 characters'] } } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Adopt garden/bed2/moisture' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Add entity' }));
    expect((await screen.findByRole('alert')).textContent).toBe('name must be shorter than or equal to 100 characters');
  });

  it('renames an entity for admins, and offers no editing to a user', async () => {
    const { calls } = await renderDevices('admin', { 'PATCH /api/entities/switch.plug': { body: { ...plug, name: 'Desk lamp', area: 'Office' } } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit Plug' }));
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Desk lamp' } });
    await fireEvent.input(screen.getByLabelText('Area'), { target: { value: 'Office' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Desk lamp')).toBeTruthy();
    expect(calls.find((call) => call.method === 'PATCH')?.body).toEqual({ name: 'Desk lamp', area: 'Office' });
  });

  it('offers a user no adopting or editing', async () => {
    await renderDevices('user');
    await screen.findByTestId('unmapped-topic');
    expect(screen.queryByRole('button', { name: /Adopt|Edit/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create MQTT credentials' })).toBeNull();
  });

  it('issues MQTT credentials and puts them in the mosquitto_pub lines', async () => {
    await renderDevices('admin', { 'POST /api/device-credentials': { status: 201, body: { username: 'porch_sensor', password: 's3cret', kind: 'generic', topic: 'porch_sensor', topicPrefix: 'devices/porch_sensor', snAddresses: [] } } });
    await fireEvent.change(screen.getByTestId('device-kind'), { target: { value: 'generic' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create MQTT credentials' }));
    expect((await screen.findByTestId('credential')).textContent).toContain('s3cret');
    const [config, state] = screen.getAllByTestId('mosquitto-pub').map((line) => line.textContent);
    expect(config).toContain("-u 'porch_sensor' -P 's3cret' -r -t 'homeassistant/sensor/porch_sensor/temperature/config'");
    expect(state).toContain("-t 'devices/porch_sensor/temperature' -m 21.5");
  });

  it("asks the firmware and shows what to type into its own settings, with the hub's real host and port", async () => {
    const { calls } = await renderDevices('admin', {
      'GET /api/listeners': { body: { host: '192.168.1.20', mqtt: 11883, mqtts: null, mqttsClientCert: null, websocket: null, secureWebsocket: null, mqttSnUdp: null, mqttSnSerial: null, discoveryPrefix: 'homeassistant', externalBroker: null } },
      'POST /api/device-credentials': { status: 201, body: { username: 'porch_sensor', password: 's3cret', kind: 'tasmota', topic: 'porch_plug', topicPrefix: null, snAddresses: [] } },
    });
    await fireEvent.input(screen.getByTestId('device-topic'), { target: { value: 'porch_plug' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create MQTT credentials' }));
    const settings = await screen.findByTestId('firmware-settings');
    const values = [...settings.querySelectorAll('dt')].map((dt) => `${dt.textContent}=${dt.nextElementSibling?.querySelector('code')?.textContent}`);
    expect(values).toEqual(['Host=192.168.1.20', 'Port=11883', 'User=porch_sensor', 'Password=s3cret', 'Topic=porch_plug', 'Full Topic=%prefix%/%topic%/']);
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ name: 'porch_sensor', kind: 'tasmota', topic: 'porch_plug' });
    expect(screen.queryByTestId('mosquitto-pub')).toBeNull();
  });

  it('gives the external broker as the server when the hub runs on one', async () => {
    await renderDevices('admin', {
      'GET /api/listeners': {
        body: { host: '192.168.1.20', mqtt: null, mqtts: null, mqttsClientCert: null, websocket: null, secureWebsocket: null, mqttSnUdp: null, mqttSnSerial: null, discoveryPrefix: 'homeassistant', externalBroker: { url: 'mqtt://emqx.lan:1883', host: 'emqx.lan', port: 1883 } },
      },
      'POST /api/device-credentials': { status: 201, body: { username: 'porch_sensor', password: 's3cret', kind: 'zigbee2mqtt', topic: 'zigbee2mqtt', topicPrefix: null, snAddresses: [] } },
    });
    await fireEvent.change(screen.getByTestId('device-kind'), { target: { value: 'zigbee2mqtt' } });
    await expect.poll(() => screen.queryByText(/runs on the external broker/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Create MQTT credentials' }));
    expect((await screen.findByTestId('firmware-snippet')).textContent).toContain('server: "mqtt://emqx.lan:1883"');
  });
});
