import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { BrokerService, type ListenerAddress } from './broker/broker.service.js';
import type { HubConfig } from './config/config.schema.js';
import { NestPinoLogger, type Logger } from './logging/logger.js';
import { HubWsAdapter } from './realtime/hub-ws-adapter.js';
import { publishOpenApi } from './web/openapi.js';
import { dashboardDist, serveDashboard } from './web/dashboard-files.js';

export interface RunningHub {
  app: NestExpressApplication;
  /** Bound addresses; null where the config turned the listener off. */
  http: ListenerAddress | null;
  mqtt: ListenerAddress | null;
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

/** Boots the hub: database (migrated), broker, HTTP API and WebSockets; one log line per listener. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
    bufferLogs: false,
  });
  const adapter = new HubWsAdapter(app);
  app.useWebSocketAdapter(adapter);
  app.disable('x-powered-by');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  publishOpenApi(app);
  const dashboard = dashboardDist();
  if (dashboard) serveDashboard(app, dashboard, ['/api', '/ws', config.mqtt.websocketPath]);
  await app.init();

  const log = logger.child({ module: 'hub' });
  try {
    const broker = app.get(BrokerService);
    const mqtt = await listening('MQTT listener', 'HEARTH_MQTT_PORT', () => broker.listenTcp());
    if (mqtt) log.info({ listener: 'mqtt', ...mqtt }, `MQTT listening on ${mqtt.host}:${mqtt.port}`);

    let http: ListenerAddress | null = null;
    if (config.http.port !== null) {
      adapter.mount(config.mqtt.websocketPath, broker.createWebSocketServer());
      await listening('HTTP listener', 'HEARTH_HTTP_PORT', () => app.listen(config.http.port ?? 0, config.http.host));
      const address = app.getHttpServer().address() as { port: number };
      http = { host: config.http.host, port: address.port };
      log.info({ listener: 'mqtt-ws', ...http, path: config.mqtt.websocketPath }, `MQTT over WebSocket on ws://${http.host}:${http.port}${config.mqtt.websocketPath}`);
      if (!dashboard) log.warn('the dashboard is not built (npm run build): only the API is served');
      log.info({ listener: 'http', ...http }, `HTTP (dashboard, API) listening on http://${http.host}:${http.port}/`);
    }
    return { app, http, mqtt, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}
