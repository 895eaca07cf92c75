// The start-up banners: keychain trouble and expiring secrets.
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDate } from '../lib/format';
import { expiry } from '../test/fixtures';
import { commands, healthyStatus, resetCommands } from '../test/ipcMock';
import { renderApp } from '../test/render';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

beforeEach(resetCommands);

describe('Start-up banners', () => {
  it('shows no banner when the keychain works and nothing expires soon', async () => {
    renderApp();
    await screen.findByTestId('destinations-empty');
    expect(screen.queryByTestId('keychain-banner')).not.toBeInTheDocument();
    expect(screen.queryByTestId('expiring-banner')).not.toBeInTheDocument();
    expect(screen.queryByTestId('data-folder-banner')).not.toBeInTheDocument();
  });

  it('shows the keychain’s own message when it is unavailable', async () => {
    const message = 'No Secret Service provider is running, so Ferry cannot store client secrets.';
    commands.appStatus.mockResolvedValue({ ...healthyStatus, keychain: { available: false, message } });
    renderApp();
    expect(await screen.findByTestId('keychain-banner')).toHaveTextContent(message);
  });

  it('says when the settings cannot be changed, naming the file and the fix', async () => {
    const notice =
      'The settings database /data/ferry.sqlite3 is damaged. Run `ferry data-folder restore`.';
    commands.appStatus.mockResolvedValue({ ...healthyStatus, dataFolderNotice: notice });
    renderApp();
    expect(await screen.findByTestId('data-folder-banner')).toHaveTextContent(notice);
  });

  it('names every expiring credential, its destinations and the fix, and opens the Credentials tab', async () => {
    commands.appStatus.mockResolvedValue({
      ...healthyStatus,
      expiring: [
        { id: 'c1', name: 'Contoso app', expiry: expiry(-3, '2026-11-24'), usedBy: [{ id: 'd1', name: 'Sales EU' }] },
        {
          id: 'c2',
          name: 'Fabrikam app',
          expiry: expiry(5, '2026-12-02'),
          usedBy: [
            { id: 'd2', name: 'Service US' },
            { id: 'd3', name: 'Marketing' },
          ],
        },
      ],
    });
    const { user } = renderApp();

    const banner = await screen.findByTestId('expiring-banner');
    const items = within(banner).getAllByTestId('expiring-credential');
    // Each date as the user's locale writes it.
    expect(items[0]).toHaveTextContent(`Contoso app: Expired 3 days ago (${formatDate('2026-11-24')}), used by Sales EU.`);
    expect(items[1]).toHaveTextContent(
      `Fabrikam app: Expires in 5 days (${formatDate('2026-12-02')}), used by Service US and Marketing.`,
    );
    expect(banner).toHaveTextContent('App registrations → Certificates & secrets');
    expect(banner).toHaveTextContent('Rotate secret');
    // An expired secret makes the whole notice an error, not a warning.
    expect(banner).toHaveAttribute('data-intent', 'error');

    await user.click(within(banner).getByTestId('open-credentials'));
    expect(screen.getByTestId('tab-credentials')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('credentials-empty')).toBeInTheDocument();
  });

  it('can be dismissed', async () => {
    commands.appStatus.mockResolvedValue({
      ...healthyStatus,
      expiring: [{ id: 'c1', name: 'Contoso app', expiry: expiry(20, '2026-12-17'), usedBy: [] }],
    });
    const { user } = renderApp();

    const banner = await screen.findByTestId('expiring-banner');
    expect(banner).toHaveTextContent('not used by any destination');
    await user.click(within(banner).getByRole('button', { name: 'Dismiss the expiry notice' }));
    expect(screen.queryByTestId('expiring-banner')).not.toBeInTheDocument();
  });
});
