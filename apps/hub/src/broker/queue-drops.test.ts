import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logging/logger.js';
import { QueueDrops } from './queue-drops.js';

describe('QueueDrops', () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = { warn: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
  beforeEach(() => {
    lines.length = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('logs a client\'s first drop at once, then at most one line a minute with what dropped since', () => {
    const drops = new QueueDrops(log, { messages: 0, bytes: 4096 }, 60_000, () => Date.now());
    for (let i = 0; i < 500; i++) drops.dropped('sensor');
    expect(lines).toEqual([expect.objectContaining({ clientId: 'sensor', dropped: 1, droppedInAll: 1, maxQueuedBytes: 4096 })]);
    vi.advanceTimersByTime(60_000);
    expect(lines.at(-1)).toMatchObject({ clientId: 'sensor', dropped: 499, droppedInAll: 500 });
    vi.advanceTimersByTime(600_000);
    expect(lines).toHaveLength(2);
    drops.dropped('sensor');
    drops.dropped('other');
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(2).map((line) => [line.clientId, line.dropped])).toEqual([
      ['other', 1],
      ['sensor', 1],
    ]);
    expect(drops.total).toBe(502);
    expect(drops.byClient().map(({ clientId, dropped }) => [clientId, dropped])).toEqual([
      ['sensor', 501],
      ['other', 1],
    ]);
  });

  it('logs what is still unlogged when it closes', () => {
    const drops = new QueueDrops(log, { messages: 5, bytes: 0 });
    drops.dropped('a');
    drops.dropped('a');
    drops.close();
    expect(lines.map((line) => line.dropped)).toEqual([1, 1]);
  });
});
