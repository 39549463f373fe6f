import { describe, expect, it } from 'vitest';
import { bridgedTopic, parseBridges, parseTopicLine, subscriptionsOn } from './bridge-config.js';

describe('bridge topic lines, as mosquitto.conf writes them', () => {
  it('reads pattern, direction, QoS and prefixes, with Mosquitto\'s defaults (out, QoS 0, no prefixes) and "" for an empty prefix', () => {
    expect(parseTopicLine('sensors/#')).toEqual({ pattern: 'sensors/#', direction: 'out', qos: 0, localPrefix: '', remotePrefix: '' });
    expect(parseTopicLine('  cmd/+  in 1 ')).toEqual({ pattern: 'cmd/+', direction: 'in', qos: 1, localPrefix: '', remotePrefix: '' });
    expect(parseTopicLine('# both 2 home/ site1/')).toEqual({ pattern: '#', direction: 'both', qos: 2, localPrefix: 'home/', remotePrefix: 'site1/' });
    expect(parseTopicLine('x out 1 "" cloud/')).toMatchObject({ localPrefix: '', remotePrefix: 'cloud/' });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(() => parseTopicLine('a/# sideways')).toThrow('direction must be in, out or both, not sideways');
    expect(() => parseTopicLine('a/# out 3')).toThrow('QoS must be 0, 1 or 2, not 3');
    expect(() => parseTopicLine('a/# out 1 home/')).toThrow('expected pattern [in|out|both [qos [local-prefix remote-prefix]]]');
    expect(() => parseTopicLine('a/#/b out')).toThrow('a/#/b is not a valid topic filter');
    expect(() => parseTopicLine('a out 1 home/+/ x/')).toThrow('a prefix cannot hold the wildcards + or #');
  });

  it('maps a topic across by swapping the prefixes, only in the lines\' directions', () => {
    const topics = ['sensors/# out 1 home/ site1/', 'cmd/# in 1 home/ site1/', 'shared/# both 0'].map(parseTopicLine);
    expect(bridgedTopic(topics, 'home/sensors/garden/moisture', 'local')).toEqual({ topic: 'site1/sensors/garden/moisture', qos: 1 });
    expect(bridgedTopic(topics, 'site1/cmd/pump', 'remote')).toEqual({ topic: 'home/cmd/pump', qos: 1 });
    expect(bridgedTopic(topics, 'site1/sensors/x', 'remote')).toBeNull();
    expect(bridgedTopic(topics, 'home/cmd/pump', 'local')).toBeNull();
    expect(bridgedTopic(topics, 'sensors/x', 'local')).toBeNull();
    expect(bridgedTopic(topics, 'shared/a', 'remote')).toEqual({ topic: 'shared/a', qos: 0 });
    expect(subscriptionsOn(topics, 'local')).toEqual([{ filter: 'home/sensors/#', qos: 1 }, { filter: 'shared/#', qos: 0 }]);
    expect(subscriptionsOn(topics, 'remote')).toEqual([{ filter: 'site1/cmd/#', qos: 1 }, { filter: 'shared/#', qos: 0 }]);
  });

  it('reads a list of bridges, naming the place of each problem', () => {
    expect(parseBridges([{ name: 'cloud', url: 'mqtts://u:p@cloud.example:8883', topics: ['sensors/# out 1'] }])).toEqual([
      { name: 'cloud', url: 'mqtts://u:p@cloud.example:8883', clientId: 'hearth-bridge-cloud', ca: null, topics: [parseTopicLine('sensors/# out 1')] },
    ]);
    expect(() => parseBridges([{ name: 'cloud', url: 'http://x', topics: ['a'] }])).toThrow('bridges[0].url: "http://x": expected mqtt://, mqtts://, ws:// or wss://');
    expect(() => parseBridges([{ name: 'a b', url: 'mqtt://x', topics: ['a'] }])).toThrow('bridges[0].name');
    expect(() => parseBridges([{ name: 'a', url: 'mqtt://x', topics: ['a up'] }])).toThrow('bridges[0].topics[0]: "a up": direction must be in, out or both');
    expect(() => parseBridges([{ name: 'a', url: 'mqtt://x', topics: [] }])).toThrow('bridges[0].topics');
    expect(() => parseBridges([{ name: 'a', url: 'mqtt://x', topic: ['a'] }])).toThrow('bridges[0]: unknown key topic');
    expect(() => parseBridges([{ name: 'a', url: 'mqtt://x', topics: ['a'] }, { name: 'a', url: 'mqtt://y', topics: ['b'] }])).toThrow('two bridges are named a');
  });
});
