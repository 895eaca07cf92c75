// The Users tab: the list, adding a user (the name judged as it is typed), editing, disabling
// and enabling, and the refusals that keep one administrator.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { control, openTab, replaceText } from '../../test/dataHelpers';
import { commands, resetCommands, users } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

async function openUsers(user: User) {
  await openTab(user, 'users');
  return screen.findByTestId('users-table');
}

const LAST_ADMIN = /Ana is the last enabled DataGrid Administrator/;

describe('Users tab', () => {
  it('lists every user with their policy, PII restriction and status', async () => {
    const { user } = renderApp();
    await openUsers(user);
    const rows = screen.getAllByTestId(/^user-row-/);
    expect(rows.map((r) => r.dataset.testid)).toEqual(['user-row-Ana', 'user-row-Bo', 'user-row-Dana', 'user-row-Kim', 'user-row-Sam']);

    const ana = screen.getByTestId('user-row-Ana');
    expect(ana).toHaveTextContent('DataGrid Administrator');
    expect(ana).toHaveTextContent('you');
    const sam = screen.getByTestId('user-row-Sam');
    expect(sam).toHaveTextContent('Amp360 User');
    expect(within(sam).getAllByRole('cell')[2]).toHaveTextContent('Yes');
    expect(within(screen.getByTestId('user-row-Bo')).getAllByRole('cell')[2]).toHaveTextContent('No');
    expect(within(sam).getByTestId('user-status')).toHaveTextContent('Enabled');
    const kim = screen.getByTestId('user-row-Kim');
    expect(within(kim).getByTestId('user-status')).toHaveTextContent('Disabled');
    expect(within(kim).getByTestId('enable-user-Kim')).toBeInTheDocument();
    expect(within(kim).queryByTestId('disable-user-Kim')).not.toBeInTheDocument();
    expect(within(sam).getByTestId('disable-user-Sam')).toHaveAccessibleName('Disable Sam');
  });

  it('adds a user, judging the name as it is typed, with a policy and Restrict PII access', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('add-user'));
    const dialog = await screen.findByTestId('user-dialog');
    expect(dialog).toHaveAttribute('data-mode', 'create');
    // Every policy is offered with a line on what it allows; a new user starts with Amp360 User.
    const policy = within(dialog).getByTestId('user-policy');
    expect(policy).toHaveValue('amp360');
    expect([...policy.querySelectorAll('option')].map((o) => o.value)).toEqual(['amp360', 'ampiq', 'amp360+ampiq', 'operator', 'administrator']);
    expect(policy).toHaveTextContent('Amp360 User');
    expect(policy).toHaveTextContent('Runs queries and sends their results.');
    expect(policy).toHaveTextContent('AmpIQ User');
    expect(policy).toHaveTextContent('Builds segments and campaigns.');
    expect(policy).toHaveTextContent('Amp360 User + AmpIQ User');
    expect(policy).toHaveTextContent('DataGrid Operator');
    expect(policy).toHaveTextContent('credentials, destinations and templates');
    expect(policy).toHaveTextContent('DataGrid Administrator');
    expect(policy).toHaveTextContent('managing users and reading the activity log');

    // A taken name is said once the field is left, from the backend's check.
    await replaceText(user, control('user-name'), 'bo');
    fireEvent.blur(control('user-name'));
    expect(await within(dialog).findByTestId('error-name')).toHaveTextContent('A user named "bo" already exists: choose another name.');
    expect(commands.checkUser).toHaveBeenCalledWith({ name: 'bo', policy: 'amp360', restrictPii: false }, undefined);
    expect(commands.createUser).not.toHaveBeenCalled();

    // The message follows the typing and goes once the name is free.
    await replaceText(user, control('user-name'), 'Rui');
    await waitFor(() => expect(within(dialog).queryByTestId('error-name')).not.toBeInTheDocument());

    await user.selectOptions(within(dialog).getByTestId('user-policy'), 'operator');
    await user.click(within(dialog).getByTestId('user-restrict-pii'));
    await user.click(within(dialog).getByTestId('user-save'));

    await waitFor(() => expect(screen.queryByTestId('user-dialog')).not.toBeInTheDocument());
    expect(commands.createUser).toHaveBeenCalledWith({ name: 'Rui', policy: 'operator', restrictPii: true });
    expect(await screen.findByText('User “Rui” added as DataGrid Operator')).toBeInTheDocument();
    const row = await screen.findByTestId('user-row-Rui');
    expect(row).toHaveTextContent('DataGrid Operator');
    expect(within(row).getAllByRole('cell')[2]).toHaveTextContent('Yes');
  });

  it('puts a refused save’s messages under the fields, even before anything was left', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('add-user'));
    const dialog = await screen.findByTestId('user-dialog');
    await user.click(within(dialog).getByTestId('user-save'));
    expect(await within(dialog).findByTestId('error-name')).toHaveTextContent('Enter a name for the user.');
    await waitFor(() => expect(document.activeElement).toBe(control('user-name')));
    expect(users.users).toHaveLength(5);
  });

  it('edits a user: the form starts from them and saves through update_user', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('edit-user-Dana'));
    const dialog = await screen.findByTestId('user-dialog');
    expect(dialog).toHaveAttribute('data-mode', 'edit');
    expect(control('user-name')).toHaveValue('Dana');
    expect(within(dialog).getByTestId('user-policy')).toHaveValue('ampiq');
    expect(within(dialog).getByTestId('user-restrict-pii')).not.toBeChecked();

    // Her own name is not "taken".
    fireEvent.blur(control('user-name'));
    await new Promise((r) => setTimeout(r, 400));
    expect(within(dialog).queryByTestId('error-name')).not.toBeInTheDocument();
    expect(commands.checkUser).toHaveBeenCalledWith(expect.objectContaining({ name: 'Dana' }), 'usr_dana');

    await user.selectOptions(within(dialog).getByTestId('user-policy'), 'amp360+ampiq');
    await user.click(within(dialog).getByTestId('user-restrict-pii'));
    await user.click(within(dialog).getByTestId('user-save'));

    await waitFor(() => expect(screen.queryByTestId('user-dialog')).not.toBeInTheDocument());
    expect(commands.updateUser).toHaveBeenCalledWith('usr_dana', { name: 'Dana', policy: 'amp360+ampiq', restrictPii: true });
    await waitFor(() => expect(screen.getByTestId('user-row-Dana')).toHaveTextContent('Amp360 User + AmpIQ User'));
  });

  it('shows the backend’s refusal to take the last administrator’s policy away, and keeps the dialog', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('edit-user-Ana'));
    const dialog = await screen.findByTestId('user-dialog');
    await user.selectOptions(within(dialog).getByTestId('user-policy'), 'operator');
    await user.click(within(dialog).getByTestId('user-save'));

    expect(await within(dialog).findByTestId('user-error')).toHaveTextContent(LAST_ADMIN);
    expect(screen.getByTestId('user-dialog')).toBeInTheDocument();
    expect(users.users.find((u) => u.name === 'Ana')?.policy).toBe('administrator');
  });

  it('disables a user after asking, then enables them again', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('disable-user-Bo'));
    let confirm = await screen.findByTestId('user-confirm');
    expect(confirm).toHaveTextContent('Disable “Bo”?');
    expect(confirm).toHaveTextContent('activity log stay');
    await user.click(within(confirm).getByTestId('user-confirm-ok'));

    await waitFor(() => expect(screen.queryByTestId('user-confirm')).not.toBeInTheDocument());
    expect(commands.setUserDisabled).toHaveBeenCalledWith('usr_bo', true);
    expect(await screen.findByText('Bo is disabled')).toBeInTheDocument();
    const row = screen.getByTestId('user-row-Bo');
    await waitFor(() => expect(within(row).getByTestId('user-status')).toHaveTextContent('Disabled'));

    // No longer offered in the user menu.
    await user.click(screen.getByTestId('user-menu'));
    await screen.findByTestId('switch-user-Dana');
    expect(screen.queryByTestId('switch-user-Bo')).not.toBeInTheDocument();
    await user.keyboard('{Escape}');

    await user.click(within(row).getByTestId('enable-user-Bo'));
    confirm = await screen.findByTestId('user-confirm');
    expect(confirm).toHaveTextContent('Enable “Bo”?');
    await user.click(within(confirm).getByTestId('user-confirm-ok'));
    expect(commands.setUserDisabled).toHaveBeenLastCalledWith('usr_bo', false);
    await waitFor(() => expect(within(screen.getByTestId('user-row-Bo')).getByTestId('user-status')).toHaveTextContent('Enabled'));
  });

  it('shows the refusal to disable the last administrator inside the confirmation, leaving only Close', async () => {
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByTestId('disable-user-Ana'));
    const confirm = await screen.findByTestId('user-confirm');
    await user.click(within(confirm).getByTestId('user-confirm-ok'));

    expect(await within(confirm).findByTestId('user-confirm-error')).toHaveTextContent(LAST_ADMIN);
    expect(within(confirm).queryByTestId('user-confirm-ok')).not.toBeInTheDocument();
    expect(within(confirm).getByTestId('user-confirm-cancel')).toHaveTextContent('Close');
    await user.click(within(confirm).getByTestId('user-confirm-cancel'));
    await waitFor(() => expect(screen.queryByTestId('user-confirm')).not.toBeInTheDocument());
    expect(within(screen.getByTestId('user-row-Ana')).getByTestId('user-status')).toHaveTextContent('Enabled');
  });

  it('says why the users cannot be listed, and tries again', async () => {
    commands.listUsers.mockRejectedValue({ code: 'internal', message: 'The settings database is locked.' });
    const { user } = renderApp();
    await openTab(user, 'users');
    const error = await screen.findByTestId('load-error');
    expect(error).toHaveTextContent('The settings database is locked.');
    commands.listUsers.mockImplementation(users.listUsers);
    await user.click(within(error).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('users-table')).toBeInTheDocument();
  });
});
