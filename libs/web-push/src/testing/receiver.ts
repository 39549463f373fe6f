import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';

/**
 * The receiving side of Web Push, for tests: what a browser does with a message (RFC 8291 decryption)
 * and what a push service checks of its sender (RFC 8292 VAPID). Written from the RFCs apart from the
 * sending code, so that the tests check one implementation against another, not the code with itself.
 */

/** A browser's push keys: a P-256 key pair and an auth secret, as PushManager.subscribe() makes them. */
export interface Receiver {
  ecdh: ECDH;
  keys: { p256dh: string; auth: string };
}

export function newReceiver(): Receiver {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } };
}

/** The payload of an aes128gcm message (one record, ended by 0x02 and zero padding); throws when it does not decrypt. */
export function decryptPush(message: Buffer, { ecdh, keys }: Receiver): string {
  const salt = message.subarray(0, 16);
  const recordSize = message.readUInt32BE(16);
  const idLength = message.readUInt8(20);
  const senderKey = message.subarray(21, 21 + idLength);
  const record = message.subarray(21 + idLength);
  if (record.length > recordSize) throw new Error(`a record of ${record.length} bytes in rs ${recordSize}`);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdh.computeSecret(senderKey), Buffer.from(keys.auth, 'base64url'), keyInfo, 32));
  const contentKey = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  const end = padded.lastIndexOf(0x02);
  if (end < 0 || padded.subarray(end + 1).some((byte) => byte !== 0)) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString();
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/** `vapid t=<JWT>, k=<key>`: the JWT's header and claims once its ES256 signature verifies with `k`; throws otherwise. */
export function verifyVapid(authorization: string): { header: Record<string, unknown>; claims: VapidClaims; publicKey: string } {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization);
  if (!match) throw new Error(`Authorization is not VAPID: ${authorization}`);
  const [, header, claims, signature, publicKey] = match as unknown as [string, string, string, string, string];
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) throw new Error('the JWT signature does not verify');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  return { header: decode(header), claims: decode(claims) as unknown as VapidClaims, publicKey };
}
