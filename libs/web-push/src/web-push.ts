import { createCipheriv, createECDH, createPrivateKey, hkdfSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * The application server's side of Web Push: VAPID (RFC 8292, an ES256 JWT per push service) and message
 * encryption (RFC 8291, aes128gcm of RFC 8188), with node:crypto only. Builds the HTTP request a push
 * service takes; sending it is the caller's.
 */

/** A P-256 key pair, base64url: the public key as an uncompressed point (65 bytes), the private scalar (32 bytes). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** What a browser's `PushSubscription.toJSON()` gives: where to send, and its keys (base64url). */
export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The POST a push service takes for one message. */
export interface PushRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface PushOptions {
  /** The JWT's `sub`: a `mailto:` or `https:` contact for the push service's operator. */
  subject: string;
  /** Seconds the push service keeps the message for an offline browser. */
  ttlSeconds: number;
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
  now?: number;
}

/** RFC 8188 record size: the whole message is one record, and push services take at most 4096 bytes. */
const RECORD_SIZE = 4096;
const SALT_LENGTH = 16;
const POINT_LENGTH = 65;
const AUTH_LENGTH = 16;
const TAG_LENGTH = 16;
/** salt, record size, key id length, key id (the sender's public key). */
const HEADER_LENGTH = SALT_LENGTH + 4 + 1 + POINT_LENGTH;
/** The most payload bytes one message carries: a record holds the payload, its delimiter and the tag. */
export const MAX_PAYLOAD = RECORD_SIZE - HEADER_LENGTH - 1 - TAG_LENGTH;
/** RFC 8292 4.1: a JWT expires no more than 24 hours after it was made. */
const JWT_LIFETIME_SECONDS = 12 * 3600;

const CURVE = 'prime256v1';

export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH(CURVE);
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey('base64url'), privateKey: scalar(ecdh.getPrivateKey()).toString('base64url') };
}

/** Why a subscription's keys cannot be encrypted to, or null when they can. */
export function subscriptionKeysProblem(keys: PushSubscriptionJson['keys']): string | null {
  const p256dh = Buffer.from(keys.p256dh, 'base64url');
  if (p256dh.length !== POINT_LENGTH || p256dh[0] !== 0x04) return 'keys.p256dh must be an uncompressed P-256 point (65 bytes, base64url)';
  if (Buffer.from(keys.auth, 'base64url').length !== AUTH_LENGTH) return 'keys.auth must be 16 bytes, base64url';
  try {
    const ecdh = createECDH(CURVE);
    ecdh.generateKeys();
    ecdh.computeSecret(p256dh);
  } catch {
    return 'keys.p256dh is not a point on P-256';
  }
  return null;
}

/** `Authorization: vapid t=<JWT>, k=<public key>` for the push service at `endpoint` (RFC 8292 3). */
export function vapidAuthorization(endpoint: string, keys: VapidKeys, subject: string, now = Date.now()): string {
  const header = json({ typ: 'JWT', alg: 'ES256' });
  const claims = json({ aud: new URL(endpoint).origin, exp: Math.floor(now / 1000) + JWT_LIFETIME_SECONDS, sub: subject });
  const signed = `${header}.${claims}`;
  // JWS wants the signature as r || s (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(signed), { key: signingKey(keys), dsaEncoding: 'ieee-p1363' });
  return `vapid t=${signed}.${signature.toString('base64url')}, k=${keys.publicKey}`;
}

/**
 * The payload encrypted for one subscription (RFC 8291 3.4, one aes128gcm record). `sender` fixes the
 * salt and the sender's ephemeral key, which only a test vector should do: both must be fresh per message.
 */
export function encryptPayload(payload: Uint8Array, keys: PushSubscriptionJson['keys'], sender?: { salt: Buffer; privateKey: Buffer }): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`a push payload holds at most ${MAX_PAYLOAD} bytes, not ${payload.length}`);
  const receiverKey = Buffer.from(keys.p256dh, 'base64url');
  const authSecret = Buffer.from(keys.auth, 'base64url');
  const ecdh = createECDH(CURVE);
  if (sender) ecdh.setPrivateKey(sender.privateKey);
  else ecdh.generateKeys();
  const senderKey = ecdh.getPublicKey();
  const salt = sender?.salt ?? randomBytes(SALT_LENGTH);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverKey, senderKey]);
  const ikm = hkdf(ecdh.computeSecret(receiverKey), authSecret, keyInfo, 32);
  const contentKey = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const cipher = createCipheriv('aes-128-gcm', contentKey, nonce);
  // 0x02: the delimiter of the last (and only) record, with no padding after it.
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.update(Buffer.of(0x02)), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.alloc(HEADER_LENGTH);
  salt.copy(header, 0);
  header.writeUInt32BE(RECORD_SIZE, SALT_LENGTH);
  header.writeUInt8(POINT_LENGTH, SALT_LENGTH + 4);
  senderKey.copy(header, SALT_LENGTH + 5);
  return Buffer.concat([header, ciphertext]);
}

/** The request that delivers `payload` (text, usually JSON) to one subscription. */
export function pushRequest(subscription: PushSubscriptionJson, payload: string, vapid: VapidKeys, options: PushOptions): PushRequest {
  return {
    url: subscription.endpoint,
    headers: {
      authorization: vapidAuthorization(subscription.endpoint, vapid, options.subject, options.now),
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
      ttl: String(options.ttlSeconds),
      urgency: options.urgency ?? 'normal',
    },
    body: encryptPayload(Buffer.from(payload), subscription.keys),
  };
}

const json = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** ECDH private keys come without leading zero bytes; JWK wants all 32. */
function scalar(key: Buffer): Buffer {
  return key.length === 32 ? key : Buffer.concat([Buffer.alloc(32 - key.length), key]);
}

function signingKey({ publicKey, privateKey }: VapidKeys): KeyObject {
  const point = Buffer.from(publicKey, 'base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'), d: privateKey },
    format: 'jwk',
  });
}
