import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '../logging/logger.js';
import { ROOT_LOGGER } from '../logging/logger.token.js';
import { AccountError, Accounts, type PublicUser } from './accounts.js';
import { randomSecret } from './password-hash.js';
import { UsersRepository } from './users.repository.js';

/**
 * First start: no default password. While there is no admin, each start logs a one-time token that
 * creates the first admin (POST /api/auth/setup, or the dashboard's /setup page); `hearth user add`
 * does the same from the command line.
 */
@Injectable()
export class SetupService {
  private readonly log: Logger;
  private token: Buffer | null = null;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly users: UsersRepository,
    private readonly accounts: Accounts,
  ) {
    this.log = root.child({ module: 'setup' });
  }

  /** Makes the one-time token, before any listener opens; `announce` logs it once the address is known. */
  start(): void {
    if (this.required) this.token = Buffer.from(randomSecret());
  }

  /** Logs the setup link while there is no admin: `dashboard` is the URL a browser opens the dashboard at, if HTTP is on. */
  announce(dashboard: string | null): void {
    if (this.token === null) return;
    const token = this.token.toString();
    const setupUrl = dashboard && `${dashboard}setup?token=${token}`;
    const open = setupUrl ? `open ${setupUrl} to create the first admin` : `POST the token ${token} to /api/auth/setup`;
    this.log.warn({ setupToken: token, ...(setupUrl ? { setupUrl } : {}) }, `no admin yet: ${open}, or run: npx hearth user add <name> --role admin`);
  }

  get required(): boolean {
    return this.users.countAdmins() === 0;
  }

  async createFirstAdmin(token: string, username: string, password: string): Promise<PublicUser> {
    const given = Buffer.from(token);
    const valid = this.token !== null && given.length === this.token.length && timingSafeEqual(given, this.token);
    if (!valid || !this.required) throw new AccountError('forbidden', 'the setup token is not valid (already used, or an admin exists)');
    const user = await this.accounts.addUser({ username, password, role: 'admin' });
    this.token = null;
    this.log.info({ username }, 'created the first admin');
    return user;
  }
}
