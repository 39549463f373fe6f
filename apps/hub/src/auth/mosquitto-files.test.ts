import { createHash, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatAclFile, parseAclFile, parsePasswordFile } from './mosquitto-files.js';

const salt = Buffer.from('0123456789ab');
const sevenHash = (password: string, iterations = 101) => `$7$${iterations}$${salt.toString('base64')}$${pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64')}`;
const sixHash = (password: string) => `$6$${salt.toString('base64')}$${createHash('sha512').update(password).update(salt).digest('base64')}`;

describe('Mosquitto files', () => {
  it('reads $7$ and $6$ password lines and reports the others with their line numbers', () => {
    const { entries, skipped } = parsePasswordFile(`# comment\nplug:${sevenHash('a')}\nold:${sixHash('b')}\nplain:secret\n\nbroken\n`);
    expect(entries.map((e) => e.username)).toEqual(['plug', 'old']);
    expect(skipped.map((s) => s.line)).toEqual([4, 6]);
  });

  it('reads user/topic/pattern ACL lines, defaulting to readwrite, and skips $SYS and anonymous rules', () => {
    const { rules, skipped } = parseAclFile(`topic read public/#\n\nuser plug\ntopic plug/#\ntopic read status/+\ntopic deny plug/secret\ntopic read $SYS/#\npattern write clients/%c/#\nuser other\ntopic write other/x\n`);
    expect(rules).toEqual([
      { username: 'plug', access: 'readwrite', filter: 'plug/#' },
      { username: 'plug', access: 'read', filter: 'status/+' },
      { username: 'plug', access: 'deny', filter: 'plug/secret' },
      { username: null, access: 'write', filter: 'clients/%c/#' },
      { username: 'other', access: 'write', filter: 'other/x' },
    ]);
    expect(skipped.map((s) => s.line)).toEqual([1, 7]);
    expect(parseAclFile(formatAclFile(rules)).rules.sort((a, b) => a.filter.localeCompare(b.filter))).toEqual([...rules].sort((a, b) => a.filter.localeCompare(b.filter)));
  });
});
