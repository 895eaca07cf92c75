// Connection tests: from the destination dialog, after a save, and from a row of the Destinations table.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionReport } from '../api/types';
import { connectionReport, credential, destination, tableList } from '../test/fixtures';
import { commands, resetCommands } from '../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../test/render';
import { ConnectionNotice, type NoticeState } from './ConnectionNotice';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

beforeEach(() => {
  resetCommands();
  commands.listDestinations.mockResolvedValue([destination()]);
  commands.listCredentials.mockResolvedValue([credential()]);
});

function input(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is not on screen`);
  return el as HTMLInputElement;
}

/** Opens the edit dialog of the one listed destination, whose settings are all filled in. */
async function openEditDialog(user: ReturnType<typeof renderApp>['user']) {
  await clickRowAction(user, 'destination-edit');
  const dialog = await screen.findByTestId('destination-dialog');
  await waitFor(() => expect(input('dest-credential')).toHaveValue('cred_1'));
  return dialog;
}

/** A promise the test settles when it chooses, to look at the UI while a command runs. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Test connection in the destination dialog', () => {
  it('is disabled until the plugin, credential, tenant and URL are filled in', async () => {
    commands.listDestinations.mockResolvedValue([]);
    const { user } = renderApp();
    await user.click(await screen.findByTestId('add-destination'));
    await screen.findByTestId('destination-dialog');

    expect(screen.getByTestId('test-connection')).toBeDisabled();
    await user.type(input('dest-plugin'), 'micro');
    await user.click(await screen.findByTestId('plugin-option-microsoft-dynamics'));
    await waitFor(() => expect(within(input('dest-credential')).getByRole('option', { name: /Contoso app/ })).toBeInTheDocument());
    await user.selectOptions(input('dest-credential'), 'cred_1');
    await fill(user, input('dest-tenant'), 'contoso.onmicrosoft.com');
    expect(screen.getByTestId('test-connection')).toBeDisabled();
    await fill(user, input('dest-url'), 'https://contoso.crm4.dynamics.com');
    expect(screen.getByTestId('test-connection')).toBeEnabled();
  });

  it('leads a success with the organisation’s name and what to do next, with the ids behind a toggle', async () => {
    const answer = deferred<ConnectionReport>();
    commands.testConnectionInput.mockReturnValue(answer.promise);
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    expect(screen.getByTestId('test-connection')).toHaveTextContent('Testing…');
    expect(commands.testConnectionInput).toHaveBeenCalledWith(
      expect.objectContaining({ credentialId: 'cred_1', dynamicsUrl: 'https://contoso.crm4.dynamics.com' }),
      'dest_1',
    );
    answer.resolve(connectionReport());

    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveAttribute('data-outcome', 'ok');
    const summary = within(result).getByTestId('connection-summary');
    expect(summary.textContent, 'the organisation’s name comes first').toMatch(/^Contoso Sales \(contoso\.crm4\.dynamics\.com\)/);
    expect(result, 'unsaved settings: save, then browse').toHaveTextContent('Save the destination, then browse its tables');
    expect(result, 'no ids until asked for').not.toHaveTextContent('0a1b2c3d-1111-2222-3333-444455556666');

    const toggle = within(result).getByRole('button', { name: 'Show ids and details' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const details = within(result).getByTestId('connection-details');
    expect(details).toHaveTextContent('Organisation ID0a1b2c3d-1111-2222-3333-444455556666');
    expect(details).toHaveTextContent('Application user ID9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff');
    expect(details).toHaveTextContent('Parallel requests advised4');
    expect(screen.getByTestId('test-connection')).toHaveTextContent('Test connection');
  });

  it('names the host when the organisation gave no name, and leaves out parallelism Dynamics did not advise', async () => {
    commands.testConnectionInput.mockResolvedValue(connectionReport({ dopHint: 0, organizationName: null }));
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(within(result).getByTestId('connection-summary')).toHaveTextContent(
      'contoso.crm4.dynamics.com accepted Ferry’s sign-in in 412 ms.',
    );
    await user.click(within(result).getByRole('button', { name: 'Show ids and details' }));
    expect(within(result).getByTestId('connection-details')).toHaveTextContent('0a1b2c3d-1111-2222-3333-444455556666');
    expect(result).not.toHaveTextContent('Parallel');
  });

  it('says a network failure once, even when it names the field it blames', async () => {
    const message = 'no-such-org.crm4.dynamics.com does not exist. Check the Dynamics URL (organisation name and region).';
    commands.testConnectionInput.mockRejectedValue({ code: 'network', message, fields: [{ field: 'dynamicsUrl', message }] });
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveTextContent('Could not connect');
    expect(result.textContent?.split('does not exist').length, 'the message appears once').toBe(2);
  });

  it('says “Sign-in failed” with the backend’s message when the credential is refused', async () => {
    const message = 'Microsoft Entra ID refused the client secret of “Contoso app”. Rotate the secret on the Credentials tab.';
    commands.testConnectionInput.mockRejectedValue({ code: 'auth_failed', message });
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveAttribute('data-outcome', 'error');
    expect(result).toHaveTextContent('Sign-in failed');
    expect(result).toHaveTextContent(message);
  });

  it('titles a refusal by Dynamics after signing in as such', async () => {
    commands.testConnectionInput.mockRejectedValue({ code: 'forbidden', message: 'The application user has no security role.' });
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveTextContent('Signed in, but Dynamics refused access');
    expect(result).toHaveTextContent('The application user has no security role.');
  });

  it('puts a refused test’s field messages under the inputs they name, as a refused save does', async () => {
    commands.testConnectionInput.mockRejectedValue({
      code: 'validation',
      message: 'One field needs fixing.',
      fields: [{ field: 'dynamicsUrl', message: 'Use https:// for a Dynamics address.' }],
    });
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));

    expect(await screen.findByTestId('error-dynamicsUrl')).toHaveTextContent('Use https:// for a Dynamics address.');
    expect(input('dest-url')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByTestId('error-name')).not.toBeInTheDocument();
  });

  it('clears the result once the Dynamics URL changes', async () => {
    commands.testConnectionInput.mockResolvedValue(connectionReport());
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('test-connection'));
    expect(await screen.findByTestId('connection-result')).toBeInTheDocument();
    // The description is not a connection setting; the result stays.
    await fill(user, input('dest-description'), ' and more');
    expect(screen.getByTestId('connection-result')).toBeInTheDocument();

    await fill(user, input('dest-url'), '/');
    expect(screen.queryByTestId('connection-result')).not.toBeInTheDocument();
  });
});

describe('Test connection from the Destinations table', () => {
  it('offers the test after a save and shows its outcome', async () => {
    commands.updateDestination.mockResolvedValue(destination());
    commands.testConnection.mockResolvedValue(connectionReport());
    const { user } = renderApp();
    await openEditDialog(user);

    await user.click(screen.getByTestId('destination-save'));
    await waitFor(() => expect(screen.queryByTestId('destination-dialog')).not.toBeInTheDocument());
    const notice = await screen.findByTestId('saved-notice');
    expect(notice).toHaveTextContent('Destination saved');
    expect(commands.testConnection).not.toHaveBeenCalled();

    await user.click(within(notice).getByTestId('saved-test-connection'));

    expect(commands.testConnection).toHaveBeenCalledWith('dest_1');
    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveAttribute('data-outcome', 'ok');
    expect(result).toHaveTextContent('Sales EU: Connection works');
    expect(within(result).getByTestId('connection-summary')).toHaveTextContent('Contoso Sales');
    expect(result, 'saved: browsing its tables is next').toHaveTextContent('Next, browse its tables');
    // The pressed button stays in place (now “Test again”), so keyboard focus is not lost.
    expect(within(result).getByTestId('connection-retest')).toHaveFocus();
  });

  it('tests a listed destination from its row, shows progress on the row and names it in the result', async () => {
    const answer = deferred<ConnectionReport>();
    commands.testConnection.mockReturnValue(answer.promise);
    const { user } = renderApp();

    const row = await screen.findByTestId('destination-row');
    const button = within(row).getByTestId('destination-test');
    expect(button).toHaveAccessibleName('Test connection to Sales EU');
    await user.click(button);

    expect(commands.testConnection).toHaveBeenCalledWith('dest_1');
    expect(button).toHaveAttribute('data-testing', 'true');
    expect(await screen.findByTestId('connection-testing')).toHaveTextContent('Sales EU');
    answer.resolve(connectionReport());

    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveAttribute('data-outcome', 'ok');
    expect(result).toHaveTextContent('Sales EU: Connection works');
    expect(button).not.toHaveAttribute('data-testing');
  });

  it('opens the tested destination’s tables from the notice’s Browse tables', async () => {
    commands.testConnection.mockResolvedValue(connectionReport());
    commands.listTables.mockResolvedValue(tableList());
    const { user } = renderApp();

    await user.click(await screen.findByTestId('destination-test'));
    const result = await screen.findByTestId('connection-result');
    await user.click(within(result).getByTestId('connection-browse-tables'));

    const dialog = await screen.findByTestId('tables-dialog');
    expect(dialog).toHaveTextContent('Tables of Sales EU');
    expect(commands.listTables).toHaveBeenCalledWith('dest_1', false);
  });

  it('shows why a listed destination could not be reached', async () => {
    const message = 'contoso.crm4.dynamics.com did not answer within 30 seconds. Check the address and your network.';
    commands.testConnection.mockRejectedValue({ code: 'network', message });
    const { user } = renderApp();

    await user.click(await screen.findByTestId('destination-test'));

    const result = await screen.findByTestId('connection-result');
    expect(result).toHaveAttribute('data-outcome', 'error');
    expect(result).toHaveTextContent('Sales EU: Could not connect');
    expect(result).toHaveTextContent(message);

    await user.click(within(result).getByRole('button', { name: 'Dismiss the notice about Sales EU' }));
    expect(screen.queryByTestId('connection-result')).not.toBeInTheDocument();
  });
});

describe('The connection notice', () => {
  it('offers Browse tables as the next step after a successful test when it can open them', async () => {
    const onBrowseTables = vi.fn();
    const notice: NoticeState = {
      destinationId: 'dest_1',
      destinationName: 'Sales EU',
      saved: false,
      testing: false,
      outcome: { ok: true, report: connectionReport() },
    };
    const { user } = renderApp(
      <ConnectionNotice notice={notice} onTest={() => {}} onDismiss={() => {}} onBrowseTables={onBrowseTables} />,
    );
    const summary = screen.getByTestId('connection-summary');
    expect(summary.textContent, 'the organisation’s name leads').toMatch(/^Contoso Sales/);
    await user.click(screen.getByRole('button', { name: 'Browse tables' }));
    expect(onBrowseTables).toHaveBeenCalledTimes(1);
  });
});
