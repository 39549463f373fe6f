import { requirePackage } from '@hearth/broker/testing/system-packages';
import { SnStreamFramer } from '@hearth/mqtt-sn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ScriptedGateway, openPort, ptyPair, xbeeGateway } from './garden/test-gateway.js';
import { type DeviceSpec, Simulator, defaultAddress64 } from './simulator.js';

const garden = (id: string, transport: 'udp' | 'serial'): DeviceSpec => ({ kind: 'garden', id, transport, topicIds: 'predefined', qos: 1, valve: false });

describe('Simulator with garden sensors on the hub serial line', () => {
  // The serial line is a pty pair from socat.
  beforeEach((test) => requirePackage(test, 'socat'));
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function line() {
    const pty = await ptyPair();
    cleanups.push(pty.close);
    const hub = await openPort(pty.hubEnd);
    const radio = await openPort(pty.radioEnd);
    cleanups.push(() => new Promise((r) => hub.close(r)), () => new Promise((r) => radio.close(r)));
    return { hub, radio };
  }

  it('puts every serial sensor behind one XBee coordinator, each with its own address', async () => {
    const { hub, radio } = await line();
    const { gateway, sources } = xbeeGateway(hub);
    const sim = await Simulator.start({ seed: 1, clock: new ManualClock(), devices: [garden('herbs', 'serial'), garden('beans', 'serial'), garden('lawn', 'udp')], snSerial: { line: radio, mode: 'xbee' } });
    cleanups.push(() => sim.stop());

    expect(sim.skipped).toEqual([{ id: 'lawn', reason: 'no MQTT-SN UDP gateway given' }]);
    const connects = await gateway.waitFor((m) => m.type === 'disconnect', 2);
    expect(connects).toHaveLength(2);
    expect(new Set(sources)).toEqual(new Set([defaultAddress64('herbs'), defaultAddress64('beans')]));
    expect(defaultAddress64('herbs')).toMatch(/^0013a200[0-9a-f]{8}$/);
  });

  it('wires one sensor straight to the line in raw mode', async () => {
    const { hub, radio } = await line();
    const gateway = new ScriptedGateway((frame) => hub.write(frame));
    const framer = new SnStreamFramer({ onFrame: (frame) => gateway.receive(Buffer.from(frame)) });
    hub.on('data', (chunk: Buffer) => framer.push(chunk));
    const sim = await Simulator.start({ seed: 1, clock: new ManualClock(), devices: [garden('herbs', 'serial'), garden('beans', 'serial')], snSerial: { line: radio, mode: 'raw' } });
    cleanups.push(() => sim.stop());

    expect(sim.skipped).toEqual([{ id: 'beans', reason: 'a raw serial line carries one sensor only' }]);
    await gateway.waitFor((m) => m.type === 'disconnect');
    expect(gateway.received[0].message).toMatchObject({ type: 'connect', clientId: 'herbs', will: true });
  });
});

describe('Simulator', () => {
  it('refuses to start MQTT devices without an MQTT connection', async () => {
    await expect(Simulator.start({ seed: 1, clock: new ManualClock(), devices: [{ kind: 'motion', id: 'm', name: 'M' }] })).rejects.toThrow(/MQTT connection/);
  });
});
