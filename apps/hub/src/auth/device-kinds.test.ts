import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { DevicePermissions } from './acl.js';
import { deviceTopicProblem, discoveryClaims, kindRules, ownSpaces, type KindedDevice } from './device-kinds.js';

const tasmota: KindedDevice = { username: 'plug', kind: 'tasmota', topic: 'plug_1', topicPrefix: null };
const permissions = (device: KindedDevice, clientId = 'c1') => new DevicePermissions(kindRules(device, 'homeassistant', clientId), { username: device.username, clientId }, discoveryClaims(device, 'homeassistant'));
const json = (value: object) => Buffer.from(JSON.stringify(value));

describe('device kinds', () => {
  it('checks a device topic per kind', () => {
    expect(deviceTopicProblem('tasmota', 'plug_1', 'homeassistant')).toBeUndefined();
    expect(deviceTopicProblem('tasmota', 'a/b', 'homeassistant')).toMatch(/^topic of a tasmota device is one topic level/);
    expect(deviceTopicProblem('zigbee2mqtt', 'zigbee2mqtt/house', 'homeassistant')).toBeUndefined();
    expect(deviceTopicProblem('esphome', 'tele', 'homeassistant')).toMatch(/cannot start with tele\//);
    expect(deviceTopicProblem('shelly', '+', 'homeassistant')).toMatch(/^topic is/);
    expect(deviceTopicProblem('homie', 'homeassistant', 'homeassistant')).toMatch(/discovery prefix/);
    expect(deviceTopicProblem('tasmota', 'tasmotas', 'homeassistant')).toMatch(/every tasmota device shares/);
    expect(deviceTopicProblem('shelly', 'command', 'homeassistant')).toMatch(/every shelly device shares/);
    expect(deviceTopicProblem('homie', '5', 'homeassistant')).toMatch(/every homie device shares/);
  });

  it("fills the client id into Tasmota's fallback topic, and leaves it out for a client id that would inject levels", () => {
    expect(permissions(tasmota, 'DVES_1A2B3C').canSubscribe('cmnd/DVES_1A2B3C_fb/#')).toBe(true);
    expect(permissions(tasmota, 'DVES_1A2B3C').canSubscribe('cmnd/DVES_000000_fb/#')).toBe(false);
    expect(permissions(tasmota, 'a/#').canSubscribe('cmnd/a/#_fb/#')).toBe(false);
    expect(ownSpaces(tasmota)).toEqual(['tele/plug_1/#', 'stat/plug_1/#', 'cmnd/plug_1/#']);
  });

  it("claims Tasmota's discovery by its Topic, then the sensors beside it, and keeps the claim when rebuilt", () => {
    const plug = permissions(tasmota);
    expect(plug.canWrite('tasmota/discovery/AABBCC000001/sensors', json({ sn: {}, ver: 1 }))).toBe(false);
    expect(plug.canWrite('tasmota/discovery/AABBCC000001/config', json({ t: 'other', mac: 'AABBCC000001' }))).toBe(false);
    expect(plug.canWrite('tasmota/discovery/AABBCC000001/config', json({ t: 'plug_1', mac: 'AABBCC000002' }))).toBe(false);
    expect(plug.canWrite('tasmota/discovery/AABBCC000001/config', json({ t: 'plug_1', mac: 'AABBCC000001' }))).toBe(true);
    expect(plug.canWrite('tasmota/discovery/AABBCC000001/sensors', json({ sn: {}, ver: 1 }))).toBe(true);
    const rebuilt = new DevicePermissions(kindRules(tasmota, 'homeassistant', 'c1'), { username: 'plug', clientId: 'c1' }, discoveryClaims(tasmota, 'homeassistant')!.inherit(plug.claims));
    expect(rebuilt.canWrite('tasmota/discovery/AABBCC000001/config', Buffer.alloc(0))).toBe(true);
  });

  it("reads Home Assistant discovery with `~` and availability lists: every topic must be the device's own", () => {
    const bridge = permissions({ username: 'z', kind: 'zigbee2mqtt', topic: 'zigbee2mqtt', topicPrefix: null });
    expect(bridge.canWrite('homeassistant/switch/0x01/relay/config', json({ '~': 'zigbee2mqtt/plug', stat_t: '~', cmd_t: '~/set', avty: [{ t: 'zigbee2mqtt/bridge/state' }] }))).toBe(true);
    expect(bridge.canWrite('homeassistant/switch/0x02/relay/config', json({ '~': 'zigbee2mqtt/plug', stat_t: '~', avty: [{ t: 'kitchen/status' }] }))).toBe(false);
    expect(bridge.canWrite('homeassistant/switch/0x03/relay/config', json({ name: 'no topics' }))).toBe(false);
    expect(bridge.canRead('homeassistant/switch/0x02/relay/config', json({ stat_t: 'kitchen/state' }))).toBe(false);
    expect(bridge.canSubscribe('homeassistant/#')).toBe(true);
    expect(permissions(tasmota).canSubscribe('homeassistant/#')).toBe(false);
  });

  it("never lets a bridge claim discovery under another device's node id, even pointing into its own topics", () => {
    const zigbee: KindedDevice = { username: 'z', kind: 'zigbee2mqtt', topic: 'zigbee2mqtt', topicPrefix: null };
    const esphome: KindedDevice = { username: 'living-node', kind: 'esphome', topic: 'livingroom', topicPrefix: null };
    const bridge = new DevicePermissions(kindRules(zigbee, 'homeassistant', 'c'), { username: 'z', clientId: 'c' }, discoveryClaims(zigbee, 'homeassistant', () => [esphome]));
    const own = json({ state_topic: 'zigbee2mqtt/x', command_topic: 'zigbee2mqtt/x/set' });
    expect(bridge.canWrite('homeassistant/light/livingroom/ceiling_light/config', own)).toBe(false);
    expect(bridge.canWrite('homeassistant/light/living-node/ceiling_light/config', own)).toBe(false);
    expect(bridge.canWrite('homeassistant/light/0x0001/light/config', own)).toBe(true);
  });
});
