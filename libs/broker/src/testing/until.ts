// Test support shared by the *.test.ts files; not part of the package API.
/** Resolves once `condition()` holds, checked after each turn of I/O; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
