import type { Access, AclRule } from './acl.js';

/** Mosquitto's password file (`user:$7$...` / `user:$6$...`) and ACL file formats, read and written. */

export interface PasswordEntry {
  username: string;
  hash: string;
}

/** A line the importer could not use, with its 1-based number. */
export interface Skipped {
  line: number;
  reason: string;
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const MOSQUITTO_HASH = new RegExp(`^\\$(7\\$\\d+|6)\\$${B64}\\$${B64}$`);

export const isMosquittoHash = (hash: string): boolean => MOSQUITTO_HASH.test(hash);

export function parsePasswordFile(text: string): { entries: Array<PasswordEntry & { line: number }>; skipped: Skipped[] } {
  const entries: Array<PasswordEntry & { line: number }> = [];
  const skipped: Skipped[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const [username, hash] = [line.slice(0, colon), line.slice(colon + 1)];
    if (colon <= 0) skipped.push({ line: index + 1, reason: 'not "username:hash"' });
    else if (!isMosquittoHash(hash)) skipped.push({ line: index + 1, reason: `${username}: not a $7$ or $6$ hash (plain-text passwords must be hashed with mosquitto_passwd -U first)` });
    else entries.push({ username, hash, line: index + 1 });
  });
  return { entries, skipped };
}

export const formatPasswordFile = (entries: PasswordEntry[]): string => entries.map(({ username, hash }) => `${username}:${hash}\n`).join('');

const ACCESS = new Set<Access>(['read', 'write', 'readwrite', 'deny']);

/**
 * `user <name>` starts a user's block; `topic [access] <filter>` belongs to it (access defaults to
 * readwrite); `pattern [access] <filter>` applies to everyone. `topic` lines before any `user` line are
 * for anonymous clients, which Hearth either refuses or trusts entirely, so they are reported as skipped.
 */
export function parseAclFile(text: string): { rules: AclRule[]; skipped: Skipped[] } {
  const rules: AclRule[] = [];
  const skipped: Skipped[] = [];
  let user: string | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [keyword] = line.split(/\s+/, 1);
    const rest = line.slice(keyword.length).trim();
    if (keyword === 'user') {
      user = rest || null;
      return;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      skipped.push({ line: index + 1, reason: `unknown keyword "${keyword}"` });
      return;
    }
    const [first] = rest.split(/\s+/, 1);
    const access: Access = ACCESS.has(first as Access) && rest.length > first.length ? (first as Access) : 'readwrite';
    const filter = access === first ? rest.slice(first.length).trim() : rest;
    if (!filter) skipped.push({ line: index + 1, reason: 'no topic' });
    else if (filter.startsWith('$SYS')) skipped.push({ line: index + 1, reason: '$SYS is for admins only' });
    else if (keyword === 'pattern') rules.push({ username: null, access, filter });
    else if (user === null) skipped.push({ line: index + 1, reason: 'topic rule for anonymous clients' });
    else rules.push({ username: user, access, filter });
  });
  return { rules, skipped };
}

/** Users' rules grouped under `user` lines, patterns first (they apply to every user). */
export function formatAclFile(rules: AclRule[]): string {
  const lines = rules.filter((rule) => rule.username === null).map((rule) => `pattern ${rule.access} ${rule.filter}`);
  const byUser = new Map<string, AclRule[]>();
  for (const rule of rules) if (rule.username !== null) byUser.set(rule.username, [...(byUser.get(rule.username) ?? []), rule]);
  for (const [username, own] of byUser) lines.push('', `user ${username}`, ...own.map((rule) => `topic ${rule.access} ${rule.filter}`));
  return `${lines.join('\n')}\n`;
}
