import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HEARTH = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url));

/** The admin the benches that use the REST API sign in as. */
export const ADMIN = { username: 'bench', password: 'bench-password-1' };

/** Adds ADMIN to a data directory with `hearth user add`, before the hub starts on it. */
export function addAdmin(dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEARTH, 'user', 'add', ADMIN.username, '--role', 'admin'], { env: { ...process.env, HEARTH_DATA_DIR: dataDir }, stdio: ['pipe', 'ignore', 'inherit'] });
    child.stdin.end(`${ADMIN.password}\n`);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`hearth user add exited ${code}`))));
  });
}

/** The probe's first defined answer, asked every 50 ms until `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
