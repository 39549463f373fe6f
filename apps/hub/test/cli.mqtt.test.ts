import { afterEach, describe, expect, it } from 'vitest';
import { hearth, startHearth } from './support/hearth-cli.js';
import { spawnHub } from './support/hub-process.js';
import { removeDataDir, tempDataDir } from './support/test-hub.js';

describe('hearth pub and sub', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  it('round-trip through a running hub with device credentials (anonymous MQTT off)', async () => {
    const dataDir = tempDataDir();
    const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_MQTT_ANONYMOUS: 'false' });
    cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
    const { password } = JSON.parse((await hearth(['device', 'add', 'porch', '--prefix', 'house/porch'], dataDir)).stdout) as { password: string };
    const as = ['--port', String(hub.mqttPort), '-u', 'porch', '-P', password];

    const retained = await hearth(['pub', '-t', 'house/porch/light', '-m', 'ON', '-q', '1', '-r', ...as], dataDir);
    expect(retained).toEqual({ code: 0, stdout: '', stderr: '' });
    const sub = startHearth(['sub', '-t', 'house/porch/#', '-C', '2', '-v', '-q', '1', ...as], dataDir);
    cleanup.push(() => sub.child.kill());
    // The retained message comes first: once it is printed, the subscription is in place.
    await expect.poll(() => sub.stdout(), { timeout: 10_000 }).toBe('house/porch/light ON\n');
    expect((await hearth(['pub', '-t', 'house/porch/motion', ...as], dataDir, '{"occupancy":true}')).code).toBe(0);
    expect(await sub.done).toEqual({ code: 0, stdout: 'house/porch/light ON\nhouse/porch/motion {"occupancy":true}\n', stderr: '' });
  }, 30_000);

  it('reports refusals: no credentials, a topic outside the ACL, nothing before the timeout', async () => {
    const dataDir = tempDataDir();
    const hub = await spawnHub({ HEARTH_DATA_DIR: dataDir, HEARTH_MQTT_ANONYMOUS: 'false' });
    cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
    const port = ['--port', String(hub.mqttPort)];
    const anonymous = await hearth(['pub', '-t', 'house/x', '-m', '1', ...port], dataDir);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^hearth pub: .*Not authorized/);

    const { password } = JSON.parse((await hearth(['device', 'add', 'porch', '--prefix', 'house/porch'], dataDir)).stdout) as { password: string };
    const as = [...port, '-u', 'porch', '-P', password];
    expect(await hearth(['sub', '-t', '#', ...as], dataDir)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^hearth sub: the broker refused #: /) });
    expect(await hearth(['sub', '-t', 'house/porch/#', '-W', '0.5', ...as], dataDir)).toMatchObject({ code: 1, stderr: 'hearth sub: timed out after 0.5 s with 0 messages\n' });
    expect((await hearth(['pub', '-t', 'house/porch/x', '-q', '3', '-m', '1', ...as], dataDir)).code).toBe(2);
  }, 30_000);
});
