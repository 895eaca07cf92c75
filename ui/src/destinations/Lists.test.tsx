// The list screens as patterns: search, sort, shortened text, the status display, labelled row
// actions and the first steps (with the local sandbox offer), against a mocked backend.
import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionCheck, GettingStarted } from '../api/types';
import { StatusDisplay } from '../components/StatusDisplay';
import { Truncate } from '../components/Truncate';
import { CredentialsTab } from '../credentials/CredentialsTab';
import { credential, destination } from '../test/fixtures';
import { commands, freshStart, resetCommands } from '../test/ipcMock';
import { fill, renderApp } from '../test/render';
import { DestinationsTab } from './DestinationsTab';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

beforeEach(resetCommands);
afterEach(() => vi.restoreAllMocks());

const now = () => Math.floor(Date.now() / 1000);

function failed(over: Partial<ConnectionCheck> = {}): ConnectionCheck {
  return {
    checkedAt: now() - 120,
    ok: false,
    code: 'auth_failed',
    message: 'Entra ID refused the client secret of “Contoso app” (AADSTS7000215): rotate the secret.',
    ...over,
  };
}

/** The tooltip showing `text` (other tooltips, such as descriptions, may be in the page too). */
async function tooltipWith(text: string | RegExp) {
  let found: HTMLElement | undefined;
  await waitFor(() => {
    found = screen.getAllByRole('tooltip').find((t) => (typeof text === 'string' ? t.textContent?.includes(text) : text.test(t.textContent ?? '')));
    expect(found, `a tooltip shows ${String(text)}`).toBeDefined();
  });
  return found as HTMLElement;
}

const names = () => screen.getAllByTestId('destination-row').map((r) => r.getAttribute('data-name'));

/** Makes every shortened text report that it is cut (jsdom has no layout). */
function pretendClipped(clipped: boolean) {
  vi.spyOn(HTMLElement.prototype, 'scrollWidth', 'get').mockReturnValue(clipped ? 500 : 100);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(100);
}

const three = [
  destination({ id: 'd1', name: 'Sales EU', description: 'Contacts for Europe', dynamicsUrl: 'https://contoso.crm4.dynamics.com' }),
  destination({
    id: 'd2',
    name: 'Marketing US',
    description: 'Campaign lists',
    dynamicsUrl: 'https://fabrikam.crm.dynamics.com',
    lastCheck: failed(),
  }),
  destination({
    id: 'd3',
    name: 'Übersee',
    description: 'Overseas partners',
    dynamicsUrl: 'https://northwind.crm5.dynamics.com',
    lastCheck: { checkedAt: now() - 3600, ok: true, code: null, message: 'Signed in and reached Dynamics in 412 ms.' },
  }),
];

