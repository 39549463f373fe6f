import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Session } from '../../lib/auth/session.svelte.js';
import { hubContext } from '../../lib/context.js';
import { scriptedApi, type Routes } from '../../lib/testing/fixtures.js';
import UsersSection from './UsersSection.svelte';

const USERS = [
  { username: 'ada', role: 'admin', areas: null, createdAt: '2026-11-26T12:00:00.000Z' },
  { username: 'kid', role: 'user', areas: ['Kids room'], createdAt: '2026-11-26T12:00:00.000Z' },
];

async function renderUsers(routes: Routes = {}) {
  const { api, calls } = scriptedApi({
    'GET /api/auth/me': { body: { username: 'ada', role: 'admin', areas: null } },
    'GET /api/users': { body: USERS },
    ...routes,
  });
  const session = new Session(api);
  await session.check();
  render(UsersSection, { context: hubContext({ api, session }) });
  await screen.findByTestId('user-kid');
  return { calls, writes: () => calls.filter((call) => call.method !== 'GET') };
}

describe('UsersSection', () => {
  it('lists people with their role and areas, and marks who is signed in', async () => {
    await renderUsers();
    expect(screen.getByTestId('user-ada').textContent).toContain('ada (you)');
    expect(screen.getByTestId('user-kid').textContent).toContain('user · Kids room');
    expect(screen.getByTestId('user-ada').textContent).toContain('admin · all areas');
  });

  it('adds a person with a role and areas, then lists again', async () => {
    const { calls, writes } = await renderUsers({ 'POST /api/users': { status: 201, body: { ...USERS[1], username: 'gran' } } });
    const form = screen.getByRole('form', { name: 'Add a person' });
    await fireEvent.input(within(form).getByLabelText('Username'), { target: { value: ' gran ' } });
    await fireEvent.input(within(form).getByLabelText('Password'), { target: { value: 'a long passphrase' } });
    await fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'user' } });
    await fireEvent.input(within(form).getByLabelText('Areas'), { target: { value: 'kitchen, garden,' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Add' }));
    await expect.poll(writes).toEqual([{ method: 'POST', path: '/api/users', body: { username: 'gran', password: 'a long passphrase', role: 'user', areas: ['kitchen', 'garden'] } }]);
    await expect.poll(() => calls.filter((call) => call.path === '/api/users' && call.method === 'GET').length).toBe(2);
    await expect.poll(() => (within(form).getByLabelText('Username') as HTMLInputElement).value).toBe('');
  });

  it('changes a role and areas; blank areas are all areas', async () => {
    const { writes } = await renderUsers({ 'PATCH /api/users/kid': { body: { ...USERS[1], role: 'admin', areas: null } } });
    await fireEvent.click(screen.getByRole('button', { name: 'Change kid' }));
    const form = screen.getByRole('form', { name: 'Change kid' });
    expect((within(form).getByLabelText('Areas') as HTMLInputElement).value).toBe('Kids room');
    await fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'admin' } });
    await fireEvent.input(within(form).getByLabelText('Areas'), { target: { value: ' ' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await expect.poll(writes).toEqual([{ method: 'PATCH', path: '/api/users/kid', body: { role: 'admin', areas: null } }]);
    await expect.poll(() => screen.queryByRole('form', { name: 'Change kid' })).toBeNull();
  });

  it("removes a person after asking, and shows the hub's reason when it refuses", async () => {
    const { writes } = await renderUsers({
      'DELETE /api/users/kid': { status: 204 },
      'DELETE /api/users/ada': { status: 409, body: { statusCode: 409, message: 'the last admin cannot be removed' } },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Remove kid' }));
    expect(writes()).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Keep' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove kid' }));
    await fireEvent.click(within(screen.getByTestId('user-kid')).getByRole('button', { name: 'Remove kid' }));
    await expect.poll(writes).toEqual([{ method: 'DELETE', path: '/api/users/kid', body: undefined }]);

    await fireEvent.click(screen.getByRole('button', { name: 'Remove ada' }));
    await fireEvent.click(within(screen.getByTestId('user-ada')).getByRole('button', { name: 'Remove ada' }));
    expect((await within(screen.getByTestId('user-ada')).findByRole('alert')).textContent).toBe('the last admin cannot be removed');
  });

  it('shows why the last admin keeps the role', async () => {
    await renderUsers({ 'PATCH /api/users/ada': { status: 409, body: { statusCode: 409, message: 'the last admin cannot lose the admin role' } } });
    await fireEvent.click(screen.getByRole('button', { name: 'Change ada' }));
    const form = screen.getByRole('form', { name: 'Change ada' });
    await fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'user' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(screen.getByTestId('user-ada')).findByRole('alert')).textContent).toBe('the last admin cannot lose the admin role');
    expect(screen.getByRole('form', { name: 'Change ada' })).toBeTruthy();
  });
});
