import { createHash, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

// scrypt N=2^15, r=8, p=1: 32 MiB and ~0.1 s on a Raspberry Pi 4 class CPU per login.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
// Mosquitto's mosquitto_passwd uses 101 iterations; generated device passwords carry 192 random bits,
// so iterations add nothing there, and a Mosquitto-readable count keeps `hearth passwd export` portable.
const PBKDF2_ITERATIONS = 1000;

const equal = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** People's passwords: `$scrypt$N=32768,r=8,p=1$<salt>$<key>` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 64, { ...SCRYPT, maxmem: SCRYPT_MAXMEM });
  return `$scrypt$N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Verifies any hash Hearth stores: scrypt (people), and Mosquitto's `$7$` (PBKDF2-HMAC-SHA512) and
 * `$6$` (SHA-512 of password then salt) for device credentials. Unknown formats never verify.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[1] === 'scrypt' && parts.length === 5) {
    const params = Object.fromEntries(parts[2].split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
    const [N, r, p] = [params.N, params.r, params.p];
    const expected = Buffer.from(parts[4], 'base64');
    if (![N, r, p].every(Number.isSafeInteger)) return false;
    return equal(await scryptAsync(password, Buffer.from(parts[3], 'base64'), expected.length, { N, r, p, maxmem: SCRYPT_MAXMEM }), expected);
  }
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = Number(parts[2]);
    const expected = Buffer.from(parts[4], 'base64');
    if (!Number.isSafeInteger(iterations) || iterations < 1 || expected.length === 0) return false;
    return equal(await pbkdf2Async(password, Buffer.from(parts[3], 'base64'), iterations, expected.length, 'sha512'), expected);
  }
  if (parts[1] === '6' && parts.length === 4) {
    const digest = createHash('sha512').update(password).update(Buffer.from(parts[2], 'base64')).digest();
    return equal(digest, Buffer.from(parts[3], 'base64'));
  }
  return false;
}

/** A device password in Mosquitto's `$7$` format, so the hash can be written back into a Mosquitto password file. */
export async function hashDevicePassword(password: string): Promise<string> {
  const salt = randomBytes(12);
  const key = await pbkdf2Async(password, salt, PBKDF2_ITERATIONS, 64, 'sha512');
  return `$7$${PBKDF2_ITERATIONS}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Random bytes (24 by default) as a device password or a token: URL-safe, no padding, and never starting
 * with '-', so that it can follow a command-line flag (`hearth pub -P …`).
 */
export function randomSecret(bytes = 24): string {
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

/** Session tokens are stored only as SHA-256, so a copy of the database does not log anyone in. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
