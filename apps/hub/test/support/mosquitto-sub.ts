import { spawn } from 'node:child_process';
import { BrokerService } from '../../src/broker/broker.service.js';
import type { TestHub } from './test-hub.js';

/**
 * Runs mosquitto_sub on `topic/#` until it has printed `count` messages (-C), collecting its `-v` lines
 * (or lines in the format of a `-F` among `args`). A process of its own reads at its own pace, as a real
 * subscriber does, not when the test's event loop gets round to it.
 * Readiness: the broker holds one subscription more than before (mosquitto_sub's piped stdout is block-buffered).
 */
export function mosquittoSub(hub: TestHub, topic: string, args: string[], count: number): { ready: Promise<void>; lines: Promise<string[]> } {
  const broker = hub.app.get(BrokerService);
  const before = broker.counts().subscriptions;
  const ready = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (broker.counts().subscriptions <= before) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
  const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(hub.mqtt!.port), '-C', String(count), '-W', '10', '-v', '-t', `${topic}/#`, ...args]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const lines = new Promise<string[]>((resolve, reject) =>
    // 'close', not 'exit': only then has all of its output been read.
    child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`mosquitto_sub exited ${code}: ${out}`)))),
  );
  return { ready, lines };
}
