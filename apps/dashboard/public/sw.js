// Hearth's service worker: shows the notifications the hub pushes (a rule's notify action) and opens
// their page on a tap. Served as is from /sw.js, so its scope is the whole dashboard. It caches nothing:
// the dashboard needs the hub anyway. A push carries the hub's PushNotificationPayload (@hearth/api-types):
// { title, body, url, tag? } as JSON.

self.addEventListener('push', (event) => {
  const message = readPayload(event.data);
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: message.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? '/', self.location.origin).href;
  event.waitUntil(openPage(url));
});

/** Asks an open dashboard to show `url` (its router moves without a reload) and focuses it, or opens a new one. */
async function openPage(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => client.url === url) ?? windows[0];
  if (!open) return self.clients.openWindow(url);
  open.postMessage({ type: 'open', url });
  await open.focus();
}

/** The hub's JSON, or whatever text came, so a push is never lost for its format; only pages of this dashboard open. */
function readPayload(data) {
  const fallback = { title: 'Hearth', body: '', url: '/', tag: undefined };
  if (!data) return fallback;
  try {
    const payload = data.json();
    return {
      title: typeof payload.title === 'string' ? payload.title : fallback.title,
      body: typeof payload.body === 'string' ? payload.body : '',
      url: typeof payload.url === 'string' && payload.url.startsWith('/') && !payload.url.startsWith('//') ? payload.url : '/',
      tag: typeof payload.tag === 'string' ? payload.tag : undefined,
    };
  } catch {
    return { ...fallback, body: data.text() };
  }
}
