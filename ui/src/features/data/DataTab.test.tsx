// The Data tab: empty state, the tables and their columns, PII marks and the sample.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { giveGridsHeight, gridRows, openTab } from '../../test/dataHelpers';
import { commands, data, resetCommands } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

describe('Data tab', () => {
  it('says what to do when there is no customer data yet', async () => {
    const { user } = renderApp();
    await openTab(user, 'data');

    const empty = await screen.findByTestId('data-empty');
    expect(empty).toHaveTextContent('No customer data yet');
    expect(empty).toHaveTextContent('Import a CSV file');
    expect(empty).toHaveTextContent('ferry data demo');
    await user.click(within(empty).getByTestId('import-open'));
    expect(await screen.findByTestId('import-dialog')).toHaveAttribute('data-step', 'file');
  });

  it('lists the tables with their row and column counts, and shows the first one’s columns and sample', async () => {
    data.addDemo(40);
    giveGridsHeight(300);
    const { user } = renderApp();
    await openTab(user, 'data');

    const items = await screen.findAllByTestId('data-table-item');
    expect(items.map((i) => i.dataset.name)).toEqual(['customers', 'orders']);
    expect(items[0]).toHaveTextContent('40 rows · 9 columns');
    expect(items[1]).toHaveTextContent('80 rows · 5 columns');
    expect(items[0]).toHaveAttribute('aria-current', 'true');

    expect(screen.getByTestId('data-table-title')).toHaveTextContent('customers');
    const columns = screen.getAllByTestId('data-column-row');
    expect(columns.map((c) => c.dataset.name)).toContain('lifetime_value');
    const value = columns.find((c) => c.dataset.name === 'lifetime_value');
    expect(value).toHaveTextContent('decimal');

    const grid = await screen.findByTestId('sample-grid');
    expect(commands.dataSample).toHaveBeenCalledWith('customers', 100);
    expect(screen.getByTestId('sample-count')).toHaveTextContent('All 40 rows');
    const rows = await waitFor(() => {
      const r = gridRows(grid);
      expect(r.length).toBeGreaterThan(9);
      return r;
    });
    expect(rows[0].cells[0]).toBe('C000001');
    // Only the rows in view (300 px of 30 px rows) and a few beyond are in the DOM.
    expect(rows.length).toBeLessThan(40);
    // Customer 10 has no email: a faint "null", not an empty cell.
    const tenth = grid.querySelector('[data-row-index="9"]');
    expect(tenth?.querySelector('[data-null="true"]')).toHaveTextContent('null');
    // Booleans read as yes/no; the header says which columns are PII.
    expect(rows[0].cells[8]).toBe('no');
    const heads = within(grid).getAllByTestId('grid-column');
    expect(within(heads[3]).getByTestId('grid-pii')).toHaveTextContent('PII');
    expect(within(heads[4]).queryByTestId('grid-pii')).not.toBeInTheDocument();

    await user.click(items[1]);
    expect(await screen.findByTestId('data-table-title')).toHaveTextContent('orders');
    await waitFor(() => expect(commands.dataSample).toHaveBeenCalledWith('orders', 100));
  });

  it('marks and unmarks a column as personal data through set_pii, and the badge follows', async () => {
    data.addDemo(5);
    const { user } = renderApp();
    await openTab(user, 'data');

    const tier = await screen.findByTestId('pii-customers-loyalty_tier');
    expect(tier).not.toBeChecked();
    expect(screen.queryByTestId('pii-badge-customers-loyalty_tier')).not.toBeInTheDocument();

    await user.click(tier);
    await waitFor(() => expect(commands.setPii).toHaveBeenCalledWith('customers', 'loyalty_tier', true));
    expect(await screen.findByTestId('pii-badge-customers-loyalty_tier')).toHaveTextContent('PII');
    expect(screen.getByTestId('pii-customers-loyalty_tier')).toBeChecked();
    expect(data.tables.get('customers')?.columns.find((c) => c.name === 'loyalty_tier')?.pii).toBe(true);

    const email = screen.getByTestId('pii-customers-email');
    expect(email).toBeChecked();
    expect(screen.getByTestId('pii-badge-customers-email')).toBeInTheDocument();
    await user.click(email);
    await waitFor(() => expect(commands.setPii).toHaveBeenCalledWith('customers', 'email', false));
    await waitFor(() => expect(screen.queryByTestId('pii-badge-customers-email')).not.toBeInTheDocument());
    expect(screen.getByTestId('pii-customers-email')).not.toBeChecked();
  });

  it('puts a switch back and says why when set_pii fails', async () => {
    data.addDemo(5);
    commands.setPii.mockRejectedValueOnce({ code: 'not_found', message: 'customers has no column city.' });
    const { user } = renderApp();
    await openTab(user, 'data');

    await user.click(await screen.findByTestId('pii-customers-loyalty_tier'));
    expect(await screen.findByTestId('toast')).toHaveTextContent('customers has no column city.');
    await waitFor(() => expect(screen.getByTestId('pii-customers-loyalty_tier')).not.toBeChecked());
    expect(screen.queryByTestId('pii-badge-customers-loyalty_tier')).not.toBeInTheDocument();
  });
});
