// What each policy sees: the tabs, the buttons on them, destinations closed to the acting user,
// and the note over rows whose personal data is masked (Restrict PII access). The backend
// refuses anyway; these tests check that the window does not offer what it would refuse.
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { editorViewIn } from './components/SqlEditor';
import { giveGridsHeight, gridRows, openTab } from './test/dataHelpers';
import { PII_MASK } from './test/fakeData';
import { destination } from './test/fixtures';
import { commands, data, resetCommands, users } from './test/ipcMock';
import { renderApp } from './test/render';

vi.mock('./api/ipc', () => import('./test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

const ALL_TABS = ['destinations', 'credentials', 'data', 'queries', 'segments', 'users', 'activity'];

async function shownTabs(): Promise<string[]> {
  await screen.findByTestId('tab-destinations');
  return ALL_TABS.filter((t) => screen.queryByTestId(`tab-${t}`));
}

async function runSql(user: User, sql: string) {
  await openTab(user, 'queries');
  const view = editorViewIn(await screen.findByTestId('sql-editor'));
  if (!view) throw new Error('no CodeMirror view');
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: sql } }));
  await user.click(screen.getByTestId('query-run'));
  return screen.findByTestId('result-grid');
}

describe('Tabs by policy', () => {
  it('shows an administrator every tab', async () => {
    renderApp();
    expect(await shownTabs()).toEqual(ALL_TABS);
  });

  it('shows an AmpIQ user Destinations, Data and Segments only', async () => {
    users.actAs('Dana');
    renderApp();
    expect(await shownTabs()).toEqual(['destinations', 'data', 'segments']);
  });

  it('shows an Amp360 user Destinations, Data and Queries only', async () => {
    users.actAs('Sam');
    renderApp();
    expect(await shownTabs()).toEqual(['destinations', 'data', 'queries']);
  });

  it('shows an operator everything but Users and Activity', async () => {
    users.actAs('Bo');
    renderApp();
    expect(await shownTabs()).toEqual(['destinations', 'credentials', 'data', 'queries', 'segments']);
  });

  it('offers no Open Credentials in the expiry banner to a user without the Credentials tab', async () => {
    users.actAs('Dana');
    commands.appStatus.mockResolvedValue({
      dataDir: '/tmp/ferry',
      keychain: { available: true, message: 'ok' },
      today: '2026-11-27',
      expiring: [{ id: 'cred_1', name: 'Contoso app', expiry: { expiresOn: '2026-12-01', daysLeft: 4, level: 'critical', summary: 'Expires in 4 days' }, usedBy: [] }],
      dataFolderNotice: null,
    });
    renderApp();
    expect(await screen.findByTestId('expiring-banner')).toBeInTheDocument();
    expect(screen.queryByTestId('open-credentials')).not.toBeInTheDocument();
  });
});

