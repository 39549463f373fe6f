import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/auth/session.svelte.js';
import { hubContext } from '../../lib/context.js';
import { Router } from '../../lib/router.svelte.js';
import { scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import LoginPage from './LoginPage.svelte';

const admin = { username: 'ada', role: 'admin', areas: null };

function renderLogin(routes: Routes) {
  const { api, calls } = scriptedApi(routes);
  const session = new Session(api);
  render(LoginPage, { context: hubContext({ session, router: new Router() }) });
  return { session, calls };
}

async function fill(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

describe('LoginPage', () => {
  it('signs in and takes the user from the response', async () => {
    const { session, calls } = renderLogin({
      'GET /api/auth/setup': { body: { required: false } },
      'POST /api/auth/login': { body: { token: 't', user: admin } },
    });
    await screen.findByRole('heading', { name: 'Sign in to Hearth' });
    await expect.poll(() => document.title).toBe('Sign in · Hearth');
    await fill('Username', 'ada ');
    await fill('Password', 'correct horse');
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await expect.poll(() => session.status).toBe('signed-in');
    expect(session.user).toEqual(admin);
    expect(calls.at(-1)).toEqual({ method: 'POST', path: '/api/auth/login', body: { username: 'ada', password: 'correct horse' } });
  });

  it("shows the hub's reason when sign-in is refused", async () => {
    const { session } = renderLogin({
      'GET /api/auth/setup': { body: { required: false } },
      'POST /api/auth/login': { status: 401, body: { statusCode: 401, message: 'wrong username or password' } },
    });
    await screen.findByRole('heading', { name: 'Sign in to Hearth' });
    await fill('Username', 'ada');
    await fill('Password', 'nope');
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('wrong username or password');
    expect(session.status).toBe('signed-out');
  });

  it('creates the first admin with the setup token on a new hub', async () => {
    const { calls } = renderLogin({
      'GET /api/auth/setup': { body: { required: true } },
      'POST /api/auth/setup': { body: { token: 't', user: admin } },
    });
    await screen.findByRole('heading', { name: 'Create the first admin' });
    await expect.poll(() => document.title).toBe('Set up Hearth');
    await fill('Setup token', 'abc123');
    await fill('Username', 'ada');
    await fill('Password', 'correct horse');
    await fireEvent.click(screen.getByRole('button', { name: 'Create admin and sign in' }));
    await expect.poll(() => calls.at(-1)?.path).toBe('/api/auth/setup');
    expect(calls.at(-1)?.body).toEqual({ token: 'abc123', username: 'ada', password: 'correct horse' });
  });
});
