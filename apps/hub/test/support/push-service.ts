import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a browser's push service (FCM, Mozilla autopush) on 127.0.0.1: no real one can run here,
 * and Chromium's goes to Google. It does what the real pair does with real crypto: each subscription is
 * a P-256 key pair and auth secret made here, as PushManager.subscribe() makes them; a POST is checked
 * for its VAPID JWT (ES256, verified with the key in the header, which must be the hub's) and its
 * payload decrypted (RFC 8291) with the subscription's private key. Written apart from @hearth/web-push,
 * so the hub's encryption is checked by a second implementation, not by itself.
 */
export interface ReceivedPush {
  headers: Record<string, string | string[] | undefined>;
  /** The JWT's claims, after its signature checked out. */
  claims: { aud: string; exp: number; sub: string };
  /** The VAPID public key the hub signed with (`k=`). */
  vapidKey: string;
  /** The decrypted payload. */
  payload: string;
}

export interface TestSubscription {
  /** What the browser would POST to the hub. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
  received: ReceivedPush[];
  /** What the service answers a POST: 201, or 404/410 once the subscription is "gone". */
  status: number;
}

export interface TestPushService {
  origin: string;
  subscribe(): TestSubscription;
  /** POSTs that failed a check (bad JWT, undecryptable body), with why; a test expects none. */
  rejected: string[];
  close(): Promise<void>;
}

interface Entry {
  subscription: TestSubscription;
  ecdh: ECDH;
  auth: Buffer;
}

export async function startPushService(): Promise<TestPushService> {
  const entries = new Map<string, Entry>();
  const rejected: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = entries.get(request.url ?? '');
      if (!entry || request.method !== 'POST') return void response.writeHead(404).end();
      try {
        const { claims, vapidKey } = checkVapid(String(request.headers.authorization ?? ''));
        if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${request.headers['content-encoding']}`);
        if (!/^\d+$/.test(String(request.headers.ttl ?? ''))) throw new Error('no TTL');
        const payload = decrypt(Buffer.concat(chunks), entry);
        if (entry.subscription.status < 300) entry.subscription.received.push({ headers: request.headers, claims, vapidKey, payload });
        response.writeHead(entry.subscription.status).end();
      } catch (error) {
        rejected.push((error as Error).message);
        response.writeHead(400).end((error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let next = 1;
  return {
    origin,
    rejected,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const path = `/push/${next++}`;
      const subscription: TestSubscription = { json: { endpoint: `${origin}${path}`, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') } }, received: [], status: 201 };
      entries.set(path, { subscription, ecdh, auth });
      return subscription;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  /** RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT's ES256 signature must verify with `k`, its `aud` be this origin. */
  function checkVapid(authorization: string): { claims: ReceivedPush['claims']; vapidKey: string } {
    const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization);
    if (!match) throw new Error(`Authorization is not VAPID: ${authorization}`);
    const [, header, body, signature, vapidKey] = match as unknown as [string, string, string, string, string];
    const point = Buffer.from(vapidKey, 'base64url');
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${header}.${body}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) throw new Error('the JWT signature does not verify');
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') throw new Error('the JWT is not ES256');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as ReceivedPush['claims'];
    if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
    const now = Date.now() / 1000;
    if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} is not within 24 h`);
    return { claims, vapidKey };
  }
}

/** RFC 8291 3.4 and RFC 8188, as the browser decrypts: one record, ended by 0x02. */
function decrypt(message: Buffer, { ecdh, auth }: Entry): string {
  const salt = message.subarray(0, 16);
  const recordSize = message.readUInt32BE(16);
  const idLength = message.readUInt8(20);
  const senderKey = message.subarray(21, 21 + idLength);
  const record = message.subarray(21 + idLength);
  if (record.length > recordSize) throw new Error(`a record of ${record.length} bytes in rs ${recordSize}`);
  const secret = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, auth, keyInfo, 32));
  const contentKey = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  const end = padded.lastIndexOf(0x02);
  if (end < 0 || padded.subarray(end + 1).some((byte) => byte !== 0)) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString();
}
