// The destination dialog's "Additional application users": picking more credentials, by mouse
// and keyboard, and the backend's messages about them, against a mocked backend.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionReport, credential, destination, expiry } from '../test/fixtures';
import { commands, resetCommands } from '../test/ipcMock';
import { clickRowAction, renderApp } from '../test/render';
import { EXTRA_CREDENTIALS_ID } from './AdditionalUsers';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

const second = credential({ id: 'cred_2', name: 'Bulk app 2', clientId: '22222222-2222-2222-2222-222222222222' });
const third = credential({ id: 'cred_3', name: 'Bulk app 3', clientId: '33333333-3333-3333-3333-333333333333' });

beforeEach(() => {
  resetCommands();
  commands.listDestinations.mockResolvedValue([destination()]);
  commands.listCredentials.mockResolvedValue([credential(), second, third]);
});

function el(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is not on screen`);
  return found;
}

/** The checkbox offering credential `id` as an additional user. */
function box(id: string): HTMLInputElement {
  return el(`dest-extra-credential-${id}`) as HTMLInputElement;
}

async function openEditDialog(user: ReturnType<typeof renderApp>['user']) {
  await clickRowAction(user, 'destination-edit');
  await screen.findByTestId('destination-dialog');
  await waitFor(() => expect(el('dest-credential')).toHaveValue('cred_1'));
  await screen.findByTestId('extra-credentials');
  await waitFor(() => expect(box('cred_2')).toBeInTheDocument());
}

describe('Additional application users', () => {
  it('offers the other credentials, not the main one, and says why they help', async () => {
    const { user } = renderApp();
    await openEditDialog(user);

    const group = el(EXTRA_CREDENTIALS_ID);
    expect(group).toHaveAttribute('role', 'group');
    expect(el(group.getAttribute('aria-labelledby') ?? ''), 'the group is named by its heading').toHaveTextContent(
      'Additional application users',
    );
    expect(within(group).queryByLabelText(/Contoso app/), 'the main credential is the first user already').toBeNull();
    expect(within(group).getByLabelText(/Bulk app 2 — client ID 22222222/)).toBeInTheDocument();
    const help = (group.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
    expect(help, 'one line of help, read with the group').toMatch(/own client ID.*own application user in Dynamics/);
  });

  it('saves the credentials ticked by mouse and by keyboard, in the order ticked', async () => {
    commands.updateDestination.mockResolvedValue(destination());
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(box('cred_3'));
    box('cred_2').focus();
    await user.keyboard(' ');
    expect(box('cred_2'), 'Space ticks the focused credential').toBeChecked();
    await user.click(screen.getByTestId('destination-save'));

    await waitFor(() =>
      expect(commands.updateDestination).toHaveBeenCalledWith(
        'dest_1',
        expect.objectContaining({ credentialId: 'cred_1', extraCredentials: ['cred_3', 'cred_2'] }),
      ),
    );
  });

  it('shows the ones a destination already lists, and unticking one removes it', async () => {
    commands.listDestinations.mockResolvedValue([destination({ extraCredentials: [{ id: 'cred_2', name: 'Bulk app 2' }] })]);
    commands.updateDestination.mockResolvedValue(destination());
    const { user } = renderApp();
    await openEditDialog(user);

    expect(box('cred_2')).toBeChecked();
    expect(box('cred_3')).not.toBeChecked();
    await user.click(box('cred_2'));
    await user.click(screen.getByTestId('destination-save'));
    await waitFor(() =>
      expect(commands.updateDestination).toHaveBeenCalledWith('dest_1', expect.objectContaining({ extraCredentials: [] })),
    );
  });

  it('drops a ticked credential when it becomes the main one', async () => {
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(box('cred_2'));
    await user.selectOptions(el('dest-credential'), 'cred_2');

    expect(document.getElementById('dest-extra-credential-cred_2'), 'the main one is no longer offered').toBeNull();
    expect(box('cred_1'), 'the old main credential is offered instead').not.toBeChecked();
    await waitFor(() =>
      expect(commands.checkDestination).toHaveBeenLastCalledWith(
        expect.objectContaining({ credentialId: 'cred_2', extraCredentials: [] }),
        'dest_1',
      ),
    );
  });

  it('does not offer an expired credential', async () => {
    commands.listCredentials.mockResolvedValue([
      credential(),
      credential({ id: 'cred_old', name: 'Old app', expiry: expiry(-2, '2026-11-25') }),
    ]);
    const { user } = renderApp();
    await clickRowAction(user, 'destination-edit');
    await screen.findByTestId('destination-dialog');
    await waitFor(() => expect(box('cred_old')).toBeDisabled());
    expect(box('cred_old').closest('.fui-Checkbox')).toHaveTextContent('(expired)');
  });

  it('says what to do when there is no other credential', async () => {
    commands.listCredentials.mockResolvedValue([credential()]);
    const { user } = renderApp();
    await clickRowAction(user, 'destination-edit');
    await screen.findByTestId('destination-dialog');

    expect(await screen.findByTestId('extra-credentials-empty')).toHaveTextContent(
      'Register another app in Azure, add it with “New credential” above, then tick it here.',
    );
  });

  it('shows a refused save’s message under the section and focuses the group', async () => {
    const message =
      '"Bulk app 2" has the same client ID as "Contoso app". Dynamics has one application user per client ID.';
    commands.updateDestination.mockRejectedValue({
      code: 'validation',
      message,
      fields: [{ field: 'extraCredentials', message }],
    });
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(box('cred_2'));
    await user.click(screen.getByTestId('destination-save'));

    expect(await screen.findByTestId('error-extraCredentials')).toHaveTextContent('one application user per client ID');
    const group = el(EXTRA_CREDENTIALS_ID);
    expect(group).toHaveAttribute('aria-invalid', 'true');
    expect(group.getAttribute('aria-describedby')).toContain('dest-extra-credentials-error');
    await waitFor(() => expect(document.activeElement, 'focus goes to the field to fix').toBe(group));
  });

  it('shows the live check’s message once focus leaves the group', async () => {
    commands.checkDestination.mockImplementation((form) =>
      Promise.resolve({
        fields: form.extraCredentials.includes('cred_3')
          ? [{ field: 'extraCredentials', message: 'The secret of "Bulk app 3" expired on 25 November 2026.' }]
          : [],
        dynamicsUrl: null,
      }),
    );
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(box('cred_3'));
    await waitFor(() =>
      expect(commands.checkDestination).toHaveBeenLastCalledWith(expect.objectContaining({ extraCredentials: ['cred_3'] }), 'dest_1'),
    );
    expect(screen.queryByTestId('error-extraCredentials'), 'not while the user is still choosing').toBeNull();
    await user.click(el('dest-tenant'));
    expect(await screen.findByTestId('error-extraCredentials')).toHaveTextContent('Bulk app 3');
  });

  it('reports every application user a connection test signed in as', async () => {
    commands.listDestinations.mockResolvedValue([destination({ extraCredentials: [{ id: 'cred_2', name: 'Bulk app 2' }] })]);
    commands.testConnectionInput.mockResolvedValue(
      connectionReport({
        additionalUsers: [{ credential: { id: 'cred_2', name: 'Bulk app 2' }, userId: '7a7a7a7a-0000-0000-0000-000000000002' }],
      }),
    );
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(within(result).getByTestId('connection-summary')).toHaveTextContent('So did the additional application user.');
    await user.click(within(result).getByTestId('connection-details-toggle'));
    expect(within(result).getByTestId('connection-details')).toHaveTextContent('Application user ID (Bulk app 2)');
  });
});
