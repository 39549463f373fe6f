import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocketServer } from 'ws';

/** The HTTP server's port as the ws adapter keys it. */
const HTTP_SERVER_PORT = 0;

/**
 * Nest's ws adapter owns the HTTP server's upgrade event and drops every path it does not know,
 * so WebSocket servers that are not Nest gateways (MQTT over WebSocket) are mounted through it.
 */
export class HubWsAdapter extends WsAdapter {
  mount(path: string, server: WebSocketServer): void {
    this.ensureHttpServerExists(HTTP_SERVER_PORT, this.httpServer);
    this.addWsServerToRegistry(server, HTTP_SERVER_PORT, path);
  }
}
