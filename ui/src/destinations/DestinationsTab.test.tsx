// Destinations tab and destination dialog, against a mocked backend.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { credential, destination, expiry } from '../test/fixtures';
import { commands, resetCommands } from '../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../test/render';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

beforeEach(resetCommands);

function input(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) {
    throw new Error(`#${id} is not a form control`);
  }
  return el as HTMLInputElement;
}

/** The text of the elements an input's aria-describedby points at. */
function descriptionOf(el: HTMLElement): string {
  return (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

async function openAddDialog(user: ReturnType<typeof renderApp>['user']) {
  await user.click(await screen.findByTestId('add-destination'));
  return screen.findByTestId('destination-dialog');
}

describe('Destinations tab', () => {
  it('explains what a destination needs when there are none, and Add destination opens the dialog', async () => {
    const { user } = renderApp();

    const empty = await screen.findByTestId('destinations-empty');
    expect(empty).toHaveTextContent(/client ID/i);
    expect(empty).toHaveTextContent(/tenant/i);
    expect(empty).toHaveTextContent('https://contoso.crm.dynamics.com');

    const dialog = await openAddDialog(user);
    expect(within(dialog).getByText('Add destination')).toBeInTheDocument();
    expect(input('dest-name')).toHaveValue('');
    // The only plugin there is starts chosen, and the credential can be picked at once.
    expect(input('dest-plugin')).toHaveValue('Microsoft Dynamics 365');
    expect(input('dest-credential')).toBeEnabled();
  });

  it('lists destinations with their credential, cloud, audience and expiry', async () => {
    commands.listDestinations.mockResolvedValue([
      destination({ restrictedPii: true, credential: { id: 'cred_1', name: 'Contoso app', expiry: expiry(-3, '2026-11-24') } }),
    ]);
    renderApp();

    const row = await screen.findByTestId('destination-row');
    expect(row).toHaveAttribute('data-name', 'Sales EU');
    expect(row).toHaveTextContent('Contoso app');
    expect(row).toHaveTextContent('Microsoft commercial cloud, Europe');
    expect(row).toHaveTextContent('Business users');
    expect(row).toHaveTextContent('+ restricted PII');
    expect(within(row).getByTestId('expiry-badge')).toHaveTextContent('Expired');
    expect(within(row).getByTestId('destination-test')).toHaveAccessibleName('Test connection to Sales EU');
    expect(within(row).getByTestId('destination-more')).toHaveAccessibleName('More actions for Sales EU');
  });

  it('offers Microsoft Dynamics 365 when the user types "micro" in the plugin box', async () => {
    const { user } = renderApp();
    await openAddDialog(user);

    await user.type(input('dest-plugin'), 'micro');
    const option = await screen.findByTestId('plugin-option-microsoft-dynamics');
    expect(option).toHaveTextContent('Microsoft Dynamics 365');

    await user.click(option);
    expect(input('dest-plugin')).toHaveValue('Microsoft Dynamics 365');
    // Choosing the plugin unlocks its credentials and picks its default Web API version.
    expect(input('dest-credential')).toBeEnabled();
    expect(input('dest-api-version')).toHaveValue('9.2');
  });

  it('hides plugins that do not match what is typed', async () => {
    const { user } = renderApp();
    await openAddDialog(user);

    await fill(user, input('dest-plugin'), 'salesforce');
    expect(screen.queryByTestId('plugin-option-microsoft-dynamics')).not.toBeInTheDocument();
  });

  it('shows a refused save’s field messages under the inputs they name', async () => {
    commands.createDestination.mockRejectedValue({
      code: 'validation',
      message: 'Two fields need fixing.',
      fields: [
        { field: 'dynamicsUrl', message: 'Use https:// for a Dynamics address.' },
        { field: 'tenantId', message: 'The tenant ID is a GUID or a domain.' },
      ],
    });
    const { user } = renderApp();
    await openAddDialog(user);

    await user.click(screen.getByTestId('destination-save'));

    const urlError = await screen.findByTestId('error-dynamicsUrl');
    expect(urlError).toHaveTextContent('Use https:// for a Dynamics address.');
    expect(input('dest-url')).toHaveAttribute('aria-invalid', 'true');
    expect(descriptionOf(input('dest-url'))).toContain('Use https:// for a Dynamics address.');
    expect(descriptionOf(input('dest-tenant'))).toContain('The tenant ID is a GUID or a domain.');
    // A message lands only on its own field.
    expect(descriptionOf(input('dest-name'))).not.toContain('https://');
    expect(screen.queryByTestId('error-name')).not.toBeInTheDocument();
  });

  it('shows a live check message only once the user has left that field with a value', async () => {
    commands.checkDestination.mockImplementation((form) =>
      Promise.resolve({
        fields: form.name === 'cred_x' ? [{ field: 'name', message: 'Names shaped like record ids are refused.' }] : [],
        dynamicsUrl: null,
      }),
    );
    const { user } = renderApp();
    await openAddDialog(user);

    await fill(user, input('dest-name'), 'cred_x');
    await waitFor(() => expect(commands.checkDestination).toHaveBeenCalledWith(expect.objectContaining({ name: 'cred_x' }), undefined));
    expect(screen.queryByTestId('error-name')).not.toBeInTheDocument();

    // Moving on by clicking: jsdom has no layout, so the dialog's focus trap cannot compute a Tab order.
    await user.click(input('dest-description'));

    expect(await screen.findByTestId('error-name')).toHaveTextContent('Names shaped like record ids are refused.');
  });

  it('says which cloud a recognised Dynamics URL belongs to and where it signs in', async () => {
    commands.checkDestination.mockImplementation((form) =>
      Promise.resolve({
        fields: [],
        dynamicsUrl: form.dynamicsUrl
          ? {
              normalized: 'https://contoso.crm4.dynamics.com',
              cloud: 'commercial',
              cloudLabel: 'Microsoft commercial cloud',
              region: 'Europe',
              authorityHost: 'login.microsoftonline.com',
            }
          : null,
      }),
    );
    const { user } = renderApp();
    await openAddDialog(user);

    await fill(user, input('dest-url'), 'https://contoso.crm4.dynamics.com');

    const hint = await screen.findByTestId('url-recognised');
    expect(hint).toHaveTextContent('Microsoft commercial cloud, Europe');
    expect(hint).toHaveTextContent('login.microsoftonline.com');
  });

  it('saves a new destination with a chosen credential, then closes and refreshes the list', async () => {
    commands.listCredentials.mockResolvedValue([
      credential(),
      credential({ id: 'cred_old', name: 'Old app', expiry: expiry(-2, '2026-11-25') }),
    ]);
    commands.createDestination.mockResolvedValue(destination());
    const { user } = renderApp();
    await openAddDialog(user);

    await fill(user, input('dest-name'), 'Sales EU');
    await user.type(input('dest-plugin'), 'micro');
    await user.click(await screen.findByTestId('plugin-option-microsoft-dynamics'));
    const expired = within(input('dest-credential')).getByRole('option', { name: /Old app/ });
    expect(expired).toBeDisabled();
    expect(expired).toHaveTextContent('(expired)');
    await user.selectOptions(input('dest-credential'), 'cred_1');
    await fill(user, input('dest-tenant'), 'contoso.onmicrosoft.com');
    await fill(user, input('dest-url'), 'https://contoso.crm4.dynamics.com');
    await user.click(input('dest-business-users'));
    commands.listDestinations.mockResolvedValue([destination()]);
    await user.click(screen.getByTestId('destination-save'));

    await waitFor(() => expect(screen.queryByTestId('destination-dialog')).not.toBeInTheDocument());
    expect(commands.createDestination).toHaveBeenCalledWith({
      name: 'Sales EU',
      description: '',
      plugin: 'microsoft-dynamics',
      credentialId: 'cred_1',
      tenantId: 'contoso.onmicrosoft.com',
      dynamicsUrl: 'https://contoso.crm4.dynamics.com',
      apiVersion: '9.2',
      businessUsers: true,
      restrictedPii: false,
      extraCredentials: [],
    });
    expect(await screen.findByText('Destination saved')).toBeInTheDocument();
    expect(await screen.findByTestId('destination-row')).toHaveAttribute('data-name', 'Sales EU');
  });

  it('edits a destination with its own id excluded from the name check', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    commands.listCredentials.mockResolvedValue([credential()]);
    const { user } = renderApp();

    await clickRowAction(user, 'destination-edit');
    await screen.findByTestId('destination-dialog');

    expect(input('dest-name')).toHaveValue('Sales EU');
    expect(input('dest-plugin')).toHaveValue('Microsoft Dynamics 365');
    expect(input('dest-url')).toHaveValue('https://contoso.crm4.dynamics.com');
    await waitFor(() => expect(input('dest-credential')).toHaveValue('cred_1'));
    await waitFor(() =>
      expect(commands.checkDestination).toHaveBeenCalledWith(expect.objectContaining({ name: 'Sales EU' }), 'dest_1'),
    );
  });

  it('creates a credential from inside the destination dialog and selects it', async () => {
    const created = credential({ id: 'cred_new', name: 'Fresh app' });
    commands.createCredential.mockImplementation(() => {
      commands.listCredentials.mockResolvedValue([created]);
      return Promise.resolve(created);
    });
    const { user } = renderApp();
    await openAddDialog(user);
    await user.type(input('dest-plugin'), 'micro');
    await user.click(await screen.findByTestId('plugin-option-microsoft-dynamics'));

    await user.selectOptions(input('dest-credential'), '__new__');
    const credDialog = await screen.findByTestId('credential-dialog');
    expect(input('cred-secret')).toHaveAttribute('type', 'password');
    await fill(user, input('cred-name'), 'Fresh app');
    await fill(user, input('cred-client-id'), created.clientId);
    await fill(user, input('cred-secret'), 's3cr3t~value');
    await user.click(within(credDialog).getByTestId('credential-save'));

    await waitFor(() => expect(screen.queryByTestId('credential-dialog')).not.toBeInTheDocument());
    expect(commands.createCredential).toHaveBeenCalledWith({
      name: 'Fresh app',
      description: '',
      plugin: 'microsoft-dynamics',
      clientId: created.clientId,
      clientSecret: 's3cr3t~value',
      expiry: { kind: 'years', years: 1 },
    });
    expect(input('dest-credential')).toHaveValue('cred_new');
    expect(screen.getByTestId('destination-dialog')).toBeInTheDocument();
  });

  it('asks before deleting a destination, names it, and says the credential stays', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    commands.deleteDestination.mockResolvedValue(null);
    const { user } = renderApp();

    await clickRowAction(user, 'destination-delete');
    const confirm = await screen.findByTestId('confirm-dialog');
    expect(confirm).toHaveTextContent('Sales EU');
    expect(confirm).toHaveTextContent(/credential “Contoso app” stays/);

    commands.listDestinations.mockResolvedValue([]);
    await user.click(screen.getByTestId('confirm-delete'));

    expect(commands.deleteDestination).toHaveBeenCalledWith('dest_1');
    expect(await screen.findByTestId('destinations-empty')).toBeInTheDocument();
  });
});
