import { describe, expect, it } from 'vitest';
import { SignInPolicy } from './sign-in-policy.js';

const LOCKOUT_S = 900;

function policy() {
  const clock = { now: 0 };
  return { clock, policy: new SignInPolicy({ maxFailures: 5, lockout: LOCKOUT_S }, () => clock.now) };
}

describe('SignInPolicy', () => {
  it('locks a name on one address after 5 failures there, not on the others', () => {
    const { policy: p } = policy();
    for (let i = 0; i < 5; i++) p.failed('alice', '10.0.0.1');
    expect(p.retryAfter('alice', '10.0.0.1')).toBe(LOCKOUT_S * 1000);
    expect(p.retryAfter('Alice', '10.0.0.1')).toBe(LOCKOUT_S * 1000);
    expect(p.retryAfter('alice', '10.0.0.2')).toBe(0);
  });

  it('locks an address for every name after 20 failures from it', () => {
    const { policy: p } = policy();
    for (let i = 0; i < 20; i++) p.failed(`user${i}`, '10.0.0.9');
    expect(p.retryAfter('someone-else', '10.0.0.9')).toBeGreaterThan(0);
    expect(p.retryAfter('someone-else', '10.0.0.8')).toBe(0);
  });

  it('locks a name everywhere after 30 failures from many addresses, but not where it signed in before', () => {
    const { policy: p } = policy();
    p.succeeded('alice', '192.168.1.20');
    for (let i = 0; i < 29; i++) p.failed('alice', `10.0.${i}.1`);
    expect(p.retryAfter('alice', '10.9.9.9')).toBe(0);
    p.failed('alice', '10.0.29.1');
    expect(p.retryAfter('alice', '10.9.9.9')).toBe(LOCKOUT_S * 1000);
    // The owner, from the address they signed in from before, is not kept out.
    expect(p.retryAfter('alice', '192.168.1.20')).toBe(0);
  });

  it('forgets a lock once the lockout passed, and failures older than a lockout period', () => {
    const { policy: p, clock } = policy();
    for (let i = 0; i < 5; i++) p.failed('bob', '10.0.0.1');
    clock.now = LOCKOUT_S * 1000;
    expect(p.retryAfter('bob', '10.0.0.1')).toBe(0);
    p.failed('bob', '10.0.0.1');
    expect(p.retryAfter('bob', '10.0.0.1')).toBe(0);
  });

  it('clears the address counts on success, but a success does not wipe the guesses made elsewhere', () => {
    const { policy: p } = policy();
    for (let i = 0; i < 4; i++) p.failed('carol', '10.0.0.1');
    for (let i = 0; i < 29; i++) p.failed('carol', `10.1.${i}.1`);
    p.succeeded('carol', '10.0.0.1');
    p.failed('carol', '10.0.0.1');
    expect(p.retryAfter('carol', '10.0.0.1')).toBe(0);
    expect(p.retryAfter('carol', '10.2.0.1')).toBe(LOCKOUT_S * 1000);
  });
});
