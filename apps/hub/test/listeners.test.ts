import type { HubListenersDto } from '@hearth/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateAuthority } from './support/certificates.js';
import { removeDataDir, startTestHub, type TestHub } from './support/test-hub.js';

describe('the listeners the hub reports', () => {
  const authority = certificateAuthority();
  const server = authority.issue('server', 'hearth-1', true);
  let hub: TestHub;
  beforeAll(async () => {
    // Every port is an ephemeral one (never 1883/8883/1884), a serial device that is not there, and a named host.
    hub = await startTestHub({
      HEARTH_TLS_CERT: server.cert,
      HEARTH_TLS_KEY: server.key,
      HEARTH_TLS_CA: authority.ca,
      HEARTH_SN_SERIAL: '/dev/hearth-no-such-tty',
      HEARTH_MQTT_WS_PATH: '/mqtt-ws',
      HEARTH_ADVERTISED_HOST: 'hub.example.lan',
    });
  });
  afterAll(async () => {
    await hub.close();
    removeDataDir(hub.dataDir);
  });

  it('are the ports it bound, and the host devices should use', async () => {
    const response = await hub.api('/api/listeners');
    expect(response.status).toBe(200);
    const listeners = (await response.json()) as HubListenersDto;
    expect(listeners).toEqual({
      host: 'hub.example.lan',
      mqtt: hub.mqtt!.port,
      mqtts: hub.tls.mqtts!.port,
      mqttsClientCert: hub.tls.mqttsClientCert!.port,
      websocket: { port: hub.http!.port, path: '/mqtt-ws' },
      secureWebsocket: { port: hub.tls.https!.port, path: '/mqtt-ws' },
      mqttSnUdp: hub.mqttSn!.port,
      mqttSnSerial: { path: '/dev/hearth-no-such-tty', mode: 'xbee', open: false },
      discoveryPrefix: 'homeassistant',
      externalBroker: null,
    });
    expect(listeners.mqtt).not.toBe(1883);
  });

  it('are for people signed in only', async () => {
    expect((await hub.api('/api/listeners', { headers: { authorization: '' } })).status).toBe(401);
  });
});