describe('Searching and sorting the lists', () => {
  it('finds destinations by any word of their name, description or URL, ignoring case and accents', async () => {
    commands.listDestinations.mockResolvedValue(three);
    const { user } = renderApp(<DestinationsTab />);
    await screen.findAllByTestId('destination-row');
    const search = screen.getByTestId('destinations-search');

    await fill(user, search, 'fabrikam');
    expect(names(), 'the URL is searched').toEqual(['Marketing US']);

    await user.clear(search);
    await fill(user, search, 'uber');
    expect(names(), 'accents and case do not matter').toEqual(['Übersee']);

    await user.clear(search);
    await fill(user, search, 'europe contacts');
    expect(names(), 'every word must match, in any field order').toEqual(['Sales EU']);
    expect(screen.getByTestId('destinations-search-count'), 'says how many are shown').toHaveTextContent('1 of 3 shown');
  });

  it('says what to do when a search matches nothing, and Clear the search brings every row back', async () => {
    commands.listDestinations.mockResolvedValue(three);
    const { user } = renderApp(<DestinationsTab />);
    await screen.findAllByTestId('destination-row');

    await fill(user, screen.getByTestId('destinations-search'), 'zanzibar');
    const none = await screen.findByTestId('no-matches');
    expect(none, 'names the search').toHaveTextContent('No destinations match “zanzibar”');
    expect(none, 'says what is searched and what to try').toHaveTextContent(/try fewer or shorter words/);
    expect(screen.queryByTestId('destinations-table'), 'no empty table is left behind').toBeNull();

    await user.click(screen.getByTestId('clear-search'));
    expect(names(), 'all rows are back').toHaveLength(3);
  });

  it('sorts by name both ways, and by last test with untested destinations last', async () => {
    commands.listDestinations.mockResolvedValue(three);
    const { user } = renderApp(<DestinationsTab />);
    await screen.findAllByTestId('destination-row');
    expect(names(), 'by name at first').toEqual(['Marketing US', 'Sales EU', 'Übersee']);
    expect(screen.getByTestId('sort-name').closest('th'), 'the heading says how it sorts').toHaveAttribute('aria-sort', 'ascending');

    await user.click(screen.getByTestId('sort-name'));
    expect(names(), 'then the other way').toEqual(['Übersee', 'Sales EU', 'Marketing US']);

    await user.click(screen.getByTestId('sort-lastTest'));
    expect(names(), 'oldest test first, never tested last').toEqual(['Übersee', 'Marketing US', 'Sales EU']);
    await user.click(screen.getByTestId('sort-lastTest'));
    expect(names(), 'newest test first, never tested still last').toEqual(['Marketing US', 'Übersee', 'Sales EU']);
  });

  it('finds credentials by client ID and sorts them by expiry', async () => {
    commands.listCredentials.mockResolvedValue([
      credential({ id: 'c1', name: 'Alpha app', clientId: 'aaaaaaaa-0000-0000-0000-000000000001', expiry: { expiresOn: '2027-11-27', daysLeft: 365, level: 'ok', summary: 'Expires in 365 days' } }),
      credential({ id: 'c2', name: 'Beta app', clientId: 'bbbbbbbb-0000-0000-0000-000000000002', expiry: { expiresOn: '2026-12-02', daysLeft: 5, level: 'critical', summary: 'Expires in 5 days' } }),
    ]);
    const { user } = renderApp(<CredentialsTab />);
    await screen.findAllByTestId('credential-row');
    const rows = () => screen.getAllByTestId('credential-row').map((r) => r.getAttribute('data-name'));

    await fill(user, screen.getByTestId('credentials-search'), 'bbbbbbbb');
    expect(rows(), 'the client ID is searched').toEqual(['Beta app']);
    await user.clear(screen.getByTestId('credentials-search'));

    await user.click(screen.getByTestId('sort-expires'));
    expect(rows(), 'soonest expiry first').toEqual(['Beta app', 'Alpha app']);
  });
});

describe('Shortened text', () => {
  const long = 'N'.repeat(100);

  it('keeps the whole text in the page and shows it on hover when it is cut', async () => {
    pretendClipped(true);
    commands.listDestinations.mockResolvedValue([destination({ name: long })]);
    const { user } = renderApp(<DestinationsTab />);
    const name = await screen.findByTestId('row-name');
    expect(name, 'the whole name is there for screen readers and search').toHaveTextContent(long);
    expect(name, 'it is shortened to one line').toHaveAttribute('data-truncate', '1');

    await user.hover(name);
    expect(await tooltipWith(long), 'the tooltip shows the whole name').toBeVisible();
  });

  it('clamps descriptions to two lines', async () => {
    commands.listDestinations.mockResolvedValue([destination({ description: 'word '.repeat(200) })]);
    renderApp(<DestinationsTab />);
    expect(await screen.findByTestId('row-description'), 'two lines at most').toHaveAttribute('data-truncate', '2');
  });

  it('shows no tooltip for a text that fits', async () => {
    pretendClipped(false);
    const { user } = renderApp(<Truncate text="Short" testId="t" />);
    await user.hover(screen.getByTestId('t'));
    // Fluent shows a tooltip after a short delay; give it longer than that.
    await act(() => new Promise((r) => setTimeout(r, 400)));
    expect(screen.queryAllByRole('tooltip').filter((t) => t.textContent === 'Short'), 'nothing to add').toEqual([]);
  });
});

