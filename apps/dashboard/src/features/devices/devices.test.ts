import { describe, expect, it } from 'vitest';
import { adoptRequest, numericPaths, suggest } from './adopt.js';
import { firmwareSettings } from './firmware-settings.js';
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

describe("a firmware's own settings", () => {
  const broker = { host: '192.168.1.20', port: 11883 };
  const issued = (kind: 'tasmota' | 'esphome' | 'shelly' | 'zigbee2mqtt' | 'homie' | 'generic', topic: string) => ({ username: 'dev1', password: 'pw', kind, topic, topicPrefix: null, snAddresses: [] });

  it('name each field as that firmware does, with the real host, port and device topic', () => {
    expect(firmwareSettings(broker, issued('shelly', 'shellyplug-s-C45BBE'))!.rows).toContainEqual(['Server', '192.168.1.20:11883']);
    expect(firmwareSettings(broker, issued('zigbee2mqtt', 'zigbee2mqtt'))!.snippet).toBe(
      'mqtt:\n  server: "mqtt://192.168.1.20:11883"\n  user: "dev1"\n  password: "pw"\n  base_topic: "zigbee2mqtt"\nhomeassistant:\n  enabled: true',
    );
    expect(firmwareSettings(broker, issued('esphome', 'livingroom'))!.snippet).toContain('  port: 11883\n');
    expect(JSON.parse(firmwareSettings(broker, issued('homie', 'super-car'))!.snippet!)).toMatchObject({ device_id: 'super-car', mqtt: { host: '192.168.1.20', port: 11883, username: 'dev1' } });
    expect(firmwareSettings(broker, issued('generic', 'dev1'))).toBeNull();
  });
});