describe('Buttons by policy', () => {
  it('lets a business user test a destination but not add, edit, delete or browse it', async () => {
    users.actAs('Sam');
    commands.listDestinations.mockResolvedValue([destination()]);
    renderApp();
    const row = await screen.findByTestId('destination-row');
    expect(within(row).getByTestId('destination-test')).not.toHaveAttribute('aria-disabled');
    // Browse tables, Edit and Delete were the menu's items: with none allowed there is no menu.
    expect(within(row).queryByTestId('destination-more')).not.toBeInTheDocument();
    expect(screen.queryByTestId('add-destination')).not.toBeInTheDocument();
    expect(screen.queryByTestId('getting-started-show')).not.toBeInTheDocument();
  });

  it('tells a business user with no destination that an operator adds them', async () => {
    users.actAs('Dana');
    renderApp();
    const empty = await screen.findByTestId('destinations-empty');
    expect(empty).toHaveTextContent('added by a DataGrid Operator or Administrator');
    expect(screen.queryByTestId('add-destination')).not.toBeInTheDocument();
  });

  it('gives an operator every destination action', async () => {
    users.actAs('Bo');
    commands.listDestinations.mockResolvedValue([destination()]);
    const { user } = renderApp();
    const row = await screen.findByTestId('destination-row');
    expect(screen.getByTestId('add-destination')).toBeInTheDocument();
    await user.click(within(row).getByTestId('destination-more'));
    expect(await screen.findByTestId('destination-tables')).toBeInTheDocument();
    expect(screen.getByTestId('destination-edit')).toBeInTheDocument();
    expect(screen.getByTestId('destination-delete')).toBeInTheDocument();
  });

  it('marks a destination closed to the acting user and disables its test, saying why', async () => {
    const why = 'Sam has Restrict PII access, and Sales EU sends personal data.';
    users.actAs('Sam');
    commands.listDestinations.mockResolvedValue([destination({ unavailable: why }), destination({ id: 'dest_2', name: 'Marketing' })]);
    const { user } = renderApp();
    const rows = await screen.findAllByTestId('destination-row');
    const closed = rows.find((r) => r.dataset.name === 'Sales EU');
    const open = rows.find((r) => r.dataset.name === 'Marketing');
    if (!closed || !open) throw new Error('both destinations should be listed');

    expect(within(closed).getByTestId('destination-unavailable')).toHaveTextContent('Not available to you');
    expect(within(open).queryByTestId('destination-unavailable')).not.toBeInTheDocument();
    const test = within(closed).getByTestId('destination-test');
    expect(test).toHaveAttribute('aria-disabled', 'true');
    expect(within(open).getByTestId('destination-test')).not.toHaveAttribute('aria-disabled');

    await user.click(test);
    expect(commands.testConnection).not.toHaveBeenCalled();
    // The reason is the disabled button's description (its tooltip), and the badge's.
    const describedBy = (el: HTMLElement) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent;
    expect(describedBy(test)).toBe(why);
    expect(describedBy(within(closed).getByTestId('destination-unavailable'))).toBe(why);
    await user.hover(test);
    await waitFor(() => expect(screen.getAllByRole('tooltip').some((t) => t.textContent === why)).toBe(true));
  });

  it('shows an operator a destination closed to them, with every action still theirs', async () => {
    users.actAs('Bo');
    commands.listDestinations.mockResolvedValue([destination({ unavailable: 'Bo is not a business user.' })]);
    renderApp();
    const row = await screen.findByTestId('destination-row');
    expect(within(row).getByTestId('destination-unavailable')).toBeInTheDocument();
    expect(within(row).getByTestId('destination-more')).toBeInTheDocument();
  });

  it('shows a business user the data without Import CSV or PII switches', async () => {
    users.actAs('Dana');
    data.addDemo(5);
    const { user } = renderApp();
    await openTab(user, 'data');
    expect(await screen.findByTestId('data-table-title')).toHaveTextContent('customers');
    expect(screen.queryByTestId('import-open')).not.toBeInTheDocument();
    expect(screen.queryByTestId('pii-customers-email')).not.toBeInTheDocument();
    expect(screen.getByTestId('pii-text-customers-email')).toHaveTextContent('PII');
  });

  it('tells a business user with no data that an operator imports it', async () => {
    users.actAs('Dana');
    const { user } = renderApp();
    await openTab(user, 'data');
    expect(await screen.findByTestId('data-empty')).toHaveTextContent('imported by a DataGrid Operator or Administrator');
    expect(screen.queryByTestId('import-open')).not.toBeInTheDocument();
  });

  it('gives an operator Import CSV and the PII switches', async () => {
    users.actAs('Bo');
    data.addDemo(5);
    const { user } = renderApp();
    await openTab(user, 'data');
    expect(await screen.findByTestId('import-open')).toBeInTheDocument();
    expect(screen.getByTestId('pii-customers-email')).toBeInTheDocument();
  });

  it('lets a user who may run but not manage queries open and run them, but not save, copy or delete', async () => {
    // No policy today runs queries without managing them; the window must still follow the permissions.
    users.actAs('Sam');
    commands.whoami.mockImplementation(async () => {
      const me = await users.whoami();
      return { ...me, permissions: me.permissions.filter((p) => p !== 'manageQueries') };
    });
    data.addDemo(5);
    data.queries.push({ id: 'qry_1', name: 'All customers', description: '', sql: 'SELECT * FROM customers', timeLimitSecs: 30, createdAt: 1_790_000_000, updatedAt: 1_790_000_000 });
    const { user } = renderApp();
    await openTab(user, 'queries');
    const item = await screen.findByTestId('query-item');
    expect(within(item).queryByTestId('query-more')).not.toBeInTheDocument();
    expect(screen.queryByTestId('query-save')).not.toBeInTheDocument();
    await user.click(within(item).getByTestId('query-open'));
    await user.click(screen.getByTestId('query-run'));
    expect(await screen.findByTestId('result-grid')).toBeInTheDocument();
    expect(commands.createQuery).not.toHaveBeenCalled();
  });

  it('gives an Amp360 user, who manages queries, Save and the saved list’s menu', async () => {
    users.actAs('Sam');
    data.addDemo(5);
    data.queries.push({ id: 'qry_1', name: 'All customers', description: '', sql: 'SELECT * FROM customers', timeLimitSecs: 30, createdAt: 1_790_000_000, updatedAt: 1_790_000_000 });
    const { user } = renderApp();
    await openTab(user, 'queries');
    const item = await screen.findByTestId('query-item');
    expect(within(item).getByTestId('query-more')).toBeInTheDocument();
    expect(screen.getByTestId('query-save')).toBeInTheDocument();
  });

  it('lets a user who may read but not manage segments count and preview them, but not save', async () => {
    // As for queries: no policy today reads segments without managing them.
    users.actAs('Dana');
    commands.whoami.mockImplementation(async () => {
      const me = await users.whoami();
      return { ...me, permissions: me.permissions.filter((p) => p !== 'manageSegments') };
    });
    data.addDemo(5);
    data.segments.push({
      id: 'seg_1',
      name: 'Everyone',
      description: '',
      definition: { table: 'customers', rules: { match: 'all', rules: [] } },
      createdAt: 1_790_000_000,
      updatedAt: 1_790_000_000,
    });
    const { user } = renderApp();
    await openTab(user, 'segments');
    const item = await screen.findByTestId('segment-item');
    expect(within(item).queryByTestId('segment-more')).not.toBeInTheDocument();
    expect(screen.queryByTestId('segment-save')).not.toBeInTheDocument();
    expect(screen.getByTestId('segment-preview')).toBeInTheDocument();
  });

  it('gives an AmpIQ user, who manages segments, Save', async () => {
    users.actAs('Dana');
    data.addDemo(5);
    const { user } = renderApp();
    await openTab(user, 'segments');
    expect(await screen.findByTestId('segment-save')).toBeInTheDocument();
  });
});

