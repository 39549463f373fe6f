import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { RetainedIndex } from './retained.js';
import { topicMatches } from './testing/topic-oracle.js';

const SEED = Number(process.env.BROKER_TRIE_SEED ?? 0x7e1e);

function matches(index: RetainedIndex<string>, filter: string): string[] {
  const found: string[] = [];
  index.forEachMatch(filter, (topic) => found.push(topic));
  return found.sort();
}

describe('RetainedIndex', () => {
  it('finds the retained topics a filter matches, "a/#" including "a" itself', () => {
    const index = new RetainedIndex<string>();
    for (const topic of ['home', 'home/kitchen', 'home/kitchen/light', 'home/hall/light', 'garden', '/lead', '$SYS/uptime']) index.set(topic, topic);
    expect(matches(index, 'home/#')).toEqual(['home', 'home/hall/light', 'home/kitchen', 'home/kitchen/light']);
    expect(matches(index, 'home/+/light')).toEqual(['home/hall/light', 'home/kitchen/light']);
    expect(matches(index, '+')).toEqual(['garden', 'home']);
    expect(matches(index, '+/lead')).toEqual(['/lead']);
    expect(matches(index, 'home/kitchen')).toEqual(['home/kitchen']);
  });

  it('[MQTT-4.7.2-1] leaves $ topics out of filters starting with a wildcard', () => {
    const index = new RetainedIndex<string>();
    for (const topic of ['$SYS/uptime', 'a']) index.set(topic, topic);
    expect(matches(index, '#')).toEqual(['a']);
    expect(matches(index, '+/uptime')).toEqual([]);
    expect(matches(index, '$SYS/#')).toEqual(['$SYS/uptime']);
  });

  it('replaces, deletes and counts', () => {
    const index = new RetainedIndex<string>();
    index.set('a/b', 'one');
    index.set('a/b', 'two');
    index.set('a', 'three');
    expect([index.size, index.get('a/b')]).toEqual([2, 'two']);
    expect(index.delete('a/b')).toBe(true);
    expect(index.delete('a/b')).toBe(false);
    expect([index.size, index.get('a/b'), index.get('a')]).toEqual([1, undefined, 'three']);
    expect(index.delete('a')).toBe(true);
    expect(matches(index, '#')).toEqual([]);
  });

  it(`agrees with a level-by-level matcher on random topics and filters (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const levels = ['a', 'b', '', '$x'];
    const index = new RetainedIndex<string>();
    const topics = new Set<string>();
    for (let step = 0; step < 3000; step++) {
      const topic = Array.from({ length: 1 + random.below(4) }, () => random.pick(levels)).join('/');
      if (random.chance(0.3)) {
        index.delete(topic);
        topics.delete(topic);
      } else {
        index.set(topic, topic);
        topics.add(topic);
      }
      const parts = Array.from({ length: 1 + random.below(3) }, () => random.pick([...levels, '+']));
      if (random.chance(0.3)) parts.push('#');
      const filter = parts.join('/');
      expect(matches(index, filter), `step ${step}, filter ${filter}`).toEqual([...topics].filter((t) => topicMatches(filter, t)).sort());
    }
    expect(index.size).toBe(topics.size);
  });
});
