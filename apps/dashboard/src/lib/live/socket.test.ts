import type { ServerMessage } from '@hearth/api-types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { entity } from '../testing/fixtures.js';
import { LiveSocket } from './socket.svelte.js';

/** Stands in for the browser's WebSocket; the test plays the hub. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open(): void {
    this.onopen?.();
  }
  send(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  close(): void {
    this.closed = true;
    this.onclose?.();
  }
}

const latest = () => FakeSocket.all.at(-1)!;

function socket(overrides = {}) {
  const received: ServerMessage[] = [];
  const refused = vi.fn();
  const live = new LiveSocket({
    url: 'ws://hub/ws',
    handlers: { snapshot: (m) => received.push(m), state: (m) => received.push(m), removed: (m) => received.push(m) },
    onRefused: refused,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    random: () => 1, // no jitter: delays are exactly 500, 1000, 2000...
    ...overrides,
  });
  return { live, received, refused };
}

describe('LiveSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it('is live once the snapshot arrives and hands each message to its typed handler', () => {
    const { live, received } = socket();
    live.start();
    expect(live.status).toBe('connecting');
    latest().open();
    latest().send({ type: 'snapshot', entities: [] });
    latest().send({ type: 'state', entity: entity({ id: 'light.a' }) });
    latest().send({ type: 'removed', id: 'light.a' });
    expect(live.status).toBe('live');
    expect(received.map((m) => m.type)).toEqual(['snapshot', 'state', 'removed']);
    live.stop();
  });

  it('reconnects with exponential backoff, capped, and starts over after a good connection', () => {
    const { live } = socket({ maxDelayMs: 3000 });
    live.start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = FakeSocket.all.length;
      latest().close();
      expect(live.status).toBe('reconnecting');
      const delay = live.retryAt! - Date.now();
      delays.push(delay);
      vi.advanceTimersByTime(delay - 1);
      expect(FakeSocket.all.length).toBe(before);
      vi.advanceTimersByTime(1);
      expect(FakeSocket.all.length).toBe(before + 1);
    }
    expect(delays).toEqual([500, 1000, 2000, 3000, 3000]);

    latest().open();
    latest().send({ type: 'snapshot', entities: [] });
    latest().close();
    expect(live.retryAt! - Date.now()).toBe(500);
    live.stop();
  });

  it('asks about the session after an attempt the hub refused', () => {
    const { live, refused } = socket();
    live.start();
    latest().close();
    expect(refused).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    latest().open();
    latest().close();
    expect(refused).toHaveBeenCalledTimes(1);
    live.stop();
  });

  it('retries at once on request, when the network returns, and not while offline', () => {
    const { live } = socket();
    live.start();
    latest().close();
    live.retryNow();
    expect(FakeSocket.all).toHaveLength(2);

    dispatchEvent(new Event('offline'));
    expect(live.status).toBe('offline');
    expect(FakeSocket.all[1]!.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);

    dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(3);
    live.stop();
  });

  it('stops for good', () => {
    const { live } = socket();
    live.start();
    live.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(latest().closed).toBe(true);
  });
});
