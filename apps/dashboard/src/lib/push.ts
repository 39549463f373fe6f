import type { PushKeyDto, PushSubscriptionDto } from '@hearth/api-types';
import type { Api } from './api/http.js';

/**
 * Web Push in this browser: the dashboard's service worker (public/sw.js), which shows what the hub
 * pushes, and this browser's subscription, which the hub keeps for the signed-in person.
 */

export type PushSupport = { ok: true } | { ok: false; reason: string };

/** Whether this browser can get notifications from the hub at all, and in words why not. */
export function pushSupport(): PushSupport {
  if (globalThis.isSecureContext === false) return { ok: false, reason: 'Notifications need the dashboard on a secure address: open it over HTTPS, or as localhost on the hub itself.' };
  if (!('serviceWorker' in navigator) || !('Notification' in globalThis)) return { ok: false, reason: 'This browser cannot show notifications for a web app.' };
  if (!('PushManager' in globalThis)) return { ok: false, reason: 'This browser has no push service. On an iPhone or iPad, add Hearth to the Home Screen first and open it from there.' };
  return { ok: true };
}

/** Registers the service worker and lets a tapped notification move the open dashboard to its page. */
export function registerServiceWorker(open: (path: string) => void): void {
  if (globalThis.isSecureContext === false || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch((error: unknown) => console.warn('the service worker did not register', error));
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ type?: string; url?: string }>) => {
    if (event.data?.type !== 'open' || typeof event.data.url !== 'string') return;
    const url = new URL(event.data.url, location.origin);
    if (url.origin === location.origin) open(url.pathname);
  });
}

/** This browser's push subscription, if it has one. */
export async function browserSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Asks for permission, subscribes this browser with the hub's key and hands the subscription to the hub. */
export async function subscribeBrowser(api: Api): Promise<PushSubscriptionDto> {
  const permission = await Notification.requestPermission();
  if (permission === 'denied') throw new Error("Notifications are blocked for this site: allow them in the browser's site settings, then try again.");
  if (permission !== 'granted') throw new Error('Notifications were not allowed.');
  if (!(await navigator.serviceWorker.getRegistration('/'))) await navigator.serviceWorker.register('/sw.js');
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await api.get<PushKeyDto>('/api/push/key');
  const applicationServerKey = fromBase64url(publicKey);
  const existing = await registration.pushManager.getSubscription();
  // Subscribed with another key (the hub's database was replaced): the push service would refuse the hub, and the browser a new subscription.
  if (existing && !sameBytes(existing.options.applicationServerKey, applicationServerKey)) await existing.unsubscribe();
  let subscription: PushSubscription;
  try {
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  } catch (error) {
    throw new Error(`This browser could not subscribe to its push service (${(error as Error).message}).`);
  }
  const { endpoint, keys } = subscription.toJSON();
  return api.post<PushSubscriptionDto>('/api/push/subscriptions', { endpoint, keys });
}

/** Ends this browser's subscription, if it has one: at the hub (when the hub has it for this person) and in the browser. */
export async function forgetThisBrowser(api: Api): Promise<void> {
  if (!pushSupport().ok) return;
  const subscription = await browserSubscription();
  if (!subscription) return;
  const onHub = (await api.get<PushSubscriptionDto[]>('/api/push/subscriptions')).find((mine) => mine.endpoint === subscription.endpoint);
  if (onHub) await api.delete(`/api/push/subscriptions/${onHub.id}`);
  await subscription.unsubscribe();
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sameBytes(buffer: ArrayBuffer | null, bytes: Uint8Array): boolean {
  if (!buffer || buffer.byteLength !== bytes.length) return false;
  const other = new Uint8Array(buffer);
  return bytes.every((byte, i) => byte === other[i]);
}
