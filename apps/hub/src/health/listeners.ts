import { hostname, networkInterfaces } from 'node:os';
import type { HubListenersDto } from '@hearth/api-types';
import { Inject, Injectable } from '@nestjs/common';
import type { ListenerAddress } from '../broker/broker.service.js';
import type { TlsAddresses } from '../broker/tls-listeners.js';
import { onExternalBroker, type HubConfig } from '../config/config.schema.js';
import { HUB_CONFIG } from '../config/config.token.js';
import { MqttSnService } from '../mqtt-sn/mqtt-sn.service.js';
import { advertisedHost } from './advertised-host.js';

/** What startHub bound, once it has: the ports are only known then (0 = any free port). */
export interface BoundListeners {
  http: ListenerAddress | null;
  /** Whether MQTT over WebSocket is mounted on the HTTP(S) ports (the embedded broker only). */
  websocket: boolean;
  mqtt: ListenerAddress | null;
  mqttSn: ListenerAddress | null;
  tls: TlsAddresses;
}

/** The hub's real listeners and the address devices should use, for the dashboard's setup values and Settings. */
@Injectable()
export class HubListeners {
  private bound: BoundListeners = { http: null, websocket: false, mqtt: null, mqttSn: null, tls: { mqtts: null, mqttsClientCert: null, https: null } };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly mqttSn: MqttSnService,
  ) {}

  record(bound: BoundListeners): void {
    this.bound = bound;
  }

  report(): HubListenersDto {
    const { http, websocket, mqtt, mqttSn, tls } = this.bound;
    const path = this.config.mqtt.websocketPath;
    // On an external broker the MQTT-SN gateway does not run.
    const serial = onExternalBroker(this.config) ? null : this.mqttSn.health().serial;
    return {
      host: advertisedHost(this.config.devices.advertisedHost, this.config.mqtt.host, networkInterfaces(), hostname()),
      mqtt: mqtt?.port ?? null,
      mqtts: tls.mqtts?.port ?? null,
      mqttsClientCert: tls.mqttsClientCert?.port ?? null,
      websocket: websocket && http ? { port: http.port, path } : null,
      secureWebsocket: websocket && tls.https ? { port: tls.https.port, path } : null,
      mqttSnUdp: mqttSn?.port ?? null,
      mqttSnSerial: serial ? { path: serial.path, mode: serial.mode, open: serial.open } : null,
      discoveryPrefix: this.config.devices.discoveryPrefix,
      externalBroker: externalBroker(this.config.mqtt.url[0]),
    };
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 };

/** The external broker's first node as a device is told it: without the hub's own credentials. */
function externalBroker(url: string | undefined): HubListenersDto['externalBroker'] {
  if (url === undefined) return null;
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), host: parsed.hostname, port: parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol] };
}
