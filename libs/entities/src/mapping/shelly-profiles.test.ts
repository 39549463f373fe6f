import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as shelly from '../fixtures/shelly.js';
import { decodeText, encodeMessages } from '../fixtures/round-trip.js';
import type { EntityDefinition } from './definition.js';
import { loadProfiles, parseProfile, profileDefinitions, revealedDevices, type DeviceProfile } from './profiles.js';

const PROFILE_DIR = fileURLToPath(new URL('../../../../devices/profiles/', import.meta.url));

/** The definitions of the one device a topic reveals. */
const revealed = (profiles: DeviceProfile[], topic: string): { profileId: string; deviceId: string; definitions: EntityDefinition[] } => {
  const [match, ...more] = revealedDevices(profiles, topic);
  expect(more, `${topic} reveals one device`).toEqual([]);
  return { profileId: match.profile.id, deviceId: match.deviceId, definitions: profileDefinitions(match.profile, match.deviceId) };
};

describe('the Shelly profiles', () => {
  let profiles: DeviceProfile[];
  beforeAll(async () => {
    const loaded = await loadProfiles(PROFILE_DIR);
    expect(loaded.errors).toEqual([]);
    profiles = loaded.profiles;
  });

  it('take a Gen1 plug from its power reading: a switch and a meter counting watt-minutes as Wh', () => {
    const { profileId, deviceId, definitions } = revealed(profiles, `shellies/${shelly.gen1PlugId}/relay/0/power`);
    expect([profileId, deviceId]).toEqual(['shelly-gen1-relay-meter', shelly.gen1PlugId]);
    const [relay, meter] = definitions;
    for (const { topic, payload } of shelly.gen1Plug.publishes) {
      if (topic.endsWith('/relay/0')) expect(decodeText(relay, topic, payload.toString())).toMatchObject({ ok: true, update: { state: 'on' } });
    }
    expect(decodeText(relay, `shellies/${shelly.gen1PlugId}/online`, 'false')).toMatchObject({ ok: true, update: { available: false } });
    expect(decodeText(meter, `shellies/${shelly.gen1PlugId}/relay/0/power`, '51.27')).toMatchObject({ ok: true, update: { state: 51.27 } });
    expect(decodeText(meter, `shellies/${shelly.gen1PlugId}/relay/0/energy`, '123456')).toMatchObject({ ok: true, update: { attributes: { energy: 2057.6 } } });
    expect(meter.attributes[0].unit).toBe('Wh');
    expect(encodeMessages(relay, { on: false })).toEqual([[`shellies/${shelly.gen1PlugId}/relay/0/command`, 'off']]);
    // Its plain relay/0 is not also a Shelly 1.
    expect(revealedDevices(profiles, `shellies/${shelly.gen1PlugId}/relay/0`)).toEqual([]);
    expect(revealed(profiles, 'shellies/shelly1-98CDAC0A0B0C/relay/0').profileId).toBe('shelly-gen1-relay');
  });

  it('take a Gen1 dimmer: brightness 0-100 from its status JSON, set with JSON that also switches it on', () => {
    const { profileId, definitions } = revealed(profiles, `shellies/${shelly.gen1DimmerId}/light/0/status`);
    expect(profileId).toBe('shelly-gen1-dimmer');
    const [light] = definitions;
    expect(decodeText(light, `shellies/${shelly.gen1DimmerId}/light/0/status`, shelly.gen1DimmerStatus)).toMatchObject({ ok: true, update: { state: 'on', attributes: { brightness: 107 } } });
    expect(encodeMessages(light, { brightness: 255 })).toEqual([[`shellies/${shelly.gen1DimmerId}/light/0/set`, '{"turn":"on","brightness":100}']]);
    expect(encodeMessages(light, { on: false })).toEqual([[`shellies/${shelly.gen1DimmerId}/light/0/command`, 'off']]);
  });

  it('take a Gen2 switch: output, apower (W) and aenergy.total (Wh) from status/switch:0, commands by JSON-RPC Switch.Set', () => {
    const { profileId, deviceId, definitions } = revealed(profiles, `${shelly.gen2Prefix}/status/switch:0`);
    expect([profileId, deviceId]).toEqual(['shelly-gen2-switch', shelly.gen2Prefix]);
    const [relay, meter] = definitions;
    const status = `${shelly.gen2Prefix}/status/switch:0`;
    expect(decodeText(relay, status, shelly.gen2SwitchStatus)).toMatchObject({ ok: true, update: { state: 'off' } });
    expect(decodeText(relay, status, shelly.gen2SwitchOn)).toMatchObject({ ok: true, update: { state: 'on' } });
    expect(decodeText(meter, status, shelly.gen2SwitchOn)).toMatchObject({ ok: true, update: { state: 1830.4, attributes: { energy: 1250.021, voltage: 231.8, current: 7.912 } } });
    const [[topic, payload]] = encodeMessages(relay, { on: true });
    expect(topic).toBe(`${shelly.gen2Prefix}/rpc`);
    expect(JSON.parse(payload)).toEqual({ id: 1, src: `${shelly.gen2Prefix}/hearth`, method: 'Switch.Set', params: { id: 0, on: true } });
  });

  it('take a Gen2 dimmer: Light.Set with the brightness, which also switches it on', () => {
    const { definitions } = revealed(profiles, 'shellypluswdus-a1b2c3d4e5f6/status/light:0');
    const [light] = definitions;
    expect(decodeText(light, 'shellypluswdus-a1b2c3d4e5f6/status/light:0', '{"id":0,"output":true,"brightness":42,"apower":12.5,"aenergy":{"total":310.2}}')).toMatchObject({ ok: true, update: { state: 'on', attributes: { brightness: 107 } } });
    const [[topic, payload]] = encodeMessages(light, { brightness: 128 });
    expect(topic).toBe('shellypluswdus-a1b2c3d4e5f6/rpc');
    expect(JSON.parse(payload)).toEqual({ id: 1, src: 'shellypluswdus-a1b2c3d4e5f6/hearth', method: 'Light.Set', params: { id: 0, on: true, brightness: 50 } });
  });
});

describe('profile command templates', () => {
  it('reports a template outside the safe subset, or one that is not for plain commands', () => {
    const result = parseProfile(
      `id: x\nname: X\nentities:\n  - id: a\n    kind: light\n    state: { topic: "x/{device}" }\n    command: { topic: "x/{device}/set", templates: { brightness: "{% if value %}1{% endif %}", other: "x" }, onCommandType: never }\n`,
      'x.yaml',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field).sort()).toEqual(['entities[0].command.onCommandType', 'entities[0].command.templates.brightness', 'entities[0].command.templates.other']);
  });
});