describe('Personal data hidden from a restricted user', () => {
  it('notes the masking over a restricted user’s query result, whose PII values arrive masked', async () => {
    users.actAs('Sam');
    data.addDemo(10);
    giveGridsHeight(300);
    const { user } = renderApp();
    const grid = await runSql(user, 'SELECT customer_id, email FROM customers');
    await waitFor(() => expect(gridRows(grid).length).toBeGreaterThan(0));
    expect(gridRows(grid)[0].cells).toEqual(['C000001', PII_MASK]);
    expect(await screen.findByTestId('pii-hidden-note')).toHaveTextContent(
      'Personal data is hidden: values in columns marked PII show as •••• (PII) because your user has Restrict PII access.',
    );
  });

  it('shows no note over an unrestricted user’s query result', async () => {
    data.addDemo(10);
    giveGridsHeight(300);
    const { user } = renderApp();
    const grid = await runSql(user, 'SELECT customer_id, email FROM customers');
    await waitFor(() => expect(gridRows(grid).length).toBeGreaterThan(0));
    expect(gridRows(grid)[0].cells).toEqual(['C000001', 'customer1@example.com']);
    expect(screen.getByTestId('run-count')).toHaveTextContent('10 rows');
    expect(screen.queryByTestId('pii-hidden-note')).not.toBeInTheDocument();
  });

  it('shows no note when the result has no PII column, even for a restricted user', async () => {
    users.actAs('Sam');
    data.addDemo(10);
    giveGridsHeight(300);
    const { user } = renderApp();
    const grid = await runSql(user, 'SELECT customer_id, loyalty_tier FROM customers');
    await waitFor(() => expect(gridRows(grid).length).toBeGreaterThan(0));
    expect(screen.getByTestId('run-count')).toHaveTextContent('10 rows');
    expect(screen.queryByTestId('pii-hidden-note')).not.toBeInTheDocument();
  });

  it('notes the masking over a restricted user’s data sample, and not over an unrestricted one’s', async () => {
    users.actAs('Sam');
    data.addDemo(10);
    giveGridsHeight(300);
    const { user, unmount } = renderApp();
    await openTab(user, 'data');
    const grid = await screen.findByTestId('sample-grid');
    expect(await screen.findByTestId('pii-hidden-note')).toBeInTheDocument();
    await waitFor(() => expect(gridRows(grid)[0]?.cells[3]).toBe(PII_MASK));
    // Customer 10 has no email: an empty personal value is masked too.
    await waitFor(() => expect(gridRows(grid)[9]?.cells[3]).toBe(PII_MASK));
    unmount();

    users.actAs('Bo');
    const again = renderApp();
    await openTab(again.user, 'data');
    const unmasked = await screen.findByTestId('sample-grid');
    await waitFor(() => expect(gridRows(unmasked)[0]?.cells[3]).toBe('customer1@example.com'));
    expect(screen.queryByTestId('pii-hidden-note')).not.toBeInTheDocument();
  });

  it('notes the masking over a restricted user’s segment preview', async () => {
    users.actAs('Dana');
    users.users = users.users.map((u) => (u.name === 'Dana' ? { ...u, restrictPii: true } : u));
    data.addDemo(10);
    giveGridsHeight(300);
    const { user } = renderApp();
    await openTab(user, 'segments');
    const preview = await screen.findByTestId('segment-preview');
    await waitFor(() => expect(preview).not.toHaveAttribute('aria-disabled', 'true'));
    await user.click(preview);
    const grid = await screen.findByTestId('preview-grid');
    await waitFor(() => expect(gridRows(grid)[0]?.cells[1]).toBe(PII_MASK));
    expect(screen.getByTestId('pii-hidden-note')).toBeInTheDocument();
  });
});
