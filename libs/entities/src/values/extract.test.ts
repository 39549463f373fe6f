import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { checkExtractor, extractValue, parseJsonPath } from './extract.js';
import { teleSensor, teleState } from '../fixtures/tasmota.js';
import { weatherState } from '../fixtures/zigbee2mqtt.js';

const payload = (text: string): Buffer => Buffer.from(text);

describe('raw', () => {
  it('gives the payload, as a number when it is one', () => {
    expect(extractValue({ kind: 'raw' }, payload('ON'))).toEqual({ ok: true, value: 'ON' });
    expect(extractValue({ kind: 'raw' }, payload('21.5'))).toEqual({ ok: true, value: 21.5 });
    expect(extractValue({ kind: 'raw' }, payload(' -3 '))).toEqual({ ok: true, value: -3 });
    expect(extractValue({ kind: 'raw' }, payload('1e3'))).toEqual({ ok: true, value: 1000 });
  });

  it('keeps text that only looks numeric', () => {
    for (const text of ['0042', '+1', '1.', '.5', '0x10', 'Infinity', 'NaN', '']) {
      expect(extractValue({ kind: 'raw' }, payload(text))).toEqual({ ok: true, value: text });
    }
  });
});

describe('jsonPath', () => {
  it('reads Tasmota telemetry (ENERGY.Power, POWER)', () => {
    expect(extractValue({ kind: 'jsonPath', path: 'ENERGY.Power' }, payload(teleSensor))).toEqual({ ok: true, value: 5 });
    expect(extractValue({ kind: 'jsonPath', path: 'ENERGY.Total' }, payload(teleSensor))).toEqual({ ok: true, value: 3.705 });
    expect(extractValue({ kind: 'jsonPath', path: 'POWER' }, payload(teleState))).toEqual({ ok: true, value: 'OFF' });
    expect(extractValue({ kind: 'jsonPath', path: 'Wifi.RSSI' }, payload(teleState))).toEqual({ ok: true, value: 100 });
  });

  it('reads indexes and quoted keys', () => {
    const json = payload('{"a":{"b":[10,20,{"c d":"x"}]},"dotted.key":1}');
    expect(extractValue({ kind: 'jsonPath', path: 'a.b[1]' }, json)).toEqual({ ok: true, value: 20 });
    expect(extractValue({ kind: 'jsonPath', path: 'a.b[2]["c d"]' }, json)).toEqual({ ok: true, value: 'x' });
    expect(extractValue({ kind: 'jsonPath', path: "['dotted.key']" }, json)).toEqual({ ok: true, value: 1 });
  });

  it('turns numeric strings into numbers, as every extractor does', () => {
    expect(extractValue({ kind: 'jsonPath', path: 'v' }, payload('{"v":"230.5"}'))).toEqual({ ok: true, value: 230.5 });
  });

  it('explains a missing key, a non-JSON payload and a bad path', () => {
    expect(extractValue({ kind: 'jsonPath', path: 'ENERGY.Apparent' }, payload(teleSensor))).toEqual({ ok: false, reason: 'no ENERGY.Apparent in the payload' });
    expect(extractValue({ kind: 'jsonPath', path: 'a[3]' }, payload('{"a":[1]}'))).toEqual({ ok: false, reason: 'no a[3] in the payload' });
    expect(extractValue({ kind: 'jsonPath', path: 'POWER' }, payload('ON'))).toEqual({ ok: false, reason: 'the payload is not JSON' });
    expect(extractValue({ kind: 'jsonPath', path: 'a..b' }, payload('{}'))).toEqual({ ok: false, reason: expect.stringContaining('malformed at character 3') });
  });

  it('rejects malformed paths when parsing', () => {
    for (const path of ['', '.a', 'a.', 'a[x]', 'a[1', 'a[0]b', "a['x]"]) {
      expect(parseJsonPath(path).ok, path).toBe(false);
    }
    expect(parseJsonPath('ENERGY.ExportTariff[1]')).toEqual({ ok: true, path: ['ENERGY', 'ExportTariff', 1] });
  });
});

describe('template', () => {
  it('renders against value and value_json', () => {
    expect(extractValue({ kind: 'template', template: '{{ value_json["temperature"] }}' }, payload(weatherState))).toEqual({ ok: true, value: 23.2 });
    expect(extractValue({ kind: 'template', template: '{{ value | float * 2 }}' }, payload('1.5'))).toEqual({ ok: true, value: 3 });
  });

  it('gives numbers for numeric rendered text', () => {
    expect(extractValue({ kind: 'template', template: '{{ value_json.v }}0' }, payload('{"v":4}'))).toEqual({ ok: true, value: 40 });
  });

  it('reports a missing key and a non-JSON payload', () => {
    expect(extractValue({ kind: 'template', template: '{{ value_json.temperature }}' }, payload('{"linkquality":90}'))).toEqual({
      ok: false,
      reason: 'no .temperature in the object',
    });
    expect(extractValue({ kind: 'template', template: '{{ value_json.x }}' }, payload('garbage'))).toEqual({ ok: false, reason: 'the payload is not JSON' });
  });

  it('reports a template outside the subset', () => {
    expect(extractValue({ kind: 'template', template: '{% if 1 %}x{% endif %}' }, payload(''))).toEqual({
      ok: false,
      reason: expect.stringContaining('statements ({% … %}) are not supported'),
    });
  });
});

describe('checkExtractor', () => {
  it('accepts good extractors and explains bad ones', () => {
    expect(checkExtractor({ kind: 'raw' })).toEqual({ ok: true });
    expect(checkExtractor({ kind: 'jsonPath', path: 'a.b' })).toEqual({ ok: true });
    expect(checkExtractor({ kind: 'jsonPath', path: 'a.' })).toMatchObject({ ok: false });
    expect(checkExtractor({ kind: 'template', template: '{{ nope }}' })).toEqual({ ok: false, reason: expect.stringContaining("unknown variable 'nope'") });
  });

  it('handles an unknown kind without throwing', () => {
    expect(extractValue({ kind: 'xpath' } as never, payload(''))).toEqual({ ok: false, reason: 'unknown extractor kind "xpath"' });
  });
});
