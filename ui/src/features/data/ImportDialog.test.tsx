// The CSV import: reading a file, deciding its columns, the run with its progress, the result
// with rejected rows by line number, cancel, and all-or-nothing.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { control, openTab, replaceText } from '../../test/dataHelpers';
import { commands, data, resetCommands } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

const PATH = '/home/ana/spring-signups.csv';

/** A file with a duplicate header, an embedded newline, a ragged row and a bad amount. */
const MESSY = [
  'Email,Full Name,Spend,Joined,Email',
  'a@example.com,Ana Silva,12.50,2026-03-01,a2@example.com',
  'b@example.com,"Berg, Bo",8,2026-03-02,',
  'c@example.com,"Chloé',
  'Moreau",19.99,2026-03-03,', // one record over lines 4 and 5
  'd@example.com,Dmitri Novak,7', // line 6: too few fields
  'e@example.com,Eoin Lund,lots,2026-03-05,', // line 7: Spend is not a number
  'f@example.com,Fatima Okafor,3.25,2026-03-06,',
].join('\n');

async function openImport(user: ReturnType<typeof renderApp>['user']) {
  await openTab(user, 'data');
  await user.click(await screen.findByTestId('import-open'));
  return screen.findByTestId('import-dialog');
}

async function readFile(user: ReturnType<typeof renderApp>['user'], path: string) {
  await replaceText(user, screen.getByTestId('import-path'), path);
  await user.click(screen.getByTestId('import-inspect'));
  await screen.findByTestId('import-columns');
}

function columnRows(): HTMLElement[] {
  return screen.getAllByTestId('import-column');
}

