import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { hubContext } from '../lib/context.js';
import { BrokerLink } from '../lib/live/broker-link.svelte.js';
import type { LiveSocket } from '../lib/live/socket.svelte.js';
import ConnectionBanner from './ConnectionBanner.svelte';

const socket = (status: LiveSocket['status']) => ({ status, retryAt: null, retryNow: () => {} }) as unknown as LiveSocket;
const link = (connected: boolean) => {
  const broker = new BrokerLink();
  broker.handlers.broker({
    type: 'broker',
    link: { mode: 'external', connected, node: 'mqtt://broker-1.lan:1883', nodes: ['mqtt://broker-1.lan:1883'], since: '2026-12-07T20:15:00Z', error: connected ? null : 'connect ECONNREFUSED' },
  });
  return broker;
};

describe('the connection banner', () => {
  it('says when the hub has lost its external broker, naming the node, and that devices cannot be switched', () => {
    render(ConnectionBanner, { context: hubContext({ socket: socket('live'), broker: link(false) }) });
    expect(screen.getByTestId('broker-banner').textContent).toMatch(/lost its MQTT broker \(mqtt:\/\/broker-1\.lan:1883\) since .*Devices cannot be switched until it is back/s);
  });

  it('shows nothing while the link is up, and the hub connection first when that is what is lost', () => {
    const { unmount } = render(ConnectionBanner, { context: hubContext({ socket: socket('live'), broker: link(true) }) });
    expect(screen.queryByTestId('broker-banner')).toBeNull();
    unmount();
    render(ConnectionBanner, { context: hubContext({ socket: socket('reconnecting'), broker: link(false) }) });
    expect(screen.getByTestId('connection-banner')).toBeTruthy();
    expect(screen.queryByTestId('broker-banner')).toBeNull();
  });
});