describe('The status display', () => {
  it('shows each destination’s last test: what failed and when, with the whole message on hover', async () => {
    commands.listDestinations.mockResolvedValue(three);
    const { user } = renderApp(<DestinationsTab />);
    const rows = await screen.findAllByTestId('destination-row');
    const status = (name: string) =>
      within(rows.find((r) => r.getAttribute('data-name') === name) as HTMLElement).getByTestId('destination-status');

    expect(status('Marketing US'), 'a failure says what failed').toHaveTextContent('Sign-in failed');
    expect(status('Marketing US'), 'and when').toHaveTextContent(/2 minutes ago/);
    expect(status('Marketing US')).toHaveAttribute('data-tone', 'error');
    expect(status('Übersee'), 'a success says so').toHaveTextContent('Connected');
    expect(status('Übersee')).toHaveAttribute('data-tone', 'ok');
    expect(status('Sales EU'), 'an untested destination says so').toHaveTextContent('Not tested yet');

    await user.hover(status('Marketing US'));
    expect(await tooltipWith(/AADSTS7000215/), 'the whole message is one hover away').toBeVisible();
  });

  it('is reachable by keyboard when it has a message to show', () => {
    renderApp(<StatusDisplay status={{ tone: 'error', label: 'Not reachable', at: now(), detail: 'No route to host.' }} testId="s" />);
    expect(screen.getByTestId('s'), 'focusable').toHaveAttribute('tabindex', '0');
    expect(screen.getByTestId('s'), 'its name carries the message').toHaveAccessibleName(/Not reachable.*No route to host/);
  });

  it('reads the list again after a test, so the row shows the kept result', async () => {
    commands.listDestinations.mockResolvedValueOnce([destination()]).mockResolvedValue([destination({ lastCheck: failed({ code: 'network', message: 'No answer.' }) })]);
    commands.testConnection.mockRejectedValue({ code: 'network', message: 'No answer.' });
    const { user } = renderApp(<DestinationsTab />);
    expect(await screen.findByTestId('destination-status')).toHaveTextContent('Not tested yet');

    await user.click(screen.getByTestId('destination-test'));
    await waitFor(() => expect(screen.getByTestId('destination-status'), 'the kept failure').toHaveTextContent('Not reachable'));
  });
});

describe('Row actions', () => {
  it('are named: Test connection on the row, Browse tables, Add data template, Edit and Delete in its menu', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    const { user } = renderApp(<DestinationsTab />);
    const test = await screen.findByTestId('destination-test');
    expect(test, 'the button shows its name').toHaveTextContent('Test connection');

    await user.click(screen.getByTestId('destination-more'));
    const items = await screen.findAllByRole('menuitem');
    expect(items.map((i) => i.textContent), 'each item shows its name').toEqual(['Browse tables', 'Add data template', 'Edit', 'Delete']);
  });

  it('are the same on Credentials: Rotate secret on the row, Edit and Delete in its menu', async () => {
    commands.listCredentials.mockResolvedValue([credential()]);
    const { user } = renderApp(<CredentialsTab />);
    expect(await screen.findByTestId('credential-rotate')).toHaveTextContent('Rotate secret');
    await user.click(screen.getByTestId('credential-more'));
    const items = await screen.findAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Edit', 'Delete']);
  });
});

