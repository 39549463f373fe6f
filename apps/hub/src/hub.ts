import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { guardUpgrades, securityHeaders } from './auth/http-security.js';
import { SessionsService } from './auth/sessions.service.js';
import { SetupService } from './auth/setup.service.js';
import { TlsListeners, type TlsAddresses } from './broker/tls-listeners.js';
import { BrokerService, type ListenerAddress } from './broker/broker.service.js';
import { onExternalBroker, type HubConfig } from './config/config.schema.js';
import { NestPinoLogger, type Logger } from './logging/logger.js';
import { HubListeners } from './health/listeners.js';
import { MqttSnService } from './mqtt-sn/mqtt-sn.service.js';
import { HubLifecycle } from './lifecycle.js';
import { HubWsAdapter } from './realtime/hub-ws-adapter.js';
import { publishOpenApi } from './web/openapi.js';
import { dashboardDist, serveDashboard } from './web/dashboard-files.js';

export interface RunningHub {
  app: NestExpressApplication;
  /** Bound addresses; null where the config turned the listener off. */
  http: ListenerAddress | null;
  mqtt: ListenerAddress | null;
  /** MQTT-SN over UDP. */
  mqttSn: ListenerAddress | null;
  /** MQTTS, MQTTS with client certificates, HTTPS (with WSS): only when a certificate is configured. */
  tls: TlsAddresses;
  close(): Promise<void>;
}

/** A listener that cannot bind gets one clear message naming the setting to change. */
export class ListenError extends Error {}

async function listening<T>(what: string, envKey: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') throw new ListenError(`${what}: the port is already in use; stop the other program or set ${envKey}`);
    if (code === 'EACCES') throw new ListenError(`${what}: no permission to bind the port; choose a port above 1023 with ${envKey}`);
    throw new ListenError(`${what}: ${message}`);
  }
}

/** Where a browser on this machine reaches a listener: a wildcard address is reached as localhost. */
export function browserUrl(scheme: 'http' | 'https', { host, port }: ListenerAddress): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${name}:${port}/`;
}

/** Boots the hub: database (migrated), broker, HTTP API and WebSockets; one log line per listener. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
    bufferLogs: false,
  });
  const adapter = new HubWsAdapter(app);
  app.useWebSocketAdapter(adapter);
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // CORS stays closed (no Access-Control-* headers) unless origins are listed.
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: config.http.corsOrigins, credentials: true });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  publishOpenApi(app);
  const dashboard = dashboardDist();
  if (dashboard) serveDashboard(app, dashboard, ['/api', '/ws', config.mqtt.websocketPath]);
  await app.init();
  guardUpgrades(app.getHttpServer(), app.get(SessionsService), { publicPaths: [config.mqtt.websocketPath], corsOrigins: config.http.corsOrigins });

  const log = logger.child({ module: 'hub' });
  const broker = app.get(BrokerService);
  const lifecycle = app.get(HubLifecycle);
  const tlsListeners = new TlsListeners(config, logger, broker);
  // The listeners close first, then the parts (HubLifecycle), then Nest closes the database.
  const close = async () => {
    tlsListeners.close();
    await lifecycle.stop();
    await app.close();
  };
  try {
    await lifecycle.start();
    const embedded = !onExternalBroker(config);
    if (!embedded) log.warn({ nodes: config.mqtt.url.length }, 'on an external MQTT broker (HEARTH_MQTT_URL): the embedded broker, its listeners and bridges stay off');
    const mqtt = embedded ? await listening('MQTT listener', 'HEARTH_MQTT_PORT', () => broker.listenTcp()) : null;
    if (mqtt) log.info({ listener: 'mqtt', ...mqtt }, `MQTT listening on ${mqtt.host}:${mqtt.port}`);
    // The serial link logs its own ready line when the device opens, which may be long after start.
    const mqttSn = await listening('MQTT-SN UDP listener', 'HEARTH_SN_UDP_PORT', () => app.get(MqttSnService).listenUdp());
    if (mqttSn) log.info({ listener: 'mqtt-sn-udp', ...mqttSn }, `MQTT-SN over UDP on ${mqttSn.host}:${mqttSn.port}`);

    const https = tlsListeners.enabled && config.http.tlsPort !== null;
    if (embedded && (config.http.port !== null || https)) adapter.mount(config.mqtt.websocketPath, broker.createWebSocketServer());
    let http: ListenerAddress | null = null;
    if (config.http.port !== null) {
      await listening('HTTP listener', 'HEARTH_HTTP_PORT', () => app.listen(config.http.port ?? 0, config.http.host));
      const address = app.getHttpServer().address() as { port: number };
      http = { host: config.http.host, port: address.port };
      if (embedded) log.info({ listener: 'mqtt-ws', ...http, path: config.mqtt.websocketPath }, `MQTT over WebSocket on ws://${http.host}:${http.port}${config.mqtt.websocketPath}`);
      if (!dashboard) log.warn('the dashboard is not built (npm run build): only the API is served');
      log.info({ listener: 'http', ...http }, `HTTP (dashboard, API) listening on http://${http.host}:${http.port}/`);
    }
    const tls = await listening('TLS listeners', 'HEARTH_MQTTS_PORT, HEARTH_MQTTS_CLIENT_CERT_PORT or HEARTH_HTTPS_PORT', () =>
      tlsListeners.start({ handler: app.getHttpAdapter().getInstance(), server: app.getHttpServer() }),
    );
    if (tls.mqtts) log.info({ listener: 'mqtts', ...tls.mqtts }, `MQTT over TLS listening on ${tls.mqtts.host}:${tls.mqtts.port}`);
    if (tls.mqttsClientCert) log.info({ listener: 'mqtts-client-cert', ...tls.mqttsClientCert }, `MQTT over TLS with client certificates on ${tls.mqttsClientCert.host}:${tls.mqttsClientCert.port}`);
    if (tls.https) {
      if (embedded) log.info({ listener: 'mqtt-wss', ...tls.https, path: config.mqtt.websocketPath }, `MQTT over secure WebSocket on wss://${tls.https.host}:${tls.https.port}${config.mqtt.websocketPath}`);
      log.info({ listener: 'https', ...tls.https }, `HTTPS (dashboard, API) listening on https://${tls.https.host}:${tls.https.port}/`);
    }
    app.get(HubListeners).record({ http, websocket: embedded, mqtt, mqttSn, tls });
    app.get(SetupService).announce(http ? browserUrl('http', http) : tls.https ? browserUrl('https', tls.https) : null);
    // The last line: tools that start the hub wait for it.
    log.info({ ready: true }, 'hub ready');
    return { app, http, mqtt, mqttSn, tls, close };
  } catch (error) {
    await close();
    throw error;
  }
}
