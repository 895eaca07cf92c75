// The Segments tab: building conditions (the comparisons offered follow the column's type),
// the live audience count, errors pointed at the condition to fix, nested groups, related
// rules, the compiled SQL, a preview of the rows, and saving.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SegmentDefinition } from '../../api/dataTypes';
import { control, giveGridsHeight, gridRows, openTab, replaceText } from '../../test/dataHelpers';
import { commands, data, resetCommands } from '../../test/ipcMock';
import { clickRowAction, renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

async function openSegments(user: User) {
  await openTab(user, 'segments');
  return screen.findByTestId('segment-count');
}

/** The top group's own "Add …" buttons (not a nested group's). */
function rootAction(testId: string): HTMLElement {
  const root = document.querySelector<HTMLElement>('[data-testid="segment-group"][data-path="root"]');
  if (!root) throw new Error('no root group');
  const actions = [...root.querySelectorAll<HTMLElement>('[data-testid="group-actions"]')].pop();
  const button = actions && within(actions).queryByTestId(testId);
  if (!button) throw new Error(`no ${testId} in the root group`);
  return button;
}

function condition(path: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="segment-condition"][data-path="${path}"]`);
  if (!el) throw new Error(`no condition at ${path}`);
  return el;
}

function select(row: HTMLElement, testId: string): HTMLSelectElement {
  return within(row).getByTestId<HTMLSelectElement>(testId);
}

function opLabels(row: HTMLElement): string[] {
  return [...select(row, 'condition-op').options].map((o) => o.text);
}

/** The audience count once it settles on `n`. */
async function countIs(n: number) {
  await waitFor(() => expect(screen.getByTestId('segment-count')).toHaveAttribute('data-state', 'done'));
  await waitFor(() => expect(screen.getByTestId('segment-count-value')).toHaveAttribute('data-count', String(n)));
}

function lastDefinition(): SegmentDefinition {
  const calls = commands.segmentCount.mock.calls;
  return calls[calls.length - 1][0];
}

describe('Segments tab', () => {
  it('says to bring data in first when there is none', async () => {
    const { user } = renderApp();
    await openTab(user, 'segments');
    expect(await screen.findByTestId('segments-no-data')).toHaveTextContent('Import a CSV file on the Data tab');
  });

  it('counts everyone without conditions, and offers comparisons that fit each column’s type', async () => {
    data.addDemo(40);
    const { user } = renderApp();
    await openSegments(user);
    await countIs(40);
    expect(screen.getByTestId('segment-count')).toHaveTextContent('40customers match of 40');
    expect(lastDefinition()).toEqual({ table: 'customers', rules: { match: 'all', rules: [] } });
    expect(control('segment-table')).toHaveValue('customers');

    await user.click(rootAction('group-add-condition'));
    const row = condition('rules[0]');
    expect(screen.getByTestId('segment-count')).toHaveAttribute('data-state', 'idle');
    // The column list shows each column's type.
    expect([...select(row, 'condition-column').options].map((o) => o.text)).toContain('lifetime_value · decimal');

    await user.selectOptions(select(row, 'condition-column'), 'loyalty_tier');
    expect(opLabels(row)).toEqual(['is', 'is not', 'contains', 'does not contain', 'starts with', 'ends with', 'is empty', 'is not empty', 'is one of']);
    await user.selectOptions(select(row, 'condition-column'), 'lifetime_value');
    expect(opLabels(row)).toEqual(['=', '≠', '>', '≥', '<', '≤', 'between', 'is empty']);
    expect(within(row).getByTestId('condition-value')).toHaveAttribute('type', 'number');
    await user.selectOptions(select(row, 'condition-column'), 'birthdate');
    expect(opLabels(row)).toEqual([
      'is on',
      'is before',
      'is after',
      'is on or before',
      'is on or after',
      'is between',
      'is in the last … days',
      'is not in the last … days',
      'is empty',
    ]);
    expect(within(row).getByTestId('condition-value')).toHaveAttribute('type', 'date');
    await user.selectOptions(select(row, 'condition-column'), 'opt_in_email');
    expect(opLabels(row)).toEqual(['is yes', 'is no', 'is empty']);
    expect(within(row).queryByTestId('condition-value')).not.toBeInTheDocument();
    // A yes/no comparison needs no value: the count follows at once.
    await countIs(26);
    expect(lastDefinition().rules.rules).toEqual([{ kind: 'condition', column: 'opt_in_email', op: 'isTrue', value: null, values: [] }]);
  });

  it('asks for the count again as conditions change, once typing pauses', async () => {
    data.addDemo(40);
    const { user } = renderApp();
    await openSegments(user);
    await countIs(40);

    await user.click(rootAction('group-add-condition'));
    await user.selectOptions(select(condition('rules[0]'), 'condition-column'), 'loyalty_tier');
    await user.type(within(condition('rules[0]')).getByTestId('condition-value'), 'Gold');
    await countIs(10);
    expect(screen.getByTestId('segment-count')).toHaveTextContent('10customers match of 40');
    const values = commands.segmentCount.mock.calls.map(([d]) => (d.rules.rules[0] as { value?: unknown } | undefined)?.value);
    // Counted for the finished word, not for every letter on the way.
    expect(values).toContain('Gold');
    expect(values).not.toContain('Gol');

    await user.click(rootAction('group-add-condition'));
    await user.selectOptions(select(condition('rules[1]'), 'condition-column'), 'opt_in_email');
    await countIs(7);
    expect(lastDefinition().rules).toEqual({
      match: 'all',
      rules: [
        { kind: 'condition', column: 'loyalty_tier', op: 'equals', value: 'Gold', values: [] },
        { kind: 'condition', column: 'opt_in_email', op: 'isTrue', value: null, values: [] },
      ],
    });

    await user.selectOptions(within(screen.getAllByTestId('segment-group')[0]).getAllByTestId('group-match')[0], 'any');
    await countIs(29);
    expect(lastDefinition().rules.match).toBe('any');

    await user.click(within(condition('rules[0]')).getByTestId('condition-remove'));
    await countIs(26);
  });

  it('sends typed values: numbers for a range, a list for “is one of”, days as a number', async () => {
    data.addDemo(40);
    const { user } = renderApp();
    await openSegments(user);

    await user.click(rootAction('group-add-condition'));
    const value = condition('rules[0]');
    await user.selectOptions(select(value, 'condition-column'), 'lifetime_value');
    await user.selectOptions(select(value, 'condition-op'), 'between');
    await replaceText(user, within(value).getByTestId('condition-value'), '100');
    await replaceText(user, within(value).getByTestId('condition-value2'), '200');
    await countIs(4);
    expect(lastDefinition().rules.rules[0]).toEqual({ kind: 'condition', column: 'lifetime_value', op: 'between', value: null, values: [100, 200] });

    await user.click(rootAction('group-add-condition'));
    const tier = condition('rules[1]');
    await user.selectOptions(select(tier, 'condition-column'), 'loyalty_tier');
    await user.selectOptions(select(tier, 'condition-op'), 'inList');
    const tags = within(tier).getByTestId('condition-list');
    await user.click(tags);
    await user.keyboard('Bronze{Enter}Silver{Enter}');
    expect(within(tier).getAllByTestId('condition-list-tag').map((t) => t.dataset.value)).toEqual(['Bronze', 'Silver']);
    await countIs(2);
    expect(lastDefinition().rules.rules[1]).toEqual({ kind: 'condition', column: 'loyalty_tier', op: 'inList', value: null, values: ['Bronze', 'Silver'] });

    await user.click(rootAction('group-add-condition'));
    const recent = condition('rules[2]');
    await user.selectOptions(select(recent, 'condition-column'), 'last_order_date');
    await user.selectOptions(select(recent, 'condition-op'), 'inLastDays');
    await replaceText(user, within(recent).getByTestId('condition-value'), '30');
    await waitFor(() =>
      expect(lastDefinition().rules.rules[2]).toEqual({ kind: 'condition', column: 'last_order_date', op: 'inLastDays', value: 30, values: [] }),
    );
  });

  it('marks the condition the backend says needs fixing, inside nested groups too', async () => {
    data.addDemo(40);
    const { user } = renderApp();
    await openSegments(user);

    await user.click(rootAction('group-add-condition'));
    await user.selectOptions(select(condition('rules[0]'), 'condition-column'), 'opt_in_email');
    await user.click(rootAction('group-add-group'));
    // A new group starts with one empty condition and matches any of its conditions.
    const nested = condition('rules[1].rules[0]');
    await user.selectOptions(select(nested, 'condition-column'), 'email');
    await waitFor(() => expect(screen.getByTestId('segment-count')).toHaveAttribute('data-state', 'error'));

    expect(lastDefinition().rules.rules[1]).toEqual({
      kind: 'group',
      match: 'any',
      rules: [{ kind: 'condition', column: 'email', op: 'equals', value: null, values: [] }],
    });
    expect(nested).toHaveAttribute('data-invalid', 'true');
    expect(within(nested).getByTestId('condition-problem')).toHaveTextContent('Enter a value.');
    expect(condition('rules[0]')).not.toHaveAttribute('data-invalid');
    expect(screen.getByTestId('segment-count-error')).toHaveTextContent('Fix the marked conditions');

    await replaceText(user, within(nested).getByTestId('condition-value'), 'customer2@example.com');
    await countIs(1);
    expect(screen.getByTestId('segment-count')).toHaveTextContent('1customer matches');
    expect(nested).not.toHaveAttribute('data-invalid');
  });

  it('marks a saved condition whose column has gone', async () => {
    data.addDemo(10);
    data.segments.push({
      id: 'seg_old',
      name: 'By nickname',
      description: '',
      definition: { table: 'customers', rules: { match: 'all', rules: [{ kind: 'condition', column: 'nickname', op: 'equals', value: 'Bo', values: [] }] } },
      createdAt: 1_790_000_000, updatedAt: 1_790_000_000,
    });
    const { user } = renderApp();
    await openSegments(user);
    await user.click(await screen.findByTestId('segment-open'));

    const row = await waitFor(() => {
      const r = condition('rules[0]');
      expect(r).toHaveAttribute('data-invalid', 'true');
      return r;
    });
    expect(within(row).getByTestId('condition-problem')).toHaveTextContent('customers has no column nickname.');
    expect(select(row, 'condition-column')).toHaveValue('nickname');
  });

  it('adds a “has orders where …” rule over the related table', async () => {
    data.addDemo(40);
    const { user } = renderApp();
    await openSegments(user);

    await user.click(rootAction('group-add-related'));
    const related = screen.getByTestId('segment-related');
    expect(within(related).getByTestId('related-target')).toHaveValue('orders.customer_id');
    // With no conditions of its own, it asks for customers with any order at all.
    await countIs(40);
    await user.selectOptions(within(related).getByTestId('related-exists'), 'hasNo');
    await countIs(0);
    await user.selectOptions(within(related).getByTestId('related-exists'), 'has');

    await user.click(within(related).getByTestId('group-add-condition'));
    const inner = condition('rules[0].rules[0]');
    // Its columns are the related table's.
    expect([...select(inner, 'condition-column').options].map((o) => o.value)).toContain('status');
    await user.selectOptions(select(inner, 'condition-column'), 'status');
    await replaceText(user, within(inner).getByTestId('condition-value'), 'returned');
    await countIs(8);
    expect(lastDefinition().rules.rules[0]).toEqual({
      kind: 'related',
      table: 'orders',
      column: 'customer_id',
      on: 'customer_id',
      exists: true,
      rules: { match: 'all', rules: [{ kind: 'condition', column: 'status', op: 'equals', value: 'returned', values: [] }] },
    });
  });

  it('shows the compiled SQL and previews the rows it picks', async () => {
    data.addDemo(40);
    giveGridsHeight(300);
    const { user } = renderApp();
    await openSegments(user);
    await user.click(rootAction('group-add-condition'));
    await user.selectOptions(select(condition('rules[0]'), 'condition-column'), 'loyalty_tier');
    await replaceText(user, within(condition('rules[0]')).getByTestId('condition-value'), "Gold");
    await countIs(10);

    await user.click(screen.getByTestId('segment-show-sql'));
    expect(screen.getByTestId('segment-show-sql')).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByTestId('segment-sql')).toHaveTextContent('SELECT * FROM "customers" WHERE "loyalty_tier" = ?');
    expect(screen.getByTestId('segment-sql-params')).toHaveTextContent("Values for each ?: 'Gold'");

    await user.click(screen.getByTestId('segment-preview'));
    await waitFor(() => expect(commands.segmentStart).toHaveBeenCalledTimes(1));
    const [sent, limit] = vi.mocked(commands.segmentStart).mock.calls[0];
    expect(limit).toBe(30);
    expect(sent.table).toBe('customers');
    expect(sent.rules.rules).toEqual([
      { kind: 'condition', column: 'loyalty_tier', op: 'equals', value: 'Gold', values: [] },
    ]);
    await waitFor(() => expect(screen.getByTestId('run-count')).toHaveTextContent('10 rows in'));
    const grid = screen.getByTestId('preview-grid');
    await waitFor(() => expect(gridRows(grid).length).toBe(10));
    expect(gridRows(grid).every((r) => r.cells[4] === 'Gold')).toBe(true);

    await user.click(screen.getByTestId('segment-show-sql'));
    expect(screen.queryByTestId('segment-sql')).not.toBeInTheDocument();
  });

  it('saves a segment (name required), then duplicates and deletes it from the list', async () => {
    data.addDemo(20);
    const { user } = renderApp();
    await openSegments(user);
    await user.click(rootAction('group-add-condition'));
    await user.selectOptions(select(condition('rules[0]'), 'condition-column'), 'opt_in_email');

    await user.click(screen.getByTestId('segment-save'));
    expect(await screen.findByTestId('error-name')).toHaveTextContent('Give the segment a name.');
    await waitFor(() => expect(document.activeElement).toBe(control('segment-name')));

    await replaceText(user, control('segment-name'), 'Opted in');
    await replaceText(user, control('segment-description'), 'Email allowed');
    await user.click(screen.getByTestId('segment-save'));
    await waitFor(() =>
      expect(commands.createSegment).toHaveBeenLastCalledWith({
        name: 'Opted in',
        description: 'Email allowed',
        definition: { table: 'customers', rules: { match: 'all', rules: [{ kind: 'condition', column: 'opt_in_email', op: 'isTrue', value: null, values: [] }] } },
      }),
    );
    const item = await screen.findByTestId('segment-item');
    expect(item).toHaveAttribute('data-name', 'Opted in');

    await clickRowAction(user, 'segment-duplicate', item);
    await waitFor(() => expect(screen.getAllByTestId('segment-item').map((i) => i.dataset.name)).toEqual(['Opted in', 'Opted in (copy)']));
    expect(control('segment-name')).toHaveValue('Opted in (copy)');

    await clickRowAction(user, 'segment-delete', screen.getAllByTestId('segment-item')[0]);
    await user.click(await screen.findByTestId('confirm-delete'));
    await waitFor(() => expect(screen.getAllByTestId('segment-item').map((i) => i.dataset.name)).toEqual(['Opted in (copy)']));
    expect(commands.deleteSegment).toHaveBeenCalledWith('seg_1');
  });
});
