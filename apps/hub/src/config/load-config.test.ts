import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'hearth-config-'));

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, cwd: emptyDir() });
    expect(config.http).toEqual({ port: 8080, host: '0.0.0.0', tlsPort: 8443, corsOrigins: [] });
    expect(config.mqtt.anonymous).toBe(false);
    expect(config.tls).toEqual({ cert: null, key: null, ca: null });
    expect(config.mqtt.port).toBe(1883);
    expect(config.dataDir).toBe('./data');
    expect(config.log.level).toBe('info');
  });

  it('reads HEARTH_* environment variables, with "off" closing a listener', () => {
    const config = loadConfig({
      env: { HEARTH_HTTP_PORT: '9000', HEARTH_MQTT_PORT: 'off', HEARTH_MQTT_HOST: '127.0.0.1', HEARTH_DATA_DIR: '/var/lib/hearth', HEARTH_LOG_LEVEL: 'debug' },
      cwd: emptyDir(),
    });
    expect(config.http.port).toBe(9000);
    expect(config.mqtt.port).toBeNull();
    expect(config.mqtt.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/var/lib/hearth');
    expect(config.log.level).toBe('debug');
  });

  it('reads hearth.yaml and .env, with the environment winning over the file and the file over .env', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'hearth.yaml'), 'http:\n  port: 8181\nmqtt:\n  port: off\n  sysInterval: 30\n');
    writeFileSync(join(dir, '.env'), 'HEARTH_HTTP_PORT=7000\nHEARTH_LOG_LEVEL=warn\n');
    const config = loadConfig({ env: { HEARTH_MQTT_PORT: '1884' }, cwd: dir });
    expect(config.http.port).toBe(8181);
    expect(config.mqtt.port).toBe(1884);
    expect(config.mqtt.sysInterval).toBe(30);
    expect(config.log.level).toBe('warn');
  });

  it('reads bridges as a list in hearth.yaml, as JSON in the environment, and one from HEARTH_BRIDGE_URL', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'hearth.yaml'), 'bridges:\n  - name: cloud\n    url: mqtts://hub:secret@cloud.example:8883\n    topics:\n      - sensors/# out 1 home/ site1/\n      - cmd/# in 1 home/ site1/\n');
    const fromFile = loadConfig({ env: { HEARTH_BRIDGE_URL: 'mqtt://backup.lan', HEARTH_BRIDGE_TOPICS: 'energy/# out 1; alarms/# both 1' }, cwd: dir });
    expect(fromFile.bridges).toMatchObject([{ name: 'cloud', url: 'mqtts://hub:secret@cloud.example:8883', topics: [{ pattern: 'sensors/#', direction: 'out' }, { pattern: 'cmd/#', direction: 'in' }] }]);
    expect(fromFile.bridge).toMatchObject({ url: 'mqtt://backup.lan', topics: [{ pattern: 'energy/#' }, { pattern: 'alarms/#', direction: 'both' }] });
    const fromEnv = loadConfig({ env: { HEARTH_BRIDGES: JSON.stringify([{ name: 'site2', url: 'mqtt://site2.lan', topics: ['# both 1'] }]) }, cwd: emptyDir() });
    expect(fromEnv.bridges).toMatchObject([{ name: 'site2', clientId: 'hearth-bridge-site2' }]);
    writeFileSync(join(dir, 'hearth.yaml'), 'bridges:\n  - name: cloud\n    url: mqtt://x\n    topics: [a/# sideways]\n');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow('HEARTH_BRIDGES (bridges): bridges[0].topics[0]: "a/# sideways": direction must be in, out or both, not sideways');
  });

  it('reports every bad key at once, naming the variable', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'hearth.yaml'), 'mqtt:\n  prot: 1883\n');
    let error: unknown;
    try {
      loadConfig({ env: { HEARTH_HTTP_PORT: 'eighty', HEARTH_LOG_LEVEL: 'loud', HEARTH_MQTT_PORT: '70000' }, cwd: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/HEARTH_HTTP_PORT \(http\.port\): expected a port 0-65535 or "off", got "eighty"/);
    expect(problems.join('\n')).toMatch(/HEARTH_MQTT_PORT .*"70000"/);
    expect(problems.join('\n')).toMatch(/HEARTH_LOG_LEVEL .*one of fatal, error, warn, info, debug, trace, silent/);
    expect(problems.join('\n')).toMatch(/unknown key mqtt\.prot/);
  });

  it('never lets a setting give trusted MQTT-SN sensors more than a topic space of their own', () => {
    expect(loadConfig({ env: { HEARTH_SN_TRUSTED_TOPICS: 'sensors/%c/#, farm/%c/+/state' }, cwd: emptyDir() }).sn.trustedTopics).toEqual(['sensors/%c/#', 'farm/%c/+/state']);
    for (const filters of ['#', 'garden/#', 'garden/%c#', '+/%c/x#']) {
      expect(() => loadConfig({ env: { HEARTH_SN_TRUSTED_TOPICS: filters }, cwd: emptyDir() })).toThrow(/HEARTH_SN_TRUSTED_TOPICS .*needs a %c level/);
    }
  });

  it('takes only an IPv4 multicast address as the MQTT-SN multicast group', () => {
    expect(loadConfig({ env: {}, cwd: emptyDir() }).sn).toMatchObject({ multicast: true, multicastGroup: '225.1.1.1', multicastPort: 1883 });
    expect(loadConfig({ env: { HEARTH_SN_MULTICAST_GROUP: ' 239.255.0.1 ' }, cwd: emptyDir() }).sn.multicastGroup).toBe('239.255.0.1');
    for (const group of ['192.168.1.255', '240.0.0.1', '225.1.1', '225.1.1.256', 'ff02::1', 'all']) {
      expect(() => loadConfig({ env: { HEARTH_SN_MULTICAST_GROUP: group }, cwd: emptyDir() })).toThrow(/HEARTH_SN_MULTICAST_GROUP .*expected an IPv4 multicast address/);
    }
  });

  it('refuses a HEARTH_CONFIG file that does not exist, and a file that is not YAML', () => {
    expect(() => loadConfig({ env: { HEARTH_CONFIG: 'missing.yaml' }, cwd: emptyDir() })).toThrow(/HEARTH_CONFIG: no such file/);
    const dir = emptyDir();
    writeFileSync(join(dir, 'hearth.yaml'), 'http: [unclosed\n');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(ConfigError);
  });
});
