import { createHash, pbkdf2Sync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PBKDF2_ITERATIONS } from './password-hash.js';
import { HashAbandoned, HasherBusy, PasswordHasher } from './password-hasher.js';

const salt = Buffer.from('0123456789ab');
const sevenHash = (password: string, iterations = 101) => `$7$${iterations}$${salt.toString('base64')}$${pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64')}`;
const sixHash = (password: string) => `$6$${salt.toString('base64')}$${createHash('sha512').update(password).update(salt).digest('base64')}`;

describe('PasswordHasher', () => {
  let hasher: PasswordHasher;
  afterEach(() => hasher.close());

  it('verifies scrypt, Mosquitto $7$ and $6$ hashes, and nothing else', async () => {
    hasher = new PasswordHasher({ threads: 1, queue: 16 });
    expect(await hasher.verify('correct horse', await hasher.hash('correct horse', 'person'))).toBe(true);
    expect(await hasher.verify('wrong horse', await hasher.hash('correct horse', 'person'))).toBe(false);
    expect(await hasher.verify('pw', sevenHash('pw'))).toBe(true);
    expect(await hasher.verify('pw2', sevenHash('pw'))).toBe(false);
    expect(await hasher.verify('pw', sixHash('pw'))).toBe(true);
    expect(await hasher.verify('pw', await hasher.hash('pw', 'device'))).toBe(true);
    expect(await hasher.verify('pw', 'pw')).toBe(false);
    expect(await hasher.verify('pw', '$7$abc$x$y')).toBe(false);
  });

  it('gives people scrypt and devices Mosquitto $7$ with the current PBKDF2 iteration count', async () => {
    hasher = new PasswordHasher({ threads: 1, queue: 16 });
    expect(await hasher.hash('pw', 'person')).toMatch(/^\$scrypt\$N=32768,r=8,p=1\$[^$]+\$[^$]+$/);
    expect(await hasher.hash('pw', 'device')).toMatch(new RegExp(`^\\$7\\$${PBKDF2_ITERATIONS}\\$[^$]+\\$[^$]+$`));
  });

  it('refuses a verification at once when every thread works and the queue is full, and runs the rest', async () => {
    hasher = new PasswordHasher({ threads: 1, queue: 2 });
    const stored = sevenHash('pw', 50_000);
    const asks = Array.from({ length: 5 }, () => hasher.verify('pw', stored).then((ok) => ok, (error: Error) => error));
    // One runs, two wait; the fourth and fifth find the queue full.
    expect(hasher.load).toEqual({ running: 1, waiting: 2 });
    const answers = await Promise.all(asks);
    expect(answers.slice(0, 3)).toEqual([true, true, true]);
    expect(answers.slice(3).map((answer) => answer instanceof HasherBusy)).toEqual([true, true]);
  });

  it('skips the work of a client that left while it waited, and makes room for others by dropping it', async () => {
    hasher = new PasswordHasher({ threads: 1, queue: 1 });
    const stored = sevenHash('pw', 50_000);
    let gone = false;
    const running = hasher.verify('pw', stored);
    const left = hasher.verify('pw', stored, () => gone).catch((error: Error) => error);
    gone = true;
    // The queue holds one, but the one in it has left: a newcomer takes its place instead of being refused.
    const newcomer = hasher.verify('pw', stored);
    expect(await left).toBeInstanceOf(HashAbandoned);
    expect(await running).toBe(true);
    expect(await newcomer).toBe(true);
  });

  it('accepts a recently verified password from memory, but not once the stored hash changed or the time passed', async () => {
    let now = 0;
    hasher = new PasswordHasher({ threads: 1, queue: 0, rememberMs: 60_000, now: () => now });
    const stored = sevenHash('pw');
    // queue 0: anything that needs a thread while one is busy is refused, so answers from memory show.
    const first = hasher.verify('pw', stored);
    await expect(hasher.verify('pw', stored)).rejects.toBeInstanceOf(HasherBusy);
    expect(await first).toBe(true);
    expect(await hasher.verify('pw', stored)).toBe(true);
    expect(hasher.load).toEqual({ running: 0, waiting: 0 });

    // A wrong password is never remembered, and a changed hash (a new password, a rotation) misses.
    expect(await hasher.verify('other', stored)).toBe(false);
    expect(await hasher.verify('pw', sevenHash('pw', 102))).toBe(true);
    now = 60_001;
    const again = hasher.verify('pw', stored);
    expect(hasher.load.running).toBe(1);
    expect(await again).toBe(true);
  });
});