describe('Getting started', () => {
  const steps = (over: Partial<GettingStarted>): GettingStarted => ({ ...freshStart, hasDestination: true, ...over });

  it('stays after the first destination exists and ticks what is done, sending included', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    commands.gettingStarted.mockResolvedValue(steps({ connectionTested: true }));
    renderApp(<DestinationsTab />);
    const panel = await screen.findByTestId('getting-started');

    expect(within(panel).getByTestId('step-destination')).toHaveAttribute('data-done', 'true');
    expect(within(panel).getByTestId('step-test')).toHaveAttribute('data-done', 'true');
    expect(within(panel).getByTestId('step-tables'), 'not browsed yet').toHaveAttribute('data-done', 'false');
    expect(within(panel).getByTestId('step-import'), 'nothing imported yet').toHaveAttribute('data-done', 'false');
    expect(within(panel).getByTestId('step-template'), 'no template yet').toHaveAttribute('data-done', 'false');
    expect(within(panel).getByTestId('step-send'), 'nothing sent yet').toHaveAttribute('data-done', 'false');
    expect(within(panel).queryByText(/Still to come/), 'every step is here now').toBeNull();
    expect(within(panel).getByTestId('getting-started-progress')).toHaveTextContent('2 of 6 done');
  });

  it('ticks sending once a job delivered a row', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    commands.gettingStarted.mockResolvedValue(steps({ connectionTested: true, hasSent: true }));
    renderApp(<DestinationsTab />);
    const panel = await screen.findByTestId('getting-started');
    expect(within(panel).getByTestId('step-send')).toHaveAttribute('data-done', 'true');
    expect(within(panel).getByTestId('getting-started-progress')).toHaveTextContent('3 of 6 done');
  });

  it('can be put away and brought back, and the backend keeps that choice', async () => {
    commands.listDestinations.mockResolvedValue([destination()]);
    commands.gettingStarted.mockResolvedValue(steps({}));
    const { user } = renderApp(<DestinationsTab />);
    await screen.findByTestId('getting-started');

    commands.gettingStarted.mockResolvedValue(steps({ dismissed: true }));
    await user.click(screen.getByTestId('getting-started-dismiss'));
    expect(commands.setGettingStartedDismissed).toHaveBeenCalledWith(true);
    await waitFor(() => expect(screen.queryByTestId('getting-started'), 'put away').toBeNull());

    commands.gettingStarted.mockResolvedValue(steps({}));
    await user.click(screen.getByTestId('getting-started-show'));
    expect(commands.setGettingStartedDismissed).toHaveBeenLastCalledWith(false);
    expect(await screen.findByTestId('getting-started'), 'back').toBeInTheDocument();
  });

  it('offers to add the local sandbox back, in the steps and in the empty list', async () => {
    commands.gettingStarted.mockResolvedValue(steps({ hasDestination: false, sandboxAddable: true }));
    commands.restoreDemoDestination.mockResolvedValue(destination({ id: 'dst_localsandbox', name: 'Local sandbox' }));
    const { user } = renderApp(<DestinationsTab />);
    const empty = await screen.findByTestId('destinations-empty');
    const add = await within(empty).findByTestId('add-sandbox');
    expect(add).toHaveTextContent('Add the local sandbox');

    commands.listDestinations.mockResolvedValue([destination({ id: 'dst_localsandbox', name: 'Local sandbox' })]);
    commands.gettingStarted.mockResolvedValue(steps({}));
    await user.click(add);
    expect(commands.restoreDemoDestination).toHaveBeenCalled();
    expect(await screen.findByTestId('destination-row'), 'the list is read again').toHaveAttribute('data-name', 'Local sandbox');
  });

  it('warns that a deleted sandbox stays deleted, and where to bring it back', async () => {
    commands.listDestinations.mockResolvedValue([destination({ id: 'dst_localsandbox', name: 'Local sandbox' })]);
    const { user } = renderApp(<DestinationsTab />);
    await screen.findByTestId('destination-row');
    await user.click(screen.getByTestId('destination-more'));
    await user.click(await screen.findByTestId('destination-delete'));
    expect(await screen.findByTestId('confirm-dialog')).toHaveTextContent(/will not come back when Ferry restarts/);
  });
});
