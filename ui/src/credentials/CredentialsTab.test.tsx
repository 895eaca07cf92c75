// Credentials tab and credential dialog, against a mocked backend.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { credential, expiry } from '../test/fixtures';
import { commands, resetCommands } from '../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../test/render';
import { CredentialsTab } from './CredentialsTab';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

beforeEach(resetCommands);

function byId(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is not on screen`);
  return el as HTMLInputElement;
}

describe('Credentials tab', () => {
  it('reaches the Credentials tab from the header', async () => {
    const { user } = renderApp(<App />);
    // The tabs appear once the backend has said who is acting (and so which tabs they may use).
    await user.click(await screen.findByTestId('tab-credentials'));
    expect(await screen.findByTestId('credentials-empty')).toBeInTheDocument();
    expect(screen.getByTestId('add-credential')).toBeInTheDocument();
  });

  it('shows each credential’s client ID, secret state, expiry and users', async () => {
    commands.listCredentials.mockResolvedValue([
      credential({ usedBy: [{ id: 'dest_1', name: 'Sales EU' }] }),
      credential({ id: 'cred_2', name: 'Spare app', secretStored: false, expiry: expiry(5, '2026-12-02') }),
      credential({ id: 'cred_3', name: 'Locked app', secretStored: null }),
    ]);
    renderApp(<CredentialsTab />);

    const rows = await screen.findAllByTestId('credential-row');
    // Sorted by name.
    expect(rows.map((r) => r.getAttribute('data-name'))).toEqual(['Contoso app', 'Locked app', 'Spare app']);
    expect(rows[0]).toHaveTextContent('11111111-2222-3333-4444-555555555555');
    expect(rows[0]).toHaveTextContent('Stored in keychain');
    expect(rows[0]).toHaveTextContent('Sales EU');
    const [, locked, spare] = rows;
    expect(spare).toHaveTextContent('Missing — rotate to add one');
    expect(spare).toHaveTextContent('Not used');
    expect(within(spare).getByTestId('expiry-badge')).toHaveAttribute('data-level', 'critical');
    expect(within(spare).getByTestId('expiry-badge')).toHaveTextContent('5 days left');
    expect(locked).toHaveTextContent('Keychain unavailable');
  });

  it('keeps the credential and shows the in_use refusal inside the delete confirmation', async () => {
    commands.listCredentials.mockResolvedValue([credential({ usedBy: [{ id: 'dest_1', name: 'Sales EU' }] })]);
    const refusal = 'The credential "Contoso app" is used by the destination Sales EU. Choose another credential for it or delete it, then try again.';
    commands.deleteCredential.mockRejectedValue({ code: 'in_use', message: refusal });
    const { user } = renderApp(<CredentialsTab />);

    await clickRowAction(user, 'credential-delete');
    const confirm = await screen.findByTestId('confirm-dialog');
    expect(confirm).toHaveTextContent('Contoso app');
    await user.click(within(confirm).getByTestId('confirm-delete'));

    expect(await within(confirm).findByTestId('delete-error')).toHaveTextContent(refusal);
    expect(commands.deleteCredential).toHaveBeenCalledWith('cred_1');
    // Nothing else to try from here: the dialog offers only to close.
    expect(within(confirm).queryByTestId('confirm-delete')).not.toBeInTheDocument();
    expect(screen.getByTestId('credential-row')).toHaveAttribute('data-name', 'Contoso app');
  });

  it('creates a credential with a write-only secret and the chosen expiry date', async () => {
    commands.createCredential.mockResolvedValue(credential());
    const { user, client } = renderApp(<CredentialsTab />);

    await user.click(await screen.findByTestId('add-credential'));
    const dialog = await screen.findByTestId('credential-dialog');
    expect(byId('cred-secret')).toHaveAttribute('type', 'password');
    expect(byId('cred-secret')).toHaveValue('');
    expect(within(dialog).getByTestId('expiry-1y')).toBeChecked();
    expect(document.getElementById('cred-expiry-date')).toBeNull();

    await fill(user, byId('cred-name'), 'Contoso app');
    await fill(user, byId('cred-client-id'), '11111111-2222-3333-4444-555555555555');
    await fill(user, byId('cred-secret'), 'abc~123');
    await user.click(within(dialog).getByTestId('expiry-date'));
    await fill(user, byId('cred-expiry-date'), '2027-06-30');
    await waitFor(() =>
      expect(commands.checkCredential).toHaveBeenCalledWith(expect.objectContaining({ clientSecret: 'abc~123' }), undefined),
    );
    // The live check sees the secret, but the query cache's keys never hold it.
    const cachedKeys = JSON.stringify(client.getQueryCache().getAll().map((q) => q.queryKey));
    expect(cachedKeys).toContain('credential');
    expect(cachedKeys).not.toContain('abc~123');
    await user.click(within(dialog).getByTestId('credential-save'));

    await waitFor(() => expect(screen.queryByTestId('credential-dialog')).not.toBeInTheDocument());
    expect(commands.createCredential).toHaveBeenCalledWith({
      name: 'Contoso app',
      description: '',
      plugin: 'microsoft-dynamics',
      clientId: '11111111-2222-3333-4444-555555555555',
      clientSecret: 'abc~123',
      expiry: { kind: 'date', date: '2027-06-30' },
    });
    expect(await screen.findByText('Credential saved')).toBeInTheDocument();
  });

  it('rotates a secret with only the new secret and its expiry', async () => {
    commands.listCredentials.mockResolvedValue([credential({ expiry: expiry(-1, '2026-11-26') })]);
    commands.rotateSecret.mockResolvedValue(credential());
    const { user } = renderApp(<CredentialsTab />);

    await user.click(await screen.findByTestId('credential-rotate'));
    const dialog = await screen.findByTestId('credential-dialog');
    expect(dialog).toHaveTextContent('Contoso app');
    expect(document.getElementById('cred-name')).toBeNull();
    expect(document.getElementById('cred-client-id')).toBeNull();

    await fill(user, byId('cred-secret'), 'new~secret');
    await user.click(within(dialog).getByTestId('expiry-2y'));
    await user.click(within(dialog).getByTestId('credential-save'));

    await waitFor(() =>
      expect(commands.rotateSecret).toHaveBeenCalledWith('cred_1', {
        clientSecret: 'new~secret',
        expiry: { kind: 'years', years: 2 },
      }),
    );
    expect(await screen.findByText('Secret rotated')).toBeInTheDocument();
  });

  it('shows a keychain_unavailable refusal as an error in the credential dialog and keeps it open', async () => {
    const message = 'The system keychain is locked. Unlock it and try again.';
    commands.createCredential.mockRejectedValue({ code: 'keychain_unavailable', message });
    const { user } = renderApp(<CredentialsTab />);

    await user.click(await screen.findByTestId('add-credential'));
    const dialog = await screen.findByTestId('credential-dialog');
    await fill(user, byId('cred-secret'), 'abc~123');
    await user.click(within(dialog).getByTestId('credential-save'));

    expect(await within(dialog).findByTestId('credential-error')).toHaveTextContent(message);
    expect(screen.getByTestId('credential-dialog')).toBeInTheDocument();
  });

  it('puts a refused credential’s field messages under client ID and secret', async () => {
    commands.createCredential.mockRejectedValue({
      code: 'validation',
      message: 'Fix two fields.',
      fields: [
        { field: 'clientId', message: 'The client ID is a GUID.' },
        { field: 'clientSecret', message: 'Enter the client secret’s value.' },
      ],
    });
    const { user } = renderApp(<CredentialsTab />);

    await user.click(await screen.findByTestId('add-credential'));
    await user.click(within(await screen.findByTestId('credential-dialog')).getByTestId('credential-save'));

    expect(await screen.findByTestId('error-clientId')).toHaveTextContent('The client ID is a GUID.');
    expect(screen.getByTestId('error-clientSecret')).toHaveTextContent('Enter the client secret’s value.');
    expect(byId('cred-client-id')).toHaveAttribute('aria-invalid', 'true');
  });

  it('edits a credential without asking for its secret, checking the name against the others only', async () => {
    commands.listCredentials.mockResolvedValue([credential()]);
    commands.updateCredential.mockResolvedValue(credential({ name: 'Contoso prod' }));
    const { user } = renderApp(<CredentialsTab />);

    await clickRowAction(user, 'credential-edit');
    const dialog = await screen.findByTestId('credential-dialog');
    expect(byId('cred-name')).toHaveValue('Contoso app');
    expect(document.getElementById('cred-secret')).toBeNull();

    await user.clear(byId('cred-name'));
    await fill(user, byId('cred-name'), 'Contoso prod');
    await user.click(within(dialog).getByTestId('credential-save'));

    await waitFor(() =>
      expect(commands.updateCredential).toHaveBeenCalledWith('cred_1', {
        name: 'Contoso prod',
        description: 'Production app registration',
        clientId: '11111111-2222-3333-4444-555555555555',
        expiry: null,
      }),
    );
    expect(commands.checkCredential).toHaveBeenCalledWith(expect.objectContaining({ name: 'Contoso app' }), 'cred_1');
  });
});
