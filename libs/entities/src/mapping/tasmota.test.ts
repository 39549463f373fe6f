import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import * as tasmota from '../fixtures/tasmota.js';
import { message } from '../fixtures/message.js';
import { decodeText, encodeMessages } from '../fixtures/round-trip.js';
import type { EntityDefinition } from './definition.js';
import { TasmotaDiscovery, type TasmotaEvent } from './tasmota.js';

const definitionsOf = (event: TasmotaEvent): EntityDefinition[] => {
  if (event.kind !== 'definitions') throw new Error(`expected definitions, got ${JSON.stringify(event)}`);
  return event.definitions;
};
const byKind = (definitions: EntityDefinition[], kind: string) => definitions.filter((definition) => definition.kind === kind);

describe("Tasmota's own discovery", () => {
  it('makes a plug a switch on cmnd/<topic>/POWER1 and an energy meter with its kWh total', () => {
    const discovery = new TasmotaDiscovery();
    const config = definitionsOf(discovery.feed(tasmota.nativePlugConfig.topic, tasmota.nativePlugConfig.payload));
    expect(config.map((d) => [d.kind, d.uniqueId, d.name])).toEqual([['switch', '5CCF7F139827_switch_relay_0', 'Trailer Power']]);
    const definitions = definitionsOf(discovery.feed(tasmota.nativePlugSensors.topic, tasmota.nativePlugSensors.payload));
    const [relay] = byKind(definitions, 'switch');
    expect(relay).toMatchObject({
      device: { id: 'tasmota:5CCF7F139827', name: 'Trailer Power', manufacturer: 'Tasmota', model: 'Huzzah', swVersion: '9.3.0', transport: 'mqtt' },
      availability: { mode: 'latest', topics: [{ topic: 'tele/huzzah_1/LWT', payloadAvailable: 'Online', payloadNotAvailable: 'Offline' }] },
      origin: 'tasmota/discovery/5CCF7F139827',
    });
    expect(encodeMessages(relay, { on: true })).toEqual([['cmnd/huzzah_1/POWER1', 'ON']]);
    expect(decodeText(relay, 'stat/huzzah_1/RESULT', '{"POWER":"ON"}')).toMatchObject({ ok: true, update: { state: 'on' } });
    expect(decodeText(relay, 'stat/huzzah_1/POWER', 'OFF')).toMatchObject({ ok: true, update: { state: 'off' } });
    expect(decodeText(relay, 'tele/huzzah_1/STATE', tasmota.teleState)).toMatchObject({ ok: true, update: { state: 'off' } });

    const [meter] = byKind(definitions, 'power_meter');
    expect(meter).toMatchObject({ uniqueId: '5CCF7F139827_power_meter_energy', unit: 'W', deviceClass: 'power' });
    expect(meter.attributes.map((a) => [a.name, a.unit])).toEqual([['energy', 'kWh'], ['voltage', 'V'], ['current', 'A']]);
    expect(decodeText(meter, 'tele/huzzah_1/SENSOR', tasmota.teleSensor)).toMatchObject({ ok: true, update: { state: 5, attributes: { energy: 3.705, voltage: 233, current: 0.021 } } });
  });

  it('makes a dimmer a light whose brightness goes to Dimmer (0-100) and switches it on', () => {
    const [light] = definitionsOf(new TasmotaDiscovery().feed(tasmota.nativeDimmerConfig.topic, tasmota.nativeDimmerConfig.payload));
    expect(light).toMatchObject({ kind: 'light', name: 'Relay 1', brightnessScale: 100, supports: { brightness: true } });
    expect(encodeMessages(light, { brightness: 128 })).toEqual([['cmnd/huzzah_2/Dimmer', '50']]);
    expect(encodeMessages(light, { on: false })).toEqual([['cmnd/huzzah_2/POWER1', 'OFF']]);
    expect(decodeText(light, 'stat/huzzah_2/RESULT', '{"POWER":"ON","Dimmer":60}')).toMatchObject({ ok: true, update: { state: 'on', attributes: { brightness: 153 } } });
  });

  it('follows the full topic template, and gives an RGBCW bulb colour temperature and RGB', () => {
    const [bulb] = definitionsOf(new TasmotaDiscovery().feed(tasmota.nativeBulbConfig.topic, tasmota.nativeBulbConfig.payload));
    expect(bulb.supports).toEqual({ brightness: true, colorTemp: true, rgb: true });
    expect(bulb.command).toMatchObject({ topic: 'bulb/cmnd/POWER1', brightnessTopic: 'bulb/cmnd/Dimmer', colorTempTopic: 'bulb/cmnd/CT', rgbTopic: 'bulb/cmnd/Color2' });
    expect(bulb.availability?.topics[0].topic).toBe('bulb/tele/LWT');
    expect(decodeText(bulb, 'bulb/tele/STATE', tasmota.bulbState)).toMatchObject({ ok: true, update: { state: 'on', attributes: { brightness: 153, colorTemp: 327, rgb: [153, 76, 0] } } });
    expect(decodeText(bulb, 'bulb/stat/RESULT', '{"POWER":"ON","Color":"FF8000FF00"}')).toMatchObject({ ok: true, update: { attributes: { rgb: [255, 128, 0] } } });
    expect(encodeMessages(bulb, { rgb: [255, 0, 0] })).toEqual([['bulb/cmnd/Color2', '255,0,0'], ['bulb/cmnd/POWER1', 'ON']]);
  });

  it('splits an unlinked RGBW light into its RGB part (Dimmer1, Color2 with "=") and its white part (Dimmer2)', () => {
    const config = message('tasmota/discovery/A4CF12000001/config', { ...JSON.parse(tasmota.nativeBulbConfig.payload.toString()), mac: 'A4CF12000001', ft: '%prefix%/%topic%/', lk: 0, lt_st: 4, rl: [2, 2, 0, 0, 0, 0, 0, 0] });
    const [rgb, white] = definitionsOf(new TasmotaDiscovery().feed(config.topic, config.payload));
    expect(rgb.supports).toEqual({ brightness: true, rgb: true });
    expect(encodeMessages(rgb, { rgb: [1, 2, 3] })).toEqual([['cmnd/bulb/Color2', '1,2,3='], ['cmnd/bulb/POWER1', 'ON']]);
    expect(white.supports).toEqual({ brightness: true });
    expect(encodeMessages(white, { brightness: 255 })).toEqual([['cmnd/bulb/Dimmer2', '100']]);
    expect(encodeMessages(white, { on: true })).toEqual([['cmnd/bulb/POWER2', 'ON']]);
  });

  it("makes sensors of the known quantities in the sensors message, in the device's units", () => {
    const discovery = new TasmotaDiscovery();
    // Retained messages may come in either order: the sensors wait for the config.
    expect(discovery.feed(tasmota.nativeClimateSensors.topic, tasmota.nativeClimateSensors.payload)).toMatchObject({ kind: 'ignored' });
    const sensors = definitionsOf(discovery.feed(tasmota.nativeClimateConfig.topic, tasmota.nativeClimateConfig.payload));
    expect(sensors.map((d) => [d.name, d.deviceClass, d.unit])).toEqual([
      ['Attic AM2301 Temperature', 'temperature', '°C'],
      ['Attic AM2301 Humidity', 'humidity', '%'],
      ['Attic AM2301 DewPoint', 'temperature', '°C'],
      ['Attic BMP280 Temperature', 'temperature', '°C'],
      ['Attic BMP280 Pressure', 'pressure', 'hPa'],
    ]);
    expect(sensors.map((d) => decodeText(d, 'tele/attic/SENSOR', tasmota.climateSensor))).toMatchObject([21.6, 47.5, 10, 22, 1008.4].map((state) => ({ ok: true, update: { state } })));
  });

  it('removes a device whose config is cleared, and refuses what it cannot read', () => {
    const discovery = new TasmotaDiscovery();
    discovery.feed(tasmota.nativePlugConfig.topic, tasmota.nativePlugConfig.payload);
    expect(discovery.feed(tasmota.nativePlugConfig.topic, Buffer.alloc(0))).toEqual({ kind: 'definitions', origin: 'tasmota/discovery/5CCF7F139827', definitions: [] });
    expect(discovery.feed('tasmota/discovery/5CCF7F139827/config', Buffer.from('{'))).toMatchObject({ kind: 'invalid', reason: 'config is not JSON' });
    expect(discovery.feed('tasmota/discovery/000000000000/config', tasmota.nativePlugConfig.payload)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('is not the topic') });
    const noTopics = { ...JSON.parse(tasmota.nativePlugConfig.payload.toString()), tp: ['cmnd'] };
    expect(discovery.feed(tasmota.nativePlugConfig.topic, Buffer.from(JSON.stringify(noTopics)))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('tp') });
    expect(discovery.feed('tasmota/discovery/x/y', Buffer.from('{}'))).toMatchObject({ kind: 'ignored' });
  });
});