describe('CSV import', () => {
  it('reads a typed path and shows each column with its suggested name, type and PII mark, and the file’s problems beside their column', async () => {
    data.addFile(PATH, MESSY);
    const { user } = renderApp();
    await openImport(user);

    await readFile(user, PATH);
    expect(commands.importInspect).toHaveBeenCalledWith(PATH, { encoding: null, delimiter: null });

    const rows = columnRows();
    expect(rows).toHaveLength(5);
    expect(control('import-name-1')).toHaveValue('full_name');
    expect(control('import-type-2')).toHaveValue('text'); // "lots" makes Spend text
    expect(control('import-type-3')).toHaveValue('date');
    expect(screen.getByTestId('import-pii-0')).toBeChecked();
    expect(screen.getByTestId('import-pii-3')).not.toBeChecked();
    // The second "Email" header is a problem of column 5, said in its row.
    expect(within(rows[4]).getByTestId('import-problem-4')).toHaveTextContent('appears twice');
    expect(within(rows[0]).queryByTestId('import-problem-0')).not.toBeInTheDocument();
    // Both columns want the name "email": the second is told to change.
    expect(screen.getByTestId('error-columns[4].name')).toHaveTextContent('Column 1 is already called email');

    expect(control('import-encoding')).toHaveValue('UTF-8');
    expect(control('import-delimiter')).toHaveValue(',');
    expect(control('import-table')).toHaveValue('spring_signups');
    expect(screen.getByTestId('import-new-table')).toHaveTextContent('A new table will be made');
    // The sample shows the file's first rows, the embedded newline kept in its field.
    const sample = screen.getByTestId('import-sample');
    expect(within(sample).getAllByTestId('grid-column').map((c) => c.dataset.name)).toEqual(['Email', 'Full Name', 'Spend', 'Joined', 'Email']);
  });

  it('reads the file again with the encoding or delimiter the user chooses', async () => {
    data.addFile(PATH, 'id;name\n1;Ana\n2;Bo\n', 'Windows-1252');
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    expect(control('import-encoding')).toHaveValue('Windows-1252');
    expect(control('import-delimiter')).toHaveValue(';');
    expect(columnRows()).toHaveLength(2);

    await user.selectOptions(control('import-delimiter'), ',');
    await waitFor(() => expect(commands.importInspect).toHaveBeenLastCalledWith(PATH, { encoding: null, delimiter: ',' }));
    await waitFor(() => expect(columnRows()).toHaveLength(1));
    expect(control('import-name-0')).toHaveValue('id_name');

    await user.selectOptions(control('import-encoding'), 'UTF-8');
    await waitFor(() => expect(commands.importInspect).toHaveBeenLastCalledWith(PATH, { encoding: 'UTF-8', delimiter: ',' }));
  });

  it('fills in the path from Browse… and reads that file', async () => {
    data.addFile(PATH, 'id,email\n1,a@example.com\n');
    data.nextPick = PATH;
    const { user } = renderApp();
    await openImport(user);

    await user.click(screen.getByTestId('import-browse'));
    await screen.findByTestId('import-columns');
    expect(commands.pickCsvFile).toHaveBeenCalled();
    expect(control('import-path')).toHaveValue(PATH);
    expect(commands.importInspect).toHaveBeenCalledWith(PATH, { encoding: null, delimiter: null });
  });

  it('says so under the path when the file cannot be read', async () => {
    const { user } = renderApp();
    await openImport(user);
    await replaceText(user, screen.getByTestId('import-path'), '/nowhere/x.csv');
    await user.keyboard('{Enter}');

    expect(await screen.findByTestId('error-path')).toHaveTextContent('Ferry cannot find /nowhere/x.csv');
    expect(screen.queryByTestId('import-columns')).not.toBeInTheDocument();
  });

  it('checks column and table names as they are typed and does not start with a bad one', async () => {
    data.addFile(PATH, 'id,email\n1,a@example.com\n');
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    expect(screen.queryByTestId('error-columns[0].name')).not.toBeInTheDocument();

    await replaceText(user, control('import-name-0'), '2nd id');
    expect(screen.getByTestId('error-columns[0].name')).toHaveTextContent('start with a letter');
    await replaceText(user, control('import-name-0'), 'x'.repeat(65));
    expect(screen.getByTestId('error-columns[0].name')).toHaveTextContent('at most 64 characters');
    await replaceText(user, control('import-name-0'), 'EMAIL');
    expect(screen.getByTestId('error-columns[1].name')).toHaveTextContent('Column 1 is already called EMAIL');
    // Leaving a column out drops its name from the checks.
    await user.click(screen.getByTestId('import-include-1'));
    expect(screen.queryByTestId('error-columns[1].name')).not.toBeInTheDocument();
    expect(control('import-name-1')).toBeDisabled();

    await replaceText(user, control('import-table'), 'my table');
    expect(screen.getByTestId('error-table')).toHaveTextContent('letters, digits and _');

    await user.click(screen.getByTestId('import-start'));
    expect(commands.importStart).not.toHaveBeenCalled();
    await waitFor(() => expect(document.activeElement).toBe(control('import-table')));
  });

  it('offers to add to or replace a table that exists, and sends the chosen mode', async () => {
    data.addDemo(3);
    data.addFile(PATH, 'order_id,customer_id,order_date,total,status\nO9,C000001,2026-11-01,10,shipped\n');
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);

    await replaceText(user, control('import-table'), 'orders');
    expect(screen.getByTestId('import-mode-append')).toBeChecked();
    await user.click(screen.getByTestId('import-mode-replace'));
    await user.click(screen.getByTestId('import-start'));

    await waitFor(() => expect(commands.importStart).toHaveBeenCalledWith(expect.objectContaining({ table: 'orders', mode: 'replace', delimiter: ',', encoding: 'UTF-8' })));
    expect(await screen.findByTestId('import-result')).toHaveAttribute('data-state', 'done');
    expect(data.tables.get('orders')?.rowCount).toBe(1);
  });

  it('shows the backend’s refusal under the field it names', async () => {
    data.addFile(PATH, 'id,email\n1,a@example.com\n');
    commands.importStart.mockRejectedValueOnce({
      code: 'validation',
      message: 'No.',
      fields: [{ field: 'columns[1].name', message: 'email is a word this database keeps for itself.' }],
    });
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    await user.click(screen.getByTestId('import-start'));

    expect(await screen.findByTestId('error-columns[1].name')).toHaveTextContent('keeps for itself');
    expect(screen.getByTestId('import-dialog')).toHaveAttribute('data-step', 'file');
  });

  it('imports with a progress bar, then lists the rejected rows by line number and saves them', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `${i + 1},name${i + 1},${i}.5`);
    rows[1499] = '1500,broken'; // line 1501: a field short
    data.addFile(PATH, ['id,name,amount', ...rows].join('\n'));
    data.importRowsPerPoll = 1000;
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    await user.click(screen.getByTestId('import-all-or-nothing'));
    await user.click(screen.getByTestId('import-all-or-nothing'));
    await user.click(screen.getByTestId('import-start'));

    await waitFor(() =>
      expect(commands.importStart).toHaveBeenCalledWith({
        path: PATH,
        table: 'spring_signups',
        mode: 'create',
        encoding: 'UTF-8',
        delimiter: ',',
        allOrNothing: false,
        columns: [
          { index: 0, header: 'id', name: 'id', type: 'integer', pii: false, include: true, dateOrder: 'ymd' },
          { index: 1, header: 'name', name: 'name', type: 'text', pii: true, include: true, dateOrder: 'ymd' },
          { index: 2, header: 'amount', name: 'amount', type: 'decimal', pii: false, include: true, dateOrder: 'ymd' },
        ],
      }),
    );
    // Part-way: a thousand rows in, and how much of the file has been read.
    expect(await screen.findByTestId('import-progress')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByTestId('import-progress-text')).toHaveTextContent(/^1,000 rows imported · 0 rejected · 19\.2 KB of 48\.0 KB read \((39|40)%\)$/),
    );
    expect(screen.getByTestId('import-progress')).toHaveAttribute('aria-valuenow');

    const result = await screen.findByTestId('import-result');
    expect(result).toHaveAttribute('data-state', 'done');
    expect(result).toHaveTextContent('2,499 rows imported into spring_signups');
    const rejects = within(result).getAllByTestId('import-reject');
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toHaveAttribute('data-line', '1501');
    expect(rejects[0]).toHaveTextContent('Line 1,501Expected 3 fields but found 2.');

    await user.click(screen.getByTestId('import-save-rejects'));
    expect(await screen.findByTestId('import-saved-to')).toHaveTextContent('/home/ana/rejected-rows.csv');
    expect(commands.saveRejects).toHaveBeenCalledWith('imp_1');

    // The new table is in the list, chosen.
    await user.click(screen.getByTestId('import-close'));
    await waitFor(() => expect(screen.getByTestId('data-table-title')).toHaveTextContent('spring_signups'));
    expect(screen.getAllByTestId('data-table-item').map((i) => i.dataset.name)).toContain('spring_signups');
  });

  it('reports each bad row of a messy file with the line it starts on', async () => {
    data.addFile(PATH, MESSY);
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    await user.click(screen.getByTestId('import-include-4'));
    await user.selectOptions(control('import-type-2'), 'decimal');
    await user.click(screen.getByTestId('import-start'));

    const result = await screen.findByTestId('import-result');
    const rejects = within(result).getAllByTestId('import-reject');
    expect(rejects.map((r) => r.dataset.line)).toEqual(['6', '7']);
    expect(rejects[1]).toHaveTextContent('“lots” in spend is not a decimal value.');
    expect(result).toHaveTextContent('4 rows imported');
  });

  it('cancels a running import and says the table was left as it was', async () => {
    data.addDemo(2);
    const before = data.tables.get('orders')?.rowCount;
    data.addFile(PATH, ['order_id,customer_id', ...Array.from({ length: 500 }, (_, i) => `X${i},C1`)].join('\n'));
    data.importRowsPerPoll = 1;
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    await replaceText(user, control('import-table'), 'orders');
    await user.click(screen.getByTestId('import-mode-replace'));
    await user.click(screen.getByTestId('import-start'));

    await user.click(await screen.findByTestId('import-cancel'));
    expect(commands.importCancel).toHaveBeenCalledWith('imp_1');
    const result = await screen.findByTestId('import-result');
    expect(result).toHaveAttribute('data-state', 'cancelled');
    expect(result).toHaveTextContent('the table was left as it was');
    expect(data.tables.get('orders')?.rowCount).toBe(before);
  });

  it('imports nothing when all or nothing was asked for and a row is bad', async () => {
    data.addFile(PATH, 'id,amount\n1,2.5\n2,oops\n3,4\n');
    const { user } = renderApp();
    await openImport(user);
    await readFile(user, PATH);
    await user.selectOptions(control('import-type-1'), 'decimal');
    await user.click(screen.getByTestId('import-all-or-nothing'));
    await user.click(screen.getByTestId('import-start'));

    const result = await screen.findByTestId('import-result');
    expect(result).toHaveAttribute('data-state', 'failed');
    expect(result).toHaveTextContent('the table was left as it was');
    expect(within(result).getByTestId('import-reject')).toHaveAttribute('data-line', '3');
    expect(data.tables.has('spring_signups')).toBe(false);
  });
});
