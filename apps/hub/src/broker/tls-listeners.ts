import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { RequestListener, Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { createSecureContext, createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { BrokerService, ListenerAddress } from './broker.service.js';
import type { MqttTransport } from '../auth/mqtt-auth.service.js';
import { onExternalBroker, type HubConfig } from '../config/config.schema.js';
import type { Logger } from '../logging/logger.js';

export interface TlsAddresses {
  mqtts: ListenerAddress | null;
  mqttsClientCert: ListenerAddress | null;
  https: ListenerAddress | null;
}

// Editors and certbot replace files in several steps: reload once things are quiet.
const RELOAD_DELAY_MS = 200;

async function listen(server: NetServer, port: number, host: string): Promise<ListenerAddress> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  return { host, port: (server.address() as { port: number }).port };
}

/**
 * MQTT over TLS (HEARTH_MQTTS_PORT), MQTT over TLS with client certificates (HEARTH_MQTTS_CLIENT_CERT_PORT)
 * and HTTPS with WSS (HEARTH_HTTPS_PORT), from HEARTH_TLS_CERT/KEY/CA. The files are watched: a renewed
 * certificate is used for new connections without a restart.
 */
export class TlsListeners {
  private readonly log: Logger;
  private readonly servers: Array<TlsServer | (HttpServer & { setSecureContext(options: SecureContextOptions): void })> = [];
  private readonly watchers: FSWatcher[] = [];
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: HubConfig,
    logger: Logger,
    private readonly broker: BrokerService,
  ) {
    this.log = logger.child({ module: 'tls' });
  }

  get enabled(): boolean {
    return this.config.tls.cert !== null && this.config.tls.key !== null;
  }

  /** Starts what is configured; `http` serves HTTPS requests, `upgrade` takes its WebSocket upgrades. */
  async start(http: { handler: RequestListener; server: HttpServer }): Promise<TlsAddresses> {
    const { config } = this;
    const addresses: TlsAddresses = { mqtts: null, mqttsClientCert: null, https: null };
    if (config.tls.cert === null || config.tls.key === null) {
      if (config.tls.cert !== config.tls.key) throw new Error('HEARTH_TLS_CERT and HEARTH_TLS_KEY must be set together');
      return addresses;
    }
    const files = this.read();
    // On an external broker, devices speak MQTT to it: only HTTPS opens here.
    const embedded = !onExternalBroker(config);
    if (embedded && config.mqtt.tlsPort !== null) addresses.mqtts = await listen(this.mqttServer(files, 'mqtts'), config.mqtt.tlsPort, config.mqtt.host);
    if (embedded && config.mqtt.clientCertPort !== null && config.tls.ca !== null) {
      addresses.mqttsClientCert = await listen(this.mqttServer(files, 'mqtts-client-cert'), config.mqtt.clientCertPort, config.mqtt.host);
    }
    if (config.http.tlsPort !== null) {
      const server = createHttpsServer(files, http.handler);
      // WSS upgrades go through the HTTP server's upgrade handling (and its session check).
      server.on('upgrade', (request, socket, head) => http.server.emit('upgrade', request, socket, head));
      this.servers.push(server);
      addresses.https = await listen(server, config.http.tlsPort, config.http.host);
    }
    this.watch();
    return addresses;
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    for (const watcher of this.watchers) watcher.close();
    for (const server of this.servers) {
      server.close();
      (server as HttpServer).closeAllConnections?.();
    }
  }

  private read(): SecureContextOptions {
    const { cert, key, ca } = this.config.tls;
    return { cert: readFileSync(cert!), key: readFileSync(key!), ...(ca === null ? {} : { ca: readFileSync(ca) }) };
  }

  private mqttServer(files: SecureContextOptions, transport: MqttTransport): TlsServer {
    const clientCert = transport === 'mqtts-client-cert';
    const server = createTlsServer({ ...files, requestCert: clientCert, rejectUnauthorized: clientCert }, (socket: TLSSocket) => {
      socket.on('error', () => socket.destroy());
      this.broker.accept(socket, socket, transport);
    });
    server.on('tlsClientError', (error, socket) => this.log.debug({ remote: socket.remoteAddress, transport, reason: error.message }, 'TLS handshake failed'));
    this.servers.push(server);
    return server;
  }

  /** Watches the directories (files are often replaced, not rewritten) and reloads after changes settle. */
  private watch(): void {
    const paths = [this.config.tls.cert, this.config.tls.key, this.config.tls.ca].filter((path): path is string => path !== null).map((path) => resolve(path));
    for (const dir of new Set(paths.map(dirname))) {
      const names = new Set(paths.filter((path) => dirname(path) === dir).map((path) => basename(path)));
      const watcher = watch(dir, (_event, name) => {
        if (name !== null && !names.has(name)) return;
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload(), RELOAD_DELAY_MS);
      });
      watcher.on('error', (error) => this.log.warn({ err: error, dir }, 'cannot watch the certificate directory; renewals need a restart'));
      this.watchers.push(watcher);
    }
  }

  private reload(): void {
    let files: SecureContextOptions;
    try {
      files = this.read();
      createSecureContext(files); // a half-written or mismatched pair throws here, before any server uses it
    } catch (error) {
      this.log.warn({ reason: (error as Error).message }, 'the new certificate files are not usable yet; keeping the current ones');
      return;
    }
    for (const server of this.servers) server.setSecureContext(files);
    this.log.info({ cert: this.config.tls.cert }, 'reloaded the TLS certificate');
  }
}
