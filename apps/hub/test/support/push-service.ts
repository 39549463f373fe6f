import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decryptPush, newReceiver, verifyVapid, type Receiver, type VapidClaims } from '@hearth/web-push/testing';

/**
 * A stand-in for a browser's push service (FCM, Mozilla autopush) on 127.0.0.1: no real one can run here,
 * and Chromium's goes to Google. It does what the real pair does, with real crypto: each subscription is
 * a P-256 key pair and auth secret made here, as PushManager.subscribe() makes them; a POST must carry a
 * VAPID JWT (ES256) that verifies with the key in its header, for this origin, expiring within a day; its
 * body is decrypted (RFC 8291) with the subscription's private key (@hearth/web-push/testing, written
 * apart from the hub's sending code).
 */
export interface ReceivedPush {
  headers: Record<string, string | string[] | undefined>;
  /** The JWT's claims, after its signature checked out. */
  claims: VapidClaims;
  /** The VAPID public key the hub signed with (`k=`). */
  vapidKey: string;
  /** The decrypted payload. */
  payload: string;
}

export interface TestSubscription {
  /** What the browser would POST to the hub. */
  json: { endpoint: string; keys: Receiver['keys'] };
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

export async function startPushService(): Promise<TestPushService> {
  const subscriptions = new Map<string, { subscription: TestSubscription; receiver: Receiver }>();
  const rejected: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = subscriptions.get(request.url ?? '');
      if (!entry || request.method !== 'POST') return void response.writeHead(404).end();
      try {
        const { header, claims, publicKey } = verifyVapid(String(request.headers.authorization ?? ''));
        if (header.alg !== 'ES256') throw new Error(`the JWT is ${String(header.alg)}, not ES256`);
        if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
        const now = Date.now() / 1000;
        if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} is not within 24 h`);
        if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${request.headers['content-encoding']}`);
        if (!/^\d+$/.test(String(request.headers.ttl ?? ''))) throw new Error('no TTL');
        const payload = decryptPush(Buffer.concat(chunks), entry.receiver);
        if (entry.subscription.status < 300) entry.subscription.received.push({ headers: request.headers, claims, vapidKey: publicKey, payload });
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
      const receiver = newReceiver();
      const path = `/push/${next++}`;
      const subscription: TestSubscription = { json: { endpoint: `${origin}${path}`, keys: receiver.keys }, received: [], status: 201 };
      subscriptions.set(path, { subscription, receiver });
      return subscription;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
