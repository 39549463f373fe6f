import { describe, expect, it } from 'vitest';
import { filterCovers, isTopicSafe, isValidTopicFilter, isValidTopicName, topicMatches } from './index.js';

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

describe('filterCovers, and topicMatches with more cases', () => {
  it.each([
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/b/c', false],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
  ])('%s matches %s: %s', (filter, topic, expected) => expect(topicMatches(filter, topic)).toBe(expected));

  it.each([
    ['a/#', 'a/#', true],
    ['a/#', 'a/+/c', true],
    ['a/+', 'a/#', false],
    ['a/+/c', 'a/+/c', true],
    ['a/b/c', 'a/+/c', false],
    ['a/#', '#', false],
    ['#', '+/x', true],
  ])('%s covers %s: %s', (outer, inner, expected) => expect(filterCovers(outer, inner)).toBe(expected));
});

describe('validity', () => {
  it.each([
    ['a/b', true],
    ['a/+', false],
    ['a/#', false],
    ['', false],
    ['a\u0000b', false],
    ['/', true],
  ])('topic name %j: %s', (topic, valid) => expect(isValidTopicName(topic)).toBe(valid));

  it.each([
    ['a/+/c', true],
    ['a/#', true],
    ['#', true],
    ['a/#/c', false],
    ['a/b#', false],
    ['a/+b', false],
    ['', false],
  ])('topic filter %j: %s', (filter, valid) => expect(isValidTopicFilter(filter)).toBe(valid));

  it.each([
    ['garden-1', true],
    ['a/b', false],
    ['+', false],
    ['', false],
  ])('topic level %j: %s', (name, safe) => expect(isTopicSafe(name)).toBe(safe));
});
