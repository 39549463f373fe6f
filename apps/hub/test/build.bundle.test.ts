import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrations } from '@hearth/migrations';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHubProcesses } from './support/hub-process.js';
import { connectCollecting } from './support/mqtt-client.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HUB_DIST = fileURLToPath(new URL('../dist/', import.meta.url));

// The bundle `npm start`, the `hearth` bin and the Docker image run, made afresh from this build's
// compiled hub (as tools/build.mjs does), beside dist/bundle: at the same depth, so it finds what it finds.
describe('the bundled hub', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = mkdtempSync(join(HUB_DIST, 'bundle-test-'));
    const made = spawnSync(process.execPath, ['tools/bundle-hub.mjs', '--out', bundle], { cwd: ROOT, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(bundle, { recursive: true, force: true }));
  const hubs = useHubProcesses();

  it('starts on a fresh data directory: migrated, serving the API, the dashboard and MQTT', async () => {
    const dataDir = hubs.dataDir();
    const hub = await hubs.spawn({ HEARTH_DATA_DIR: dataDir }, [], join(bundle, 'main.js'));
    const health = await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { status: 'ok' }, broker: { status: 'ok' } });
    // Validation from the DTOs' decorators (class-validator, bundled with their metadata).
    const badLogin = await fetch(`http://127.0.0.1:${hub.httpPort}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 5 }) });
    expect(badLogin.status).toBe(400);
    expect(((await badLogin.json()) as { message: string[] }).message).toContain('username must be a string of 1-64 characters');
    const page = await fetch(`http://127.0.0.1:${hub.httpPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');

    const { client, inbox } = await connectCollecting(`mqtt://127.0.0.1:${hub.mqttPort}`, { clientId: 'bundle-test' });
    await client.subscribeAsync('bundle/#', { qos: 1 });
    await client.publishAsync('bundle/hello', 'there', { qos: 1 });
    const [received] = await inbox.waitFor(1, 10_000);
    expect([received!.topic, String(received!.payload)]).toEqual(['bundle/hello', 'there']);
    await client.endAsync();

    const db = new Database(join(dataDir, 'hearth.db'), { readonly: true });
    const ran = (db.prepare('SELECT name FROM migrations').all() as Array<{ name: string }>).map((row) => row.name);
    db.close();
    expect(ran).toEqual(migrations.map((migration) => migration.name));
  });

  // The first Intl.DateTimeFormat in a process maps ~8 MB of ICU data for good: an idle hub makes none
  // (Nest's timestamp formatters are deferred by tools/bundle-hub.mjs, the rule engine asks for the
  // machine's time zone when a rule needs it).
  it('starts and idles without making an Intl.DateTimeFormat', async () => {
    const watch = `const made = () => process.stderr.write('Intl.DateTimeFormat made ' + new Error().stack.split('\\n')[3].trim() + '\\n');
      Intl.DateTimeFormat = new Proxy(Intl.DateTimeFormat, { construct: (t, a) => (made(), Reflect.construct(t, a)), apply: (t, self, a) => (made(), Reflect.apply(t, self, a)) });`;
    const hub = await hubs.spawn({ HEARTH_DATA_DIR: hubs.dataDir(), NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(watch)}` }, [], join(bundle, 'main.js'));
    expect((await fetch(`http://127.0.0.1:${hub.httpPort}/api/health`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hub.output.filter((line) => line.startsWith('Intl.DateTimeFormat made'))).toEqual([]);
  });

  it('runs the CLI', () => {
    const help = spawnSync(process.execPath, [join(bundle, 'cli.js'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: hearth <command>');
    expect(help.stdout).toMatch(/^ {2}start /m);
  });
});

