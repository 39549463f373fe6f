import { describe, expect, it } from 'vitest';
import { MemoryBrokerStore } from './memory-store.js';
import { describeBrokerStore } from './store-suite.js';

describeBrokerStore('MemoryBrokerStore', async () => {
  const store = new MemoryBrokerStore();
  return { store, reopen: async () => new MemoryBrokerStore({ data: store.data }) };
});

describeBrokerStore('MemoryBrokerStore with manual commits', async () => {
  const store = new MemoryBrokerStore({ manualCommit: true });
  // Commits whatever is pending whenever the test waits, as a group-committing store would on its own.
  const committer = setInterval(() => store.commit(), 1);
  return { store, reopen: async () => new MemoryBrokerStore({ data: store.data }), dispose: async () => clearInterval(committer) };
});

describe('MemoryBrokerStore with manual commits', () => {
  it('resolves writes only at commit, and a store reopened before it sees none of them', async () => {
    const store = new MemoryBrokerStore({ manualCommit: true });
    let resolved = false;
    const write = store.saveSession({ clientId: 'c', expiryInterval: 60, disconnectedAt: null, will: null }).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([resolved, store.uncommitted]).toEqual([false, 1]);
    expect((await new MemoryBrokerStore({ data: store.data }).load()).sessions).toEqual([]);
    store.commit();
    await write;
    expect((await new MemoryBrokerStore({ data: store.data }).load()).sessions).toHaveLength(1);
  });
});
