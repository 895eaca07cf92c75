// The Queries tab: saving with validation, the saved list's actions, and running SQL into the
// paged grid (only visible pages fetched), with SQL errors, refused writes, time limits and cancel.
import { CompletionContext, type CompletionResult, type CompletionSource } from '@codemirror/autocomplete';
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { editorViewIn } from '../../components/SqlEditor';
import { PAGE_SIZE } from '../../lib/resultRun';
import { control, giveGridsHeight, gridRows, openTab, replaceText, scrollGrid } from '../../test/dataHelpers';
import { commands, data, resetCommands } from '../../test/ipcMock';
import { clickRowAction, renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

/** Replaces the editor's text, as typing would (jsdom has no text input for contenteditable). */
async function setSql(text: string) {
  const root = await screen.findByTestId('sql-editor');
  const view = editorViewIn(root);
  if (!view) throw new Error('no CodeMirror view in the editor box');
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

function editorView() {
  const view = editorViewIn(screen.getByTestId('sql-editor'));
  if (!view) throw new Error('no CodeMirror view');
  return view;
}

/** The offsets of the row pages the UI asked for (status-only requests, limit 0, left out). */
function pageOffsets(): number[] {
  return commands.queryPage.mock.calls.filter(([, , limit]) => limit > 0).map(([, offset]) => offset);
}

async function openQueries(user: User) {
  await openTab(user, 'queries');
  return screen.findByTestId('sql-editor');
}

/** A table of a million rows computed on demand: n, label, n * 1.5. */
function addMillion() {
  data.addTable(
    'events',
    [
      { name: 'n', type: 'integer', pii: false },
      { name: 'label', type: 'text', pii: false },
      { name: 'score', type: 'decimal', pii: false },
    ],
    1_000_000,
    (i) => [i, `event ${i}`, i * 1.5],
  );
}

describe('Queries tab', () => {
  it('says how to start when nothing is saved, and shows the backend’s messages under the fields on a refused save', async () => {
    const { user } = renderApp();
    await openQueries(user);
    expect(await screen.findByTestId('queries-empty')).toHaveTextContent('No saved queries yet');

    await user.click(screen.getByTestId('query-save'));
    expect(await screen.findByTestId('error-name')).toHaveTextContent('Give the query a name.');
    expect(screen.getByTestId('error-sql')).toHaveTextContent('Write the SQL the query runs.');
    await waitFor(() => expect(document.activeElement).toBe(control('query-name')));
    expect(commands.createQuery).toHaveBeenCalledWith({ name: '', description: '', sql: '', timeLimitSecs: 30 });

    // A time limit that is not whole seconds is caught before it is sent.
    await replaceText(user, control('query-time-limit'), '0');
    await user.click(screen.getByTestId('query-save'));
    expect(await screen.findByTestId('error-timeLimitSecs')).toHaveTextContent('whole seconds');
    expect(commands.createQuery).toHaveBeenCalledTimes(1);

    await replaceText(user, control('query-time-limit'), '45');
    await replaceText(user, control('query-name'), 'Gold customers');
    expect(screen.queryByTestId('error-name')).not.toBeInTheDocument();
    await replaceText(user, control('query-description'), 'For the loyalty team');
    await setSql("SELECT * FROM customers WHERE loyalty_tier = 'Gold'");
    expect(screen.queryByTestId('error-sql')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('query-save'));

    await waitFor(() =>
      expect(commands.createQuery).toHaveBeenLastCalledWith({
        name: 'Gold customers',
        description: 'For the loyalty team',
        sql: "SELECT * FROM customers WHERE loyalty_tier = 'Gold'",
        timeLimitSecs: 45,
      }),
    );
    const item = await screen.findByTestId('query-item');
    expect(item).toHaveAttribute('data-name', 'Gold customers');
    expect(within(item).getByTestId('query-open')).toHaveAttribute('aria-current', 'true');
    expect(await screen.findByTestId('toast')).toHaveTextContent('Query “Gold customers” saved');
  });

  it('opens, edits, duplicates and deletes saved queries from the list', async () => {
    data.queries.push(
      { id: 'qry_a', name: 'Lapsed', description: 'No order for a year', sql: 'SELECT * FROM customers', timeLimitSecs: 30, createdAt: 1_790_000_000, updatedAt: 1_790_000_000 },
      { id: 'qry_b', name: 'All orders', description: '', sql: 'SELECT * FROM orders', timeLimitSecs: 60, createdAt: 1_790_000_000, updatedAt: 1_790_000_000 },
    );
    const { user } = renderApp();
    await openQueries(user);

    const items = await screen.findAllByTestId('query-item');
    expect(items.map((i) => i.dataset.name)).toEqual(['All orders', 'Lapsed']);
    await user.click(within(items[1]).getByTestId('query-open'));
    expect(control('query-name')).toHaveValue('Lapsed');
    expect(control('query-time-limit')).toHaveValue(30);
    expect(editorView().state.doc.toString()).toBe('SELECT * FROM customers');

    await setSql('SELECT email FROM customers');
    expect(screen.getByTestId('query-dirty')).toHaveTextContent('Unsaved changes');
    await user.click(screen.getByTestId('query-save'));
    await waitFor(() =>
      expect(commands.updateQuery).toHaveBeenCalledWith('qry_a', { name: 'Lapsed', description: 'No order for a year', sql: 'SELECT email FROM customers', timeLimitSecs: 30 }),
    );
    await waitFor(() => expect(screen.queryByTestId('query-dirty')).not.toBeInTheDocument());

    await clickRowAction(user, 'query-duplicate', screen.getAllByTestId('query-item')[1]);
    await waitFor(() => expect(commands.createQuery).toHaveBeenCalledWith(expect.objectContaining({ name: 'Lapsed (copy)', sql: 'SELECT email FROM customers' })));
    await waitFor(() => expect(control('query-name')).toHaveValue('Lapsed (copy)'));
    expect(screen.getAllByTestId('query-item').map((i) => i.dataset.name)).toEqual(['All orders', 'Lapsed', 'Lapsed (copy)']);

    await clickRowAction(user, 'query-delete', screen.getAllByTestId('query-item')[0]);
    expect(await screen.findByTestId('confirm-dialog')).toHaveTextContent('Delete “All orders”?');
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(commands.deleteQuery).toHaveBeenCalledWith('qry_b'));
    await waitFor(() => expect(screen.getAllByTestId('query-item').map((i) => i.dataset.name)).toEqual(['Lapsed', 'Lapsed (copy)']));
  });

  it('runs the SQL and shows the rows, their types and PII marks, and how many there were', async () => {
    data.addDemo(40);
    giveGridsHeight(300);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT customer_id, email, lifetime_value FROM customers');
    await user.click(screen.getByTestId('query-run'));

    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent(/^40 rows in \d/));
    expect(commands.queryStart).toHaveBeenCalledWith('SELECT customer_id, email, lifetime_value FROM customers', 30);
    const grid = screen.getByTestId('result-grid');
    const heads = within(grid).getAllByTestId('grid-column');
    expect(heads.map((h) => h.dataset.name)).toEqual(['customer_id', 'email', 'lifetime_value']);
    expect(heads[1]).toHaveTextContent('emailPIItext');
    expect(heads[2]).toHaveTextContent('decimal');
    await waitFor(() => expect(gridRows(grid)[0]?.cells).toEqual(['C000001', 'customer1@example.com', '100']));
    expect(gridRows(grid)[9].cells[1]).toBe('null');
  });

  it('completes the customer database’s table and column names in the editor', async () => {
    data.addDemo(3);
    const { user } = renderApp();
    await openQueries(user);
    // The schema arrives with data_tables; completion offers what it lists.
    await waitFor(() => expect(commands.dataTables).toHaveBeenCalled());
    const labels = async (text: string) => {
      await setSql(text);
      const view = editorView();
      const pos = text.length;
      const sources = view.state.languageDataAt<CompletionSource>('autocomplete', pos);
      const results: (CompletionResult | null)[] = [];
      // A source answers at once or with a promise.
      for (const source of sources) results.push(await Promise.resolve(source(new CompletionContext(view.state, pos, true))));
      return results.filter((r): r is CompletionResult => !!r).flatMap((r) => r.options.map((o) => o.label));
    };
    await waitFor(async () => expect(await labels('SELECT * FROM cus')).toContain('customers'));
    const columns = await labels('SELECT customers.');
    expect(columns).toEqual(expect.arrayContaining(['email', 'loyalty_tier', 'customer_id']));
    expect(columns).not.toContain('order_date');
  });

  it('runs with Ctrl+Enter in the editor', async () => {
    data.addDemo(3);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT * FROM orders');
    await user.click(screen.getByTestId('sql-editor-content'));
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(commands.queryStart).toHaveBeenCalledWith('SELECT * FROM orders', 30));
    expect(editorView().state.doc.toString()).toBe('SELECT * FROM orders');
  });

  it('fetches only the pages of rows in view, page by page as the grid scrolls, over a million rows', async () => {
    addMillion();
    giveGridsHeight(300);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT * FROM events');
    await user.click(screen.getByTestId('query-run'));

    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent(/^1,000,000 rows in /));
    const grid = screen.getByTestId('result-grid');
    await waitFor(() => expect(gridRows(grid)[0]?.cells).toEqual(['0', 'event 0', '0']));
    expect(pageOffsets()).toEqual([0]);
    // About ten rows fit in 300 px; with the overscan, still far fewer than a page are in the DOM.
    expect(gridRows(grid).length).toBeLessThan(40);

    // Halfway down: only the page(s) holding the rows now in view are asked for.
    const scroller = within(grid).getByTestId('grid-scroller');
    const half = (scroller.firstElementChild as HTMLElement).style.height;
    act(() => scrollGrid(scroller, Math.floor(parseInt(half, 10) / 2)));
    await waitFor(() => expect(gridRows(grid).every((r) => !r.loading && r.index > 400_000)).toBe(true));
    const shown = gridRows(grid).map((r) => r.index);
    const wanted = [...new Set(shown.map((i) => Math.floor(i / PAGE_SIZE) * PAGE_SIZE))];
    expect(pageOffsets()).toEqual([0, ...wanted]);
    const first = gridRows(grid)[0];
    expect(first.cells).toEqual([String(first.index), `event ${first.index}`, String(first.index * 1.5)]);
    // Never all rows: each request is one page.
    expect(commands.queryPage.mock.calls.every(([, , limit]) => limit <= PAGE_SIZE)).toBe(true);
  });

  it('counts rows as they come while the query runs', async () => {
    addMillion();
    data.queryRowsPerPoll = 250_000;
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT n FROM events');
    await user.click(screen.getByTestId('query-run'));

    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent(/^(250,000|500,000|750,000) rows so far…$/));
    expect(screen.getByTestId('query-cancel')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent('1,000,000 rows in 400 ms'));
    expect(screen.queryByTestId('query-cancel')).not.toBeInTheDocument();
  });

  it('shows a SQL error with its line and column, and puts the cursor there', async () => {
    data.addDemo(3);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT *\n  FORM customers');
    await user.click(screen.getByTestId('query-run'));

    const error = await screen.findByTestId('run-error');
    expect(error).toHaveAttribute('data-code', 'sql');
    expect(error).toHaveTextContent('The SQL has a mistake');
    expect(error).toHaveTextContent('near "FORM": syntax error');
    expect(within(error).getByTestId('run-error-position')).toHaveTextContent('Line 2, column 3');
    const view = editorView();
    await waitFor(() => expect(view.state.selection.main.head).toBe(view.state.doc.line(2).from + 2));

    // Moving away and asking again brings the cursor back.
    act(() => view.dispatch({ selection: { anchor: 0 } }));
    await user.click(within(error).getByTestId('run-error-jump'));
    await waitFor(() => expect(view.state.selection.main.head).toBe(view.state.doc.line(2).from + 2));
  });

  it('says in its own words when a query tries to write', async () => {
    data.addDemo(3);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('DELETE FROM customers');
    await user.click(screen.getByTestId('query-run'));

    const error = await screen.findByTestId('run-error');
    expect(error).toHaveAttribute('data-code', 'write_refused');
    expect(error).toHaveTextContent('Queries can only read data');
    expect(error).toHaveTextContent('read-only connection');
    expect(screen.queryByTestId('result-grid')).not.toBeInTheDocument();
  });

  it('says when a query ran out of time, with the rows read so far', async () => {
    addMillion();
    data.queryRowsPerPoll = 1000;
    data.queryMsPerPoll = 700;
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT * FROM events');
    await replaceText(user, control('query-time-limit'), '1');
    await user.click(screen.getByTestId('query-run'));

    const error = await screen.findByTestId('run-error');
    expect(commands.queryStart).toHaveBeenCalledWith('SELECT * FROM events', 1);
    expect(error).toHaveAttribute('data-code', 'timed_out');
    expect(error).toHaveTextContent('The query ran out of time');
    expect(error).toHaveTextContent('Raise the time limit');
    expect(screen.getByTestId('run-count')).toHaveTextContent('Stopped after 2,000 rows');
  });

  it('cancels a running query', async () => {
    addMillion();
    data.queryRowsPerPoll = 10;
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT * FROM events');
    await user.click(screen.getByTestId('query-run'));

    await user.click(await screen.findByTestId('query-cancel'));
    expect(commands.queryCancel).toHaveBeenCalledWith('run_1');
    const error = await screen.findByTestId('run-error');
    expect(error).toHaveAttribute('data-code', 'cancelled');
    expect(screen.getByTestId('run-count')).toHaveTextContent(/^Cancelled after \d+ rows$/);
    expect(screen.queryByTestId('query-cancel')).not.toBeInTheDocument();
  });

  it('closes a result when another run replaces it and when the tab is left', async () => {
    data.addDemo(3);
    const { user } = renderApp();
    await openQueries(user);
    await setSql('SELECT * FROM customers');
    await user.click(screen.getByTestId('query-run'));
    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent('3 rows in'));

    await user.click(screen.getByTestId('query-run'));
    await waitFor(() => expect(commands.queryClose).toHaveBeenCalledWith('run_1'));
    await waitFor(() => expect(data.openRuns()).toEqual(['run_2']));

    await openTab(user, 'data');
    await waitFor(() => expect(commands.queryClose).toHaveBeenCalledWith('run_2'));
    expect(data.openRuns()).toEqual([]);
  });
});
