import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { HubConfig } from '../config/config.schema.js';

export type { Logger };

/**
 * The hub's root logger: JSON lines, or pino-pretty when config says so (a terminal by default).
 * pino-pretty runs in this thread, loaded only then: as a pino transport it had a worker thread of its
 * own, ~10 MB of resident memory for as long as the hub ran, to format the few lines a hub logs.
 */
export function createRootLogger(log: HubConfig['log']): Logger {
  const options = { level: log.level, base: undefined };
  if (!log.pretty) return pino(options);
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(options, pretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}

/** Routes Nest's own log calls into pino, one child logger per Nest context. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  private write(level: 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    // Nest passes the context (class name) last, and for errors the stack before it.
    const context = typeof params.at(-1) === 'string' ? (params.pop() as string) : 'nest';
    const logger = this.root.child({ module: context });
    if (message instanceof Error) logger[level]({ err: message }, message.message);
    else if (params.length > 0) logger[level]({ detail: params }, String(message));
    else logger[level](String(message));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
}
