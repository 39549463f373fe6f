import { createSubscriber } from 'svelte/reactivity';

// One timer for every "5 min ago" on screen, running only while something shows one.
const tick = createSubscriber((update) => {
  const timer = setInterval(update, 15_000);
  return () => clearInterval(timer);
});

/** The current time, re-read by effects and templates every 15 s. */
export function now(): number {
  tick();
  return Date.now();
}
