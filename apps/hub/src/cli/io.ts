import { Accounts } from '../auth/accounts.js';
import { DeviceCredentialsRepository } from '../auth/device-credentials.repository.js';
import { createPasswordHasher } from '../auth/password-hasher.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { UsersRepository } from '../auth/users.repository.js';
import type { HubConfig } from '../config/config.schema.js';

export const print = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/**
 * Runs `work` on the database in HEARTH_DATA_DIR, migrated, exactly as the hub opens it (WAL), so it
 * is safe beside a running hub; the hub notices credential changes within a second.
 */
export async function withAccounts<T>(config: HubConfig, work: (accounts: Accounts) => Promise<T> | T): Promise<T> {
  // Loaded on use: `--help` should not wait for the native module.
  const { openDatabase } = await import('../database/database.module.js');
  const db = await openDatabase(config);
  const hasher = createPasswordHasher(config.auth);
  try {
    return await work(new Accounts(config, new UsersRepository(db), new SessionsRepository(db), new DeviceCredentialsRepository(db), hasher));
  } finally {
    await hasher.close();
    db.close();
  }
}

/**
 * A password from stdin: piped, the first line; on a terminal, typed twice without echo.
 */
export async function readPassword(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  }
  const first = await promptHidden(stdin, 'Password: ');
  const second = await promptHidden(stdin, 'Repeat password: ');
  if (first !== second) throw new Error('the passwords differ');
  return first;
}

function promptHidden(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          return resolve(typed);
        }
        if (char === '\u0003') {
          finish();
          return reject(new Error('cancelled'));
        }
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
