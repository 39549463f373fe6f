import { describe, expect, it } from 'vitest';
import { adoptRequest, numericPaths, suggest } from './adopt.js';
import { mosquittoLines, shellQuote, slug } from './mqtt-lines.js';

const unmapped = (topic: string, lastPayload: string) => ({ topic, lastPayload, count: 3, lastSeen: '2026-11-26T12:00:00Z', deviceId: null });

describe('adopting a topic', () => {
  it('guesses a sensor with unit and device class from the topic name', () => {
    expect(suggest(unmapped('garden/bed2/moisture', '37'))).toEqual({
      kind: 'sensor',
      name: 'bed2 moisture',
      stateTopic: 'garden/bed2/moisture',
      deviceClass: 'moisture',
      unit: '%',
    });
  });

  it('guesses a binary sensor from on/off payloads, and a JSON path to the first number', () => {
    expect(suggest(unmapped('house/door', 'OPEN'))).toMatchObject({ kind: 'binary_sensor', payloadOn: 'OPEN', payloadOff: 'CLOSED' });
    expect(suggest(unmapped('tele/plug/SENSOR', '{"Time":"x","ENERGY":{"Power":42,"Voltage":230}}'))).toMatchObject({ value: 'ENERGY.Power' });
    expect(numericPaths('{"a":1,"b":{"c":2,"d":"x"},"e":[3]}')).toEqual(['a', 'b.c']);
    expect(numericPaths('not json')).toEqual([]);
  });

  it('sends only the fields that apply to the kind, trimmed', () => {
    expect(adoptRequest({ kind: 'sensor', name: ' Bed ', stateTopic: 't', unit: '%', value: '', commandTopic: 'x', payloadOn: 'ON' })).toEqual({
      kind: 'sensor',
      name: 'Bed',
      stateTopic: 't',
      unit: '%',
    });
    expect(adoptRequest({ kind: 'switch', name: 'Pump', stateTopic: 't', commandTopic: 't/set', payloadOn: 'ON', payloadOff: 'OFF', unit: '%' })).toEqual({
      kind: 'switch',
      name: 'Pump',
      stateTopic: 't',
      commandTopic: 't/set',
      payloadOn: 'ON',
      payloadOff: 'OFF',
    });
  });
});

describe('mosquitto_pub lines', () => {
  const target = { host: 'hub.local', port: 1883, discoveryPrefix: 'homeassistant' };

  it('use the issued credential, its topic prefix and the discovery topic the credential may write', () => {
    const lines = mosquittoLines(target, 'Porch', { username: 'porch', password: "pa'ss", topicPrefix: 'devices/porch' });
    expect(lines.state).toBe(`mosquitto_pub -h hub.local -p 1883 -u 'porch' -P 'pa'\\''ss' -t 'devices/porch/temperature' -m 21.5`);
    expect(lines.config).toContain(`-r -t 'homeassistant/sensor/porch/temperature/config' -m '{"name":"Porch temperature"`);
    expect(lines.config).toContain('"state_topic":"devices/porch/temperature"');
  });

  it('work without credentials on a hub that allows anonymous clients', () => {
    expect(mosquittoLines(target, 'Shed sensor', null).state).toBe(`mosquitto_pub -h hub.local -p 1883 -t 'devices/shed_sensor/temperature' -m 21.5`);
  });

  it('quote and slug safely', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(slug('  Küche Licht! ')).toBe('k_che_licht');
  });
});
