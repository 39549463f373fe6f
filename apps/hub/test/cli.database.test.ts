import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from '@hearth/migrations';
import { afterEach, describe, expect, it } from 'vitest';
import { hearth } from './support/hearth-cli.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { collect, connectClient } from './support/mqtt-client.js';
import { removeDataDir, tempDataDir } from './support/test-hub.js';

/** Retained messages under `prefix/` the hub holds, by topic: what survived in its database. */
async function retained(hub: HubProcess, prefix: string, atLeast: number): Promise<Map<string, string>> {
  const client = await connectClient(`mqtt://127.0.0.1:${hub.mqttPort}`);
  const inbox = collect(client);
  await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
  await inbox.waitFor(atLeast, 10_000);
  await client.endAsync();
  return new Map(inbox.messages.map((m) => [m.topic, m.payload]));
}

describe('hearth db migrate, backup and restore', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  function running(hub: HubProcess, dataDir: string): HubProcess {
    cleanup.push(() => hub.child.kill('SIGKILL'), () => removeDataDir(dataDir));
    return hub;
  }

  it('db migrate applies every migration to an empty data dir and prints each, then has nothing to do', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDataDir(dataDir));
    const first = await hearth(['db', 'migrate'], dataDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n').filter((line) => line.startsWith('applied '))).toEqual(migrations.map((m) => `applied ${new m().name}`));
    const again = await hearth(['db', 'migrate'], dataDir);
    expect(again.stdout).toBe(`${join(dataDir, 'hearth.db')} is up to date\n`);
  });

  it('backs up while the hub runs and writes; the copy restores into a new data dir and a hub starts on it with the data', async () => {
    const dataDir = tempDataDir();
    chmodSync(dataDir, 0o755); // as a directory made by hand or by a package would be
    const hub = running(await spawnHub({ HEARTH_DATA_DIR: dataDir }), dataDir);
    expect((await hearth(['user', 'add', 'olivia', '--role', 'admin'], dataDir, 'olivia-password\n')).code).toBe(0);
    const writer = await connectClient(`mqtt://127.0.0.1:${hub.mqttPort}`);
    await writer.publishAsync('backup/marker', 'before the backup', { qos: 1, retain: true });
    // Retained QoS 1 messages, each committed before its PUBACK, keep coming during the backup.
    let acknowledged = 0;
    let writing = true;
    const load = (async () => {
      for (let i = 0; writing; i++) {
        await writer.publishAsync(`load/${i}`, 'x'.repeat(200), { qos: 1, retain: true });
        acknowledged = i + 1;
      }
    })();
    await expect.poll(() => acknowledged).toBeGreaterThan(50);
    const before = acknowledged;
    const file = join(dataDir, 'copy.db');
    const backup = await hearth(['backup', file], dataDir);
    writing = false;
    await load;
    await writer.endAsync();
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toBe(`${file} ${statSync(file).size} bytes\n`);
    // Password hashes and session digests live in there: the data and its copies are the hub user's alone.
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    expect([dataDir, ...['hearth.db', 'hearth.db-wal', 'hearth.db-shm', 'copy.db'].map((name) => join(dataDir, name))].map(mode)).toEqual(['700', '600', '600', '600', '600']);

    const restoredDir = tempDataDir();
    cleanup.push(() => removeDataDir(restoredDir));
    const restore = await hearth(['restore', file], restoredDir);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toBe(`restored ${file} (${migrations.length} migrations) to ${join(restoredDir, 'hearth.db')}\n`);
    const restored = running(await spawnHub({ HEARTH_DATA_DIR: restoredDir }), restoredDir);
    expect((await retained(restored, 'backup', 1)).get('backup/marker')).toBe('before the backup');
    // A snapshot: everything acknowledged before the backup started, nothing after the writer stopped.
    const copied = (await retained(restored, 'load', before)).size;
    expect(copied).toBeGreaterThanOrEqual(before);
    expect(copied).toBeLessThanOrEqual(acknowledged);
    const login = await fetch(`http://127.0.0.1:${restored.httpPort}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olivia', password: 'olivia-password' }) });
    expect(login.status).toBe(200);
  }, 60_000);

  it('refuses to restore while the hub runs; once it is gone (even killed) restores and keeps the old database', async () => {
    const dataDir = tempDataDir();
    const hub = running(await spawnHub({ HEARTH_DATA_DIR: dataDir }), dataDir);
    const client = await connectClient(`mqtt://127.0.0.1:${hub.mqttPort}`);
    await client.publishAsync('backup/marker', 'in the backup', { qos: 1, retain: true });
    const file = join(dataDir, 'copy.db');
    expect((await hearth(['backup', file], dataDir)).code).toBe(0);
    await client.publishAsync('backup/marker', 'after the backup', { qos: 1, retain: true });
    await client.endAsync();

    const refused = await hearth(['restore', file], dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`hearth restore: the hub (or another program) has ${join(dataDir, 'hearth.db')} open: stop it first\n`);
    expect(readdirSync(dataDir).filter((name) => name.includes('.bak-') || name.includes('.restore-'))).toEqual([]);

    // A killed hub leaves its WAL behind: it must end up in the kept file, and the lock must be gone with the process.
    hub.child.kill('SIGKILL');
    await hub.exited;
    const restore = await hearth(['restore', file], dataDir);
    expect(restore.code, restore.stderr).toBe(0);
    const kept = /the previous database is (.+)\n$/.exec(restore.stdout)?.[1];
    expect(kept).toMatch(/\/hearth\.db\.bak-\d{8}T\d{6}Z$/);

    const restarted = running(await spawnHub({ HEARTH_DATA_DIR: dataDir }), dataDir);
    expect((await retained(restarted, 'backup', 1)).get('backup/marker')).toBe('in the backup');
    restarted.child.kill('SIGKILL');
    await restarted.exited;
    const previousDir = tempDataDir();
    cleanup.push(() => removeDataDir(previousDir));
    expect((await hearth(['restore', kept!], previousDir)).code).toBe(0);
    const previous = running(await spawnHub({ HEARTH_DATA_DIR: previousDir }), previousDir);
    expect((await retained(previous, 'backup', 1)).get('backup/marker')).toBe('after the backup');
  }, 60_000);

  it('refuses a file that is not a Hearth database and leaves the data dir as it was', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDataDir(dataDir));
    writeFileSync(join(dataDir, 'notes.txt'), 'not a database at all, just some text that is long enough to have a header');
    const text = await hearth(['restore', join(dataDir, 'notes.txt')], dataDir);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^hearth restore: .*notes\.txt is not a Hearth database: file is not a database\n$/);

    const { default: Database } = await import('better-sqlite3');
    const other = new Database(join(dataDir, 'other.db'));
    other.exec('CREATE TABLE things (id INTEGER)');
    other.close();
    const sqlite = await hearth(['restore', join(dataDir, 'other.db')], dataDir);
    expect(sqlite.stderr).toMatch(/other\.db is not a Hearth database: it has no migrations table\n$/);
    expect(existsSync(join(dataDir, 'hearth.db'))).toBe(false);
    expect(readdirSync(dataDir).sort()).toEqual(['notes.txt', 'other.db']);
  });
});
