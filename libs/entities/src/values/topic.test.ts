import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic.js';

describe('topicMatches', () => {
  const cases: [string, string, boolean][] = [
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+/+', 'a/b', true],
    ['a/+/c', 'a//c', true],
    ['a/b', 'a/c', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${filter} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      expect(topicMatches(filter, topic)).toBe(expected);
    });
  }
});
