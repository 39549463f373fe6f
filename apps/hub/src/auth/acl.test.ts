import { describe, expect, it } from 'vitest';
import { DevicePermissions } from './acl.js';
import { kindRules } from './device-kinds.js';

describe('device permissions', () => {
  const rules = [
    ...kindRules({ username: 'plug1', kind: 'generic', topic: 'plug1', topicPrefix: 'devices/plug1' }, 'homeassistant', 'esp-42'),
    { username: 'plug1', access: 'deny' as const, filter: 'devices/plug1/secret' },
    { username: null, access: 'read' as const, filter: 'shared/%u/+' },
    { username: null, access: 'readwrite' as const, filter: 'clients/%c/#' },
  ];
  const plug = new DevicePermissions(rules, { username: 'plug1', clientId: 'esp-42' });

  it('reads and writes under its own prefix only, and deny wins', () => {
    expect(plug.canWrite('devices/plug1/state')).toBe(true);
    expect(plug.canWrite('devices/plug2/state')).toBe(false);
    expect(plug.canRead('devices/plug1/secret')).toBe(false);
    expect(plug.canSubscribe('devices/plug1/#')).toBe(true);
    expect(plug.canSubscribe('devices/#')).toBe(false);
    expect(plug.canSubscribe('#')).toBe(false);
  });

  it('answers the same when asked again, also after more topics than it keeps decisions for', () => {
    const fresh = new DevicePermissions(rules, { username: 'plug1', clientId: 'esp-42' });
    const asked = ['devices/plug1/state', 'devices/plug1/secret', 'devices/plug2/state', 'shared/plug1/x', '$SYS/broker/load'];
    const first = asked.map((topic) => [fresh.canWrite(topic), fresh.canRead(topic)]);
    expect(first).toEqual([[true, true], [false, false], [false, false], [false, true], [false, false]]);
    for (let n = 0; n < 1000; n++) fresh.canWrite(`devices/plug1/sensor${n}`) && fresh.canRead(`clients/esp-42/${n}`);
    expect(asked.map((topic) => [fresh.canWrite(topic), fresh.canRead(topic)])).toEqual(first);
  });

  it('announces itself with discovery under its own node id and reads the birth message', () => {
    expect(plug.canWrite('homeassistant/switch/plug1/relay/config')).toBe(true);
    expect(plug.canWrite('homeassistant/switch/plug2/relay/config')).toBe(false);
    expect(plug.canRead('homeassistant/status')).toBe(true);
    expect(plug.canWrite('homeassistant/status')).toBe(false);
  });

  it('fills %u and %c into patterns, and never grants $SYS', () => {
    expect(plug.canRead('shared/plug1/x')).toBe(true);
    expect(plug.canWrite('clients/esp-42/y')).toBe(true);
    expect(plug.canWrite('clients/esp-43/y')).toBe(false);
    const sys = new DevicePermissions([{ username: 'plug1', access: 'readwrite', filter: '#' }, { username: 'plug1', access: 'read', filter: '$SYS/#' }], { username: 'plug1', clientId: 'c' });
    expect(sys.canSubscribe('$SYS/#')).toBe(false);
    expect(sys.canRead('$SYS/broker/uptime')).toBe(false);
  });

  it('does not apply a pattern to a client id that would inject topic levels or wildcards', () => {
    const sneaky = new DevicePermissions([{ username: null, access: 'readwrite', filter: 'clients/%c/#' }], { username: 'x', clientId: 'a/../#' });
    expect(sneaky.canWrite('clients/a/../#')).toBe(false);
    expect(sneaky.canSubscribe('clients/#')).toBe(false);
  });
});
