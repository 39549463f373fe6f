import { Random } from '@hearth/random';
import { describe, expect, it } from 'vitest';
import { SharedGroup, Subscription, SubscriptionIndex } from './subscriptions.js';
import { topicMatches } from './testing/topic-oracle.js';

const SEED = Number(process.env.BROKER_TRIE_SEED ?? 0x7e1e);

function subscription(owner: object, filter: string, group: SharedGroup | null = null): Subscription {
  return new Subscription(owner, filter, filter, 1, false, false, 0, 0, group);
}

/** The filters of everything `topic` reaches: plain subscriptions and share groups. */
function matched(index: SubscriptionIndex, topic: string): string[] {
  const route = index.match(topic);
  return [...route.targets.flatMap((target) => target.subscriptions.map((s) => s.filter)), ...route.groups.map((g) => `$share/${g.name}/${g.filter}`)].sort();
}

describe('SubscriptionIndex', () => {
  it('matches wildcards as section 4.7 describes', () => {
    const index = new SubscriptionIndex();
    const owner = {};
    for (const filter of ['sport/tennis/player1/#', 'sport/#', '+', '+/+', '/+', 'sport/+', 'sport/tennis/+', '#']) index.add(subscription(owner, filter));
    expect(matched(index, 'sport/tennis/player1')).toEqual(['#', 'sport/#', 'sport/tennis/+', 'sport/tennis/player1/#']);
    expect(matched(index, 'sport/tennis/player1/score/wimbledon')).toEqual(['#', 'sport/#', 'sport/tennis/player1/#']);
    expect(matched(index, 'sport')).toEqual(['#', '+', 'sport/#']);
    expect(matched(index, 'sport/')).toEqual(['#', '+/+', 'sport/#', 'sport/+']);
    expect(matched(index, '/finance')).toEqual(['#', '+/+', '/+']);
  });

  it('[MQTT-4.7.2-1] keeps wildcards at the first level away from $ topics', () => {
    const index = new SubscriptionIndex();
    const owner = {};
    for (const filter of ['#', '+/monitor/Clients', '$SYS/#', '$SYS/monitor/+']) index.add(subscription(owner, filter));
    expect(matched(index, '$SYS/monitor/Clients')).toEqual(['$SYS/#', '$SYS/monitor/+']);
    expect(matched(index, 'SYS/monitor/Clients')).toEqual(['#', '+/monitor/Clients']);
  });

  it('gives each owner one target holding all of its matching subscriptions [MQTT-3.3.4-2]', () => {
    const index = new SubscriptionIndex();
    const [alice, bob] = [{}, {}];
    index.add(subscription(alice, 'home/#'));
    index.add(subscription(bob, 'home/+/light'));
    index.add(subscription(alice, 'home/kitchen/light'));
    const route = index.match('home/kitchen/light');
    expect(route.targets.map((target) => [target.owner === alice ? 'alice' : 'bob', target.subscriptions.map((s) => s.filter).sort()])).toEqual([
      ['alice', ['home/#', 'home/kitchen/light']],
      ['bob', ['home/+/light']],
    ]);
  });

  it('keeps a share group while it has members and routes to the group once', () => {
    const index = new SubscriptionIndex();
    const group = new SharedGroup('workers', 'jobs/+');
    const [first, second] = [subscription({}, 'jobs/+', group), subscription({}, 'jobs/+', group)];
    index.add(first);
    index.add(second);
    expect(index.group('workers', 'jobs/+')).toBe(group);
    expect(index.match('jobs/1').groups).toEqual([group]);
    expect(index.remove(first)).toBe(true);
    expect(index.match('jobs/1').groups).toEqual([group]);
    expect(index.remove(second)).toBe(true);
    expect(index.group('workers', 'jobs/+')).toBeUndefined();
    expect(index.match('jobs/1').empty).toBe(true);
    expect(index.size).toBe(0);
  });

  it('serves a cached route only until a subscription that can reach its topic changes', () => {
    const index = new SubscriptionIndex();
    const owner = {};
    expect(matched(index, 'a/b')).toEqual([]);
    const exact = subscription(owner, 'a/b');
    index.add(exact);
    expect(matched(index, 'a/b')).toEqual(['a/b']);
    const wildcard = subscription(owner, 'a/#');
    index.add(wildcard);
    expect(matched(index, 'a/b')).toEqual(['a/#', 'a/b']);
    index.remove(exact);
    expect(matched(index, 'a/b')).toEqual(['a/#']);
    index.remove(wildcard);
    expect(matched(index, 'a/b')).toEqual([]);
    expect(index.remove(wildcard)).toBe(false);
  });

  it(`agrees with a level-by-level matcher on random filters, topics and churn (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const levels = ['a', 'b', '', '$x'];
    const randomTopic = () => Array.from({ length: 1 + random.below(4) }, () => random.pick(levels)).join('/');
    const randomFilter = () => {
      const parts = Array.from({ length: 1 + random.below(4) }, () => random.pick([...levels, '+', '+']));
      if (random.chance(0.3)) parts.push('#');
      return parts.join('/');
    };
    const index = new SubscriptionIndex();
    const live: Subscription[] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && random.chance(0.4)) index.remove(live.splice(random.below(live.length), 1)[0]);
      else {
        const added = subscription({}, randomFilter());
        index.add(added);
        live.push(added);
      }
      const topic = randomTopic();
      expect(matched(index, topic), `step ${step}, topic ${topic}`).toEqual(live.filter((s) => topicMatches(s.filter, topic)).map((s) => s.filter).sort());
    }
    expect(index.size).toBe(live.length);
  });
});
