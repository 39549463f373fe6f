import { notFound } from './api/http.js';

export interface Polled<T> {
  /** The latest answer, null before the first; the component may change it (to what the hub answered to an edit, say). */
  value: T | null;
  /** Why the last fetch failed; '' once one succeeds. */
  error: string;
  /** With `stopWhenMissing`: the hub answered 404, so what is polled does not exist (any more) and polling stopped. */
  missing: boolean;
  /** Fetches now, out of turn (after something that changes the answer). */
  refresh(): Promise<void>;
}

/**
 * What the hub does not push over the socket (device availability, unmapped topics, rule runs): fetched
 * when the component starts and again every `ms` while it is open. Call it while a component initialises.
 */
export function polled<T>(fetch: () => Promise<T>, ms: number, stopWhenMissing = false): Polled<T> {
  const polled: Polled<T> = $state({ value: null, error: '', missing: false, refresh });

  async function refresh() {
    if (polled.missing) return;
    try {
      polled.value = await fetch();
      polled.error = '';
    } catch (e) {
      polled.missing = stopWhenMissing && notFound(e);
      polled.error = (e as Error).message;
    }
  }

  $effect(() => {
    void refresh();
    const timer = setInterval(refresh, ms);
    return () => clearInterval(timer);
  });
  return polled;
}
