import { createHash, randomBytes } from 'node:crypto';

/** The slow part of a password hash: what a PasswordHasher worker computes from a password. */
export type KeyDerivation =
  | { alg: 'scrypt'; salt: Buffer; keylen: number; N: number; r: number; p: number }
  | { alg: 'pbkdf2-sha512'; salt: Buffer; keylen: number; iterations: number };

/** A stored hash taken apart: derive the key the same way and compare, or (old `$6$`) a plain digest. */
export type ParsedHash = { derivation: KeyDerivation; expected: Buffer } | { sha512Salt: Buffer; expected: Buffer };

// scrypt N=2^15, r=8, p=1: 32 MiB and ~0.1 s on a Raspberry Pi 4 class CPU per login.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
// OWASP's current figure for PBKDF2-HMAC-SHA512. Generated device passwords carry 192 random bits, so
// the count protects imported and hand-set ones; Mosquitto reads any count from a `$7$` line.
export const PBKDF2_ITERATIONS = 210_000;

/** People's passwords: `$scrypt$N=32768,r=8,p=1$<salt>$<key>` (base64). */
export const personDerivation = (): KeyDerivation => ({ alg: 'scrypt', salt: randomBytes(16), keylen: 64, ...SCRYPT });

/** Device passwords in Mosquitto's `$7$` format (PBKDF2-HMAC-SHA512), so they can be exported to a Mosquitto password file. */
export const deviceDerivation = (): KeyDerivation => ({ alg: 'pbkdf2-sha512', salt: randomBytes(12), keylen: 64, iterations: PBKDF2_ITERATIONS });

export function formatHash(derivation: KeyDerivation, key: Buffer): string {
  const salt = derivation.salt.toString('base64');
  if (derivation.alg === 'scrypt') return `$scrypt$N=${derivation.N},r=${derivation.r},p=${derivation.p}$${salt}$${key.toString('base64')}`;
  return `$7$${derivation.iterations}$${salt}$${key.toString('base64')}`;
}

/**
 * Any hash Hearth stores: scrypt (people), and Mosquitto's `$7$` (PBKDF2-HMAC-SHA512) and `$6$` (SHA-512
 * of password then salt) for device credentials. Unknown or malformed formats: null, never verifying.
 */
export function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts[1] === 'scrypt' && parts.length === 5) {
    const params = Object.fromEntries(parts[2].split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
    const { N, r, p } = params;
    const expected = Buffer.from(parts[4], 'base64');
    if (![N, r, p].every(Number.isSafeInteger) || expected.length === 0) return null;
    return { derivation: { alg: 'scrypt', salt: Buffer.from(parts[3], 'base64'), keylen: expected.length, N, r, p }, expected };
  }
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = Number(parts[2]);
    const expected = Buffer.from(parts[4], 'base64');
    if (!Number.isSafeInteger(iterations) || iterations < 1 || expected.length === 0) return null;
    return { derivation: { alg: 'pbkdf2-sha512', salt: Buffer.from(parts[3], 'base64'), keylen: expected.length, iterations }, expected };
  }
  if (parts[1] === '6' && parts.length === 4) return { sha512Salt: Buffer.from(parts[2], 'base64'), expected: Buffer.from(parts[3], 'base64') };
  return null;
}

export const sha512Salted = (password: string, salt: Buffer): Buffer => createHash('sha512').update(password).update(salt).digest();

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
