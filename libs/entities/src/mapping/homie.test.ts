import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../commands/encode.js';
import { kitchenLight, superCar, superCarTemperature, thermostat } from '../fixtures/homie.js';
import { message, type FixtureMessage } from '../fixtures/message.js';
import { HomieCollector, type HomieEvent } from './homie.js';
import { decodeState } from '../state/decode.js';

function feedAll(collector: HomieCollector, messages: readonly FixtureMessage[]): HomieEvent[] {
  return messages.flatMap((m) => collector.feed(m.topic, m.payload));
}

const stateAvailability = {
  mode: 'latest',
  topics: [
    {
      topic: 'homie/super-car/$state',
      payloadAvailable: 'ready',
      payloadNotAvailable: 'lost',
      value: {
        kind: 'template',
        template: "{{ 'ready' if value == 'ready' or value == 'sleeping' or value == 'alert' else ('lost' if value == 'lost' or value == 'disconnected' else 'init') }}",
      },
    },
  ],
};

describe('HomieCollector', () => {
  it('reports the super-car once its description is complete', () => {
    const collector = new HomieCollector();
    const events = feedAll(collector, superCar);
    expect(events).toEqual([
      {
        kind: 'definitions',
        deviceId: 'super-car',
        origin: 'homie/super-car',
        values: [],
        definitions: [
          {
            uniqueId: 'homie:super-car/engine/temperature',
            kind: 'sensor',
            objectId: 'super_car_engine_temperature',
            name: 'Super car Engine temperature',
            device: { id: 'super-car', name: 'Super car', model: 'esp8266', transport: 'mqtt' },
            attributes: [],
            availability: stateAvailability,
            supports: {},
            source: 'homie',
            origin: 'homie/super-car',
            state: { topic: 'homie/super-car/engine/temperature', value: { kind: 'raw' } },
            unit: '°C',
            deviceClass: 'temperature',
            stateClass: 'measurement',
          },
        ],
      },
    ]);
    // $datatype completed it; $format and $state after it change nothing.
    expect(events).toHaveLength(1);
  });

  it('needs every listed node and property described first', () => {
    const collector = new HomieCollector();
    const incomplete = superCar.filter((m) => !m.topic.endsWith('/$datatype') && !m.topic.endsWith('/$state'));
    expect(feedAll(collector, incomplete)).toEqual([]);
    expect(collector.feed('homie/super-car/engine/temperature/$datatype', Buffer.from('float'))).toMatchObject([{ kind: 'definitions' }]);
  });

  it('accepts a v3 property without $datatype once the device is ready', () => {
    const collector = new HomieCollector();
    feedAll(collector, [
      message('homie/v3dev/$homie', '3.0.1'),
      message('homie/v3dev/$nodes', 'status,lights[]'),
      message('homie/v3dev/status/$properties', 'message'),
    ]);
    expect(collector.feed('homie/v3dev/$state', Buffer.from('ready'))).toMatchObject([
      { kind: 'definitions', definitions: [{ uniqueId: 'homie:v3dev/status/message', kind: 'sensor', name: 'v3dev status message' }] },
    ]);
  });

  it('decodes values and $state with the definitions it reports', () => {
    const collector = new HomieCollector();
    feedAll(collector, superCar);
    const [temperature] = collector.definitions('super-car') ?? [];
    expect(decodeState(temperature, superCarTemperature.topic, superCarTemperature.payload)).toMatchObject({ ok: true, update: { state: 21.5 } });
    for (const [state, available] of [['ready', true], ['sleeping', true], ['alert', true], ['lost', false], ['disconnected', false]] as const) {
      expect(decodeState(temperature, 'homie/super-car/$state', Buffer.from(state))).toMatchObject({ ok: true, update: { available } });
    }
    expect(decodeState(temperature, 'homie/super-car/$state', Buffer.from('init'))).toMatchObject({ ok: false });
  });

  it('assembles a light node: settable power, brightness 0-100, plus a power meter and a binary sensor', () => {
    const collector = new HomieCollector();
    const events = feedAll(collector, kitchenLight);
    expect(events).toHaveLength(1);
    const [light, watts, overheated] = collector.definitions('kitchen-light') ?? [];
    expect(light).toMatchObject({
      uniqueId: 'homie:kitchen-light/light/power',
      kind: 'light',
      name: 'Kitchen light Ceiling',
      state: { topic: 'homie/kitchen-light/light/power', payloadOn: 'true', payloadOff: 'false' },
      attributes: [{ name: 'brightness', topic: 'homie/kitchen-light/light/brightness' }],
      command: {
        format: 'plain',
        topic: 'homie/kitchen-light/light/power/set',
        payloadOn: 'true',
        payloadOff: 'false',
        brightnessTopic: 'homie/kitchen-light/light/brightness/set',
        qos: 1,
      },
      supports: { brightness: true },
      brightnessScale: 100,
    });
    expect(watts).toMatchObject({ uniqueId: 'homie:kitchen-light/meter/watts', kind: 'power_meter', unit: 'W', name: 'Kitchen light Power draw' });
    expect(overheated).toMatchObject({ kind: 'binary_sensor', state: { payloadOn: 'true', payloadOff: 'false' } });

    expect(encodeCommand(light, { on: true, brightness: 128 })).toEqual({
      ok: true,
      messages: [
        { topic: 'homie/kitchen-light/light/brightness/set', payload: '50', retain: false, qos: 1 },
        { topic: 'homie/kitchen-light/light/power/set', payload: 'true', retain: false, qos: 1 },
      ],
    });
    expect(decodeState(light, 'homie/kitchen-light/light/brightness', Buffer.from('50'))).toMatchObject({ update: { attributes: { brightness: 128 } } });
  });

  it('maps a settable boolean outside a light node to a switch', () => {
    const collector = new HomieCollector();
    const events = feedAll(collector, [
      message('homie/pump/$homie', '4.0.0'),
      message('homie/pump/$nodes', 'relay'),
      message('homie/pump/relay/$properties', 'on'),
      message('homie/pump/relay/on/$datatype', 'boolean'),
      message('homie/pump/relay/on/$settable', 'true'),
      message('homie/pump/$state', 'ready'),
    ]);
    // $settable arrives after $datatype: first a binary sensor, then the update to a switch.
    expect(events.map((e) => e.kind === 'definitions' && e.definitions[0].kind)).toEqual(['binary_sensor', 'switch']);
    expect(collector.definitions('pump')?.[0]).toMatchObject({ command: { topic: 'homie/pump/relay/on/set', payloadOn: 'true', qos: 1 } });
  });

  it('reports updates and removals when $nodes or $properties change', () => {
    const collector = new HomieCollector();
    feedAll(collector, kitchenLight);
    expect(collector.feed('homie/kitchen-light/meter/$properties', Buffer.from('watts'))).toEqual([
      expect.objectContaining({ kind: 'definitions', definitions: [expect.objectContaining({ kind: 'light' }), expect.objectContaining({ kind: 'power_meter' })] }),
      { kind: 'removed', deviceId: 'kitchen-light', origin: 'homie/kitchen-light', uniqueIds: ['homie:kitchen-light/meter/overheated'] },
    ]);
    expect(collector.feed('homie/kitchen-light/$nodes', Buffer.from('light'))).toMatchObject([
      { kind: 'definitions' },
      { kind: 'removed', uniqueIds: ['homie:kitchen-light/meter/watts'] },
    ]);
    // The same description again changes nothing.
    expect(collector.feed('homie/kitchen-light/$nodes', Buffer.from('light'))).toEqual([]);
  });

  it('removes a device whose $homie is cleared', () => {
    const collector = new HomieCollector();
    feedAll(collector, superCar);
    expect(collector.feed('homie/super-car/$homie', Buffer.alloc(0))).toEqual([
      { kind: 'removed', deviceId: 'super-car', origin: 'homie/super-car', uniqueIds: ['homie:super-car/engine/temperature'] },
    ]);
    expect(collector.definitions('super-car')).toBeUndefined();
  });

  it('maps a thermostat node to a climate with a settable target and mode, beside its temperature sensor', () => {
    const collector = new HomieCollector();
    feedAll(collector, thermostat);
    const definitions = [...collector.definitions('hall-thermostat')!];
    const climate = definitions.find((d) => d.kind === 'climate')!;
    expect(climate).toMatchObject({
      uniqueId: 'homie:hall-thermostat/thermostat/target',
      name: 'Hall Thermostat',
      unit: '°C',
      state: { topic: 'homie/hall-thermostat/thermostat/mode' },
      attributes: [
        { name: 'targetTemperature', topic: 'homie/hall-thermostat/thermostat/target' },
        { name: 'currentTemperature', topic: 'homie/hall-thermostat/thermostat/temperature' },
      ],
      controls: {
        targetTemperature: { topic: 'homie/hall-thermostat/thermostat/target/set', min: 5, max: 30, step: 0.5 },
        hvacMode: { topic: 'homie/hall-thermostat/thermostat/mode/set', options: ['off', 'heat'] },
      },
    });
    expect(definitions.map((d) => [d.kind, d.uniqueId.split('/').pop()])).toEqual([
      ['climate', 'target'],
      ['sensor', 'temperature'],
      ['binary_sensor', 'heating'],
      ['number', 'offset'],
      ['select', 'fan'],
    ]);
    expect(encodeCommand(climate, { targetTemperature: 21.5 })).toEqual({ ok: true, messages: [{ topic: 'homie/hall-thermostat/thermostat/target/set', payload: '21.5', retain: false, qos: 1 }] });
    expect(encodeCommand(climate, { targetTemperature: 40 })).toEqual({ ok: false, reason: 'targetTemperature must be from 5 to 30' });
    expect(encodeCommand(climate, { hvacMode: 'cool' })).toEqual({ ok: false, reason: 'hvacMode must be one of off, heat' });
    expect(decodeState(climate, 'homie/hall-thermostat/thermostat/target', Buffer.from('20.5'))).toMatchObject({ update: { attributes: { targetTemperature: 20.5 } } });
    expect(decodeState(climate, 'homie/hall-thermostat/thermostat/mode', Buffer.from('heat'))).toMatchObject({ update: { state: 'heat' } });
    const number = definitions.find((d) => d.kind === 'number')!;
    expect(number.controls?.value).toMatchObject({ min: -3, max: 3, step: 1 });
    expect(encodeCommand(number, { value: 2 })).toMatchObject({ ok: true, messages: [{ topic: 'homie/hall-thermostat/thermostat/offset/set', payload: '2' }] });
    const select = definitions.find((d) => d.kind === 'select')!;
    expect(encodeCommand(select, { value: 'high' })).toMatchObject({ ok: true, messages: [{ topic: 'homie/hall-thermostat/thermostat/fan/set', payload: 'high' }] });
  });

  it('hands back retained values that arrived before the description, for the new entities only', () => {
    const collector = new HomieCollector();
    const value = message('homie/hall-thermostat/thermostat/target', '19.5');
    expect(collector.feed(value.topic, value.payload)).toEqual([]);
    const events = feedAll(collector, thermostat);
    const reported = events.find((e) => e.kind === 'definitions');
    expect(reported && reported.kind === 'definitions' && reported.values).toEqual([{ topic: value.topic, payload: Buffer.from('19.5') }]);
    // A later change of the description reports no value again for entities already known.
    const again = collector.feed('homie/hall-thermostat/thermostat/fan/$name', Buffer.from('Fan speed'));
    expect(again).toMatchObject([{ kind: 'definitions', values: [] }]);
  });

  it('ignores values, set topics, statistics and other base topics', () => {
    const collector = new HomieCollector();
    feedAll(collector, superCar);
    for (const topic of [
      'homie/super-car/engine/temperature',
      'homie/super-car/engine/temperature/set',
      'homie/super-car/$stats/uptime',
      'homie/super-car/$fw/name',
      'homie/$broadcast/alert',
      'homie/5/super-car/$description',
      'other/super-car/$homie',
      'homie/super-car/engine/temperature/$retained',
    ]) {
      expect(collector.feed(topic, Buffer.from('x')), topic).toEqual([]);
    }
  });

  it('says when a Homie version is not supported', () => {
    expect(new HomieCollector().feed('homie/old/$homie', Buffer.from('2.0.1'))).toEqual([
      { kind: 'ignored', deviceId: 'old', reason: 'Homie 2.0.1 is not supported; Hearth reads Homie 3 and 4' },
    ]);
  });

  it('works under another base topic', () => {
    const collector = new HomieCollector('devices');
    const events = feedAll(
      collector,
      superCar.map((m) => ({ ...m, topic: m.topic.replace(/^homie\//, 'devices/') })),
    );
    expect(events).toMatchObject([{ kind: 'definitions', origin: 'devices/super-car', definitions: [{ state: { topic: 'devices/super-car/engine/temperature' } }] }]);
  });
});
