import { describe, expect, it } from 'vitest';
import { randomSecret } from './password-hash.js';

describe('randomSecret', () => {
  it('is URL-safe and never starts with a dash, which command lines would read as a flag', () => {
    // Without the check, about one in 64 secrets starts with '-': 5,000 make missing it all but impossible.
    const secrets = Array.from({ length: 5000 }, () => randomSecret());
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});
