import { describe, expect, it } from 'vitest';
import { isValidTopicFilter, parseFilter } from './topics.js';

describe('isValidTopicFilter', () => {
  it.each(['#', '+', 'a', 'a/b', 'a/#', '+/+', 'a/+/c', '/', '//', 'a//b', '$SYS/#', '+/#', 'sport/tennis/#'])('accepts %s', (filter) => {
    expect(isValidTopicFilter(filter)).toBe(true);
  });

  it.each([
    ['', '[MQTT-4.7.3-1] an empty filter'],
    ['a#', '[MQTT-4.7.1-1] # inside a level'],
    ['a/#/b', '[MQTT-4.7.1-1] # not last'],
    ['#/a', '[MQTT-4.7.1-1] # not last'],
    ['a+', '[MQTT-4.7.1-2] + inside a level'],
    ['a/b+/c', '[MQTT-4.7.1-2] + inside a level'],
    ['++', '[MQTT-4.7.1-2] two + in a level'],
  ])('refuses %j: %s', (filter) => {
    expect(isValidTopicFilter(filter)).toBe(false);
  });
});

describe('parseFilter', () => {
  it('splits a shared subscription into its ShareName and filter', () => {
    expect(parseFilter('$share/group/sensors/+/temp')).toEqual({ share: 'group', filter: 'sensors/+/temp' });
    expect(parseFilter('$share/g/#')).toEqual({ share: 'g', filter: '#' });
    expect(parseFilter('a/b')).toEqual({ share: null, filter: 'a/b' });
    expect(parseFilter('$SYS/broker/#')).toEqual({ share: null, filter: '$SYS/broker/#' });
  });

  it.each([
    ['$share/', '[MQTT-4.8.2-1] no ShareName'],
    ['$share//a', '[MQTT-4.8.2-1] an empty ShareName'],
    ['$share/group', '[MQTT-4.8.2-2] no / after the ShareName'],
    ['$share/group/', '[MQTT-4.8.2-2] no filter after the ShareName'],
    ['$share/gr+oup/a', '[MQTT-4.8.2-2] + in the ShareName'],
    ['$share/#/a', '[MQTT-4.8.2-2] # in the ShareName'],
    ['$share/group/a/#/b', 'an invalid filter after the ShareName'],
    ['a/#/b', 'an invalid plain filter'],
  ])('refuses %j: %s', (raw) => {
    expect(parseFilter(raw)).toBeUndefined();
  });
});
