import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { programOf, requirePackage } from '@hearth/broker/testing/system-packages';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/commands.js';
import { loadConfig } from '../src/config/load-config.js';
import { hearth } from './support/hearth-cli.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, startTestHub, tempDataDir } from './support/test-hub.js';

describe('the hearth CLI', () => {
  it('has --help on every command', async () => {
    const dataDir = tempDataDir();
    const names = commands(loadConfig({ env: {}, cwd: dataDir })).map((command) => command.name);
    const top = await hearth(['--help'], dataDir);
    expect(top.code).toBe(0);
    const helps = await Promise.all(names.map((name) => hearth([...name.split(' '), '--help'], dataDir)));
    names.forEach((name, i) => {
      expect(top.stdout).toContain(name);
      expect(helps[i].code, name).toBe(0);
      expect(helps[i].stdout).toMatch(new RegExp(`^usage: hearth ${name}`));
    });
    expect((await hearth(['user', '--help'], dataDir)).stdout).not.toContain('device add');
    expect((await hearth(['user', 'add'], dataDir)).code).toBe(2);
    removeDataDir(dataDir);
  }, 60_000);

  it('adds people (password on stdin) and devices while the hub runs; the hub applies revocation within seconds', async () => {
    const dataDir = tempDataDir();
    const hub = await startTestHub({ HEARTH_MQTT_ANONYMOUS: 'false' }, dataDir);
    try {
      const added = await hearth(['user', 'add', 'olivia', '--role', 'admin'], dataDir, 'olivia-password\n');
      expect(added).toMatchObject({ code: 0, stdout: 'created admin olivia\n' });
      const login = await fetch(`${hub.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olivia', password: 'olivia-password' }) });
      expect(login.status).toBe(200);
      expect((await hearth(['user', 'add', 'olivia', '--role', 'user'], dataDir, 'another-password\n')).code).toBe(1);

      const device = await hearth(['device', 'add', 'porch-light', '--sn-address', '192.168.1.40', '--sn-address', '0013A200 41A7B0C3'], dataDir);
      expect(device.code).toBe(0);
      const credential = JSON.parse(device.stdout) as { username: string; password: string; topicPrefix: string };
      expect(Object.keys(credential).sort()).toEqual(['kind', 'password', 'snAddresses', 'topic', 'topicPrefix', 'username']);
      expect(credential).toMatchObject({ username: 'porch-light', topicPrefix: 'devices/porch-light', snAddresses: ['0013a20041a7b0c3', '192.168.1.40'] });
      expect(await hearth(['device', 'bind', 'porch-light', 'wire'], dataDir)).toMatchObject({ code: 0, stdout: 'porch-light: MQTT-SN from 0013a20041a7b0c3, 192.168.1.40, wire\n' });
      expect(await hearth(['device', 'unbind', 'porch-light', '192.168.1.40'], dataDir)).toMatchObject({ code: 0, stdout: 'porch-light: MQTT-SN from 0013a20041a7b0c3, wire\n' });
      expect((await hearth(['device', 'bind', 'porch-light', 'the-garden'], dataDir)).code).toBe(1);
      const client = await connectClient(hub.mqttUrl, { username: credential.username, password: credential.password });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      expect((await hearth(['device', 'revoke', 'porch-light'], dataDir)).code).toBe(0);
      await closed;
      client.end(true);
    } finally {
      await hub.close();
      removeDataDir(dataDir);
    }
  });

  it('imports a mosquitto_passwd file and exports files a real Mosquitto broker accepts', async (context) => {
    requirePackage(context, 'mosquitto');
    const dataDir = tempDataDir();
    const imported = join(dataDir, 'imported.passwd');
    spawnSync(programOf('mosquitto', 'mosquitto_passwd'), ['-c', '-b', imported, 'old-sensor', 'old-sensor-password']);
    writeFileSync(join(dataDir, 'imported.acl'), 'user old-sensor\ntopic readwrite garden/#\nbogus line\n');
    const report = await hearth(['passwd', 'import', imported, '--acl', join(dataDir, 'imported.acl')], dataDir);
    expect(report.stdout).toMatch(/imported 1 credentials and 1 ACL rules\nskipped acl file line 3: unknown keyword "bogus"/);
    const { password } = JSON.parse((await hearth(['device', 'add', 'new-plug'], dataDir)).stdout) as { password: string };
    const porch = JSON.parse((await hearth(['device', 'add', 'porch', '--kind', 'tasmota', '--topic', 'porch_plug'], dataDir)).stdout) as { password: string };
    await hearth(['device', 'add', 'car', '--kind', 'homie', '--topic', 'super-car'], dataDir);
    const exported = await hearth(['passwd', 'export', '--output', join(dataDir, 'out.passwd'), '--acl', join(dataDir, 'out.acl')], dataDir);
    expect(exported.code).toBe(0);
    expect(readFileSync(join(dataDir, 'out.passwd'), 'utf8')).toMatch(/^car:\$7\$\d+\$.+\nnew-plug:\$7\$\d+\$.+\nold-sensor:\$7\$.+\nporch:\$7\$/);

    // Real Mosquitto with the exported files: both devices get in, each inside its own topics.
    const port = 20000 + Math.floor(Math.random() * 20000);
    writeFileSync(join(dataDir, 'mosquitto.conf'), `user ${userInfo().username}\nlistener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${join(dataDir, 'out.passwd')}\nacl_file ${join(dataDir, 'out.acl')}\n`);
    const mosquitto = spawn(programOf('mosquitto', 'mosquitto'), ['-c', join(dataDir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let mosquittoLog = '';
    mosquitto.stderr.on('data', (chunk) => (mosquittoLog += chunk));
    try {
      const url = `mqtt://127.0.0.1:${port}`;
      const connectLater = async (options: object) => {
        for (let tries = 0; ; tries++) {
          try {
            return await connectClient(url, options);
          } catch (error) {
            if (tries > 100 || /Not authorized|Bad user/.test(String(error))) throw new Error(`${String(error)}; mosquitto said: ${mosquittoLog}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      const plug = await connectLater({ username: 'new-plug', password });
      const inbox = collect(plug);
      await plug.subscribeAsync('devices/new-plug/#');
      const old = await connectLater({ username: 'old-sensor', password: 'old-sensor-password' });
      await old.publishAsync('devices/new-plug/cmd', 'denied by the ACL', { qos: 1 });
      await plug.publishAsync('devices/new-plug/cmd', 'allowed', { qos: 1 });
      expect((await inbox.waitFor(1)).map((m) => m.payload)).toEqual(['allowed']);
      await expect(connectLater({ username: 'new-plug', password: 'wrong' })).rejects.toThrow();
      // A Tasmota credential: its cmnd topic both ways, its fallback topic by the `pattern` line, telemetry out.
      const tasmota = await connectLater({ username: 'porch', password: porch.password, clientId: 'DVES_0A0B0C' });
      const commands = collect(tasmota);
      await tasmota.subscribeAsync(['cmnd/porch_plug/#', 'cmnd/DVES_0A0B0C_fb/#']);
      await tasmota.publishAsync('tele/porch_plug/LWT', 'Online', { qos: 1 });
      await tasmota.publishAsync('cmnd/porch_plug/POWER', '', { qos: 1 });
      await plug.publishAsync('cmnd/porch_plug/POWER', 'denied by the ACL', { qos: 1 });
      expect((await commands.waitFor(1)).map((m) => [m.topic, m.payload])).toEqual([['cmnd/porch_plug/POWER', '']]);
      await Promise.all([plug.endAsync(), old.endAsync(), tasmota.endAsync()]);
    } finally {
      mosquitto.kill();
      removeDataDir(dataDir);
    }
  });
});
