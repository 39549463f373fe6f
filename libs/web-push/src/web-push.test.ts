import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptPush, newReceiver, verifyVapid } from './testing/receiver.js';
import { encryptPayload, generateVapidKeys, MAX_PAYLOAD, pushRequest, subscriptionKeysProblem, vapidAuthorization } from './web-push.js';

const b64 = (text: string) => Buffer.from(text, 'base64url');

// RFC 8291 section 5 and appendix A: every input of the example, and the message it gives.
const RFC8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  senderPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  receiverPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  receiverPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  message:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

describe('encryptPayload (RFC 8291)', () => {
  it("gives the RFC's example message byte for byte from its keys and salt", () => {
    const message = encryptPayload(Buffer.from(RFC8291.plaintext), { p256dh: RFC8291.receiverPublic, auth: RFC8291.auth }, { salt: b64(RFC8291.salt), privateKey: b64(RFC8291.senderPrivate) });
    expect(message.toString('base64url')).toBe(RFC8291.message);
  });

  it("is what the tests' receiver decrypts: the RFC's example message with the RFC's receiver key", () => {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(b64(RFC8291.receiverPrivate));
    expect(ecdh.getPublicKey('base64url')).toBe(RFC8291.receiverPublic);
    expect(decryptPush(b64(RFC8291.message), { ecdh, keys: { p256dh: RFC8291.receiverPublic, auth: RFC8291.auth } })).toBe(RFC8291.plaintext);
  });

  it('uses a fresh salt and sender key per message, and the receiver decrypts it', () => {
    const receiver = newReceiver();
    const first = encryptPayload(Buffer.from('{"title":"Hi"}'), receiver.keys);
    const second = encryptPayload(Buffer.from('{"title":"Hi"}'), receiver.keys);
    expect(first.subarray(0, 86).equals(second.subarray(0, 86))).toBe(false);
    expect(decryptPush(first, receiver)).toBe('{"title":"Hi"}');
    expect(first.readUInt32BE(16)).toBe(4096);
  });

  it('refuses a payload that does not fit one 4096-byte message', () => {
    const receiver = newReceiver();
    expect(encryptPayload(Buffer.alloc(MAX_PAYLOAD, 'x'), receiver.keys)).toHaveLength(4096);
    expect(() => encryptPayload(Buffer.alloc(MAX_PAYLOAD + 1, 'x'), receiver.keys)).toThrow(RangeError);
  });
});

describe('vapidAuthorization (RFC 8292)', () => {
  it('signs an ES256 JWT for the endpoint origin that the public key verifies', () => {
    const keys = generateVapidKeys();
    const now = Date.parse('2026-12-07T20:00:00Z');
    const authorization = vapidAuthorization('https://push.example.net:8443/send/abc?x=1', keys, 'mailto:admin@example.org', now);
    expect(verifyVapid(authorization)).toEqual({
      header: { typ: 'JWT', alg: 'ES256' },
      claims: { aud: 'https://push.example.net:8443', exp: now / 1000 + 12 * 3600, sub: 'mailto:admin@example.org' },
      publicKey: keys.publicKey,
    });
    const [, signature] = /\.([\w-]+), k=/.exec(authorization)!;
    expect(b64(signature!)).toHaveLength(64);
    // Signed by another key, the same claims do not verify.
    const forged = authorization.replace(keys.publicKey, generateVapidKeys().publicKey);
    expect(() => verifyVapid(forged)).toThrow('the JWT signature does not verify');
  });

  it('makes 32-byte private keys every time', () => {
    for (let i = 0; i < 50; i++) expect(b64(generateVapidKeys().privateKey)).toHaveLength(32);
  });
});

describe('pushRequest', () => {
  it('is a POST body the browser decrypts, with the headers push services ask for', () => {
    const receiver = newReceiver();
    const request = pushRequest({ endpoint: 'https://push.example.net/abc', keys: receiver.keys }, '{"body":"Door open"}', generateVapidKeys(), { subject: 'mailto:a@b.c', ttlSeconds: 3600 });
    expect(request.url).toBe('https://push.example.net/abc');
    expect(request.headers).toMatchObject({ 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream', ttl: '3600', urgency: 'normal' });
    expect(request.headers.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
    expect(decryptPush(request.body, receiver)).toBe('{"body":"Door open"}');
  });
});

describe('subscriptionKeysProblem', () => {
  it('accepts what a browser gives and names what is wrong otherwise', () => {
    const { keys } = newReceiver();
    expect(subscriptionKeysProblem(keys)).toBeNull();
    expect(subscriptionKeysProblem({ ...keys, auth: 'AAAA' })).toBe('keys.auth must be 16 bytes, base64url');
    expect(subscriptionKeysProblem({ ...keys, p256dh: 'AAAA' })).toMatch(/^keys.p256dh must be an uncompressed P-256 point/);
    expect(subscriptionKeysProblem({ ...keys, p256dh: Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)]).toString('base64url') })).toBe('keys.p256dh is not a point on P-256');
  });
});
