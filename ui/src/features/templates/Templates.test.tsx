// Data templates in the Destinations tab: the list under each destination, adding one through
// the dialog, the preview, and what business users may not do.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TemplateInput } from '../../api/types';
import { DestinationsTab } from '../../destinations/DestinationsTab';
import { destination, preview, tableColumns, tableList, templateView } from '../../test/fixtures';
import { commands, data, resetCommands, users } from '../../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(() => {
  resetCommands();
  commands.listDestinations.mockResolvedValue([destination(), destination({ id: 'dest_2', name: 'Support US' })]);
  commands.listTables.mockResolvedValue(tableList());
  commands.tableColumns.mockResolvedValue(tableColumns());
  data.queries = [
    { id: 'qry_1', name: 'Newsletter sign-ups', description: '', sql: 'SELECT email FROM customers', timeLimitSecs: 30, createdAt: 0, updatedAt: 0 },
  ];
});

function rowOf(name: string): Promise<HTMLElement> {
  return waitFor(() => {
    const el = document.querySelector<HTMLElement>(`[data-testid="destination-row"][data-name="${name}"]`);
    if (!el) throw new Error(`no row ${name} yet`);
    return el;
  });
}

function input(testId: string): HTMLInputElement {
  const el = screen.getByTestId(testId);
  if (!(el instanceof HTMLInputElement)) throw new Error(`${testId} is not an input`);
  return el;
}

/** Opens a combobox and picks the option showing `text`. */
async function pick(user: ReturnType<typeof renderApp>['user'], combobox: HTMLElement, typed: string, text: string) {
  await fill(user, combobox, typed);
  const listbox = await screen.findByRole('listbox');
  await user.click(within(listbox).getByText(text, { exact: true }));
}

describe('Templates under a destination', () => {
  it('lists each destination’s templates with table and source, and says when one has none', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    renderApp(<DestinationsTab />);

    const lists = await screen.findAllByTestId('destination-templates');
    const sales = lists.find((l) => l.getAttribute('data-destination') === 'dest_1')!;
    const support = lists.find((l) => l.getAttribute('data-destination') === 'dest_2')!;
    const row = await within(sales).findByTestId('template-row');
    expect(row).toHaveTextContent('Newsletter to contacts');
    expect(within(row).getByTestId('template-table-name')).toHaveTextContent('Table: contact');
    await waitFor(() =>
      expect(within(row).getByTestId('template-source-name')).toHaveTextContent('Saved query: Newsletter sign-ups'),
    );
    expect(within(support).getByTestId('templates-empty')).toHaveTextContent(
      'No templates yet: add one to choose a table and map your columns.',
    );
  });

  it('deletes a template after asking', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.deleteTemplate.mockResolvedValue(null);
    const { user } = renderApp(<DestinationsTab />);

    const row = await screen.findByTestId('template-row');
    await user.click(within(row).getByTestId('template-more'));
    await user.click(await screen.findByTestId('template-delete'));
    const confirm = await screen.findByTestId('confirm-dialog');
    expect(confirm).toHaveTextContent('Delete template “Newsletter to contacts”?');
    commands.listTemplates.mockResolvedValue([]);
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(commands.deleteTemplate).toHaveBeenCalledWith('tpl_1'));
    await waitFor(() => expect(screen.queryByTestId('template-row')).toBeNull());
  });
});

describe('Adding a template', () => {
  it('prefills the mapping from suggestions, lists a dropped column, and saves what was chosen', async () => {
    commands.suggestMapping.mockResolvedValue([{ source: 'email', column: 'emailaddress1', reason: 'logicalName' }]);
    commands.checkTemplate.mockImplementation((i: TemplateInput) =>
      Promise.resolve({
        fields: [],
        dropped: i.mapping.fields.some((f) => f.column === 'createdon')
          ? [{ subject: 'createdon', message: 'Dynamics sets Created On itself and ignores it on create.' }]
          : [],
        warnings: i.table ? [{ subject: 'lastname', message: 'Dynamics requires Last Name and nothing fills it.' }] : [],
        unusedSources: i.source.id && !i.mapping.fields.some((f) => f.column === 'createdon') ? ['signup_date'] : [],
      }),
    );
    commands.createTemplate.mockImplementation((i: TemplateInput) => Promise.resolve(templateView({ name: i.name })));
    const { user } = renderApp(<DestinationsTab />);

    await clickRowAction(user, 'destination-add-template', await rowOf('Sales EU'));
    const dialog = await screen.findByTestId('template-dialog');
    expect(dialog).toHaveTextContent('Add a data template to Sales EU');

    await fill(user, input('template-name'), 'Newsletter to contacts');
    await waitFor(() => expect(within(dialog).getByText('Newsletter sign-ups')).toBeInTheDocument());
    await user.selectOptions(screen.getByTestId('template-source'), 'query:qry_1');
    await waitFor(() => expect(commands.listTables).toHaveBeenCalledWith('dest_1', false));
    await pick(user, screen.getByTestId('template-table'), 'cont', 'Contact');

    // The suggestion fills the email row; the source column nobody matched gets a row too.
    await waitFor(() => expect(commands.suggestMapping).toHaveBeenCalledWith('dest_1', { kind: 'query', id: 'qry_1' }, 'contact'));
    await waitFor(() => expect(input('mapping-target-email').value).toBe('Email'));
    await screen.findByTestId('mapping-row-signup_date');
    expect(input('mapping-target-signup_date').value).toBe('');

    // Mapping it to a column Dynamics ignores on create: the check lists it as dropped.
    await pick(user, input('mapping-target-signup_date'), 'created', 'Created On');
    expect(await screen.findByTestId('template-dropped')).toHaveTextContent('createdon');
    expect(screen.getByTestId('template-warnings')).toHaveTextContent('Dynamics requires Last Name');

    await user.selectOptions(screen.getByTestId('template-operation'), 'upsertByKey');
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>('template-key').value).toBe('new_contact_email_key'));

    await user.click(screen.getByTestId('template-save'));
    await waitFor(() => expect(commands.createTemplate).toHaveBeenCalledTimes(1));
    const saved = commands.createTemplate.mock.calls[0][0];
    expect(saved.mapping.timeZone).not.toBe('');
    expect(saved).toEqual({
      name: 'Newsletter to contacts',
      description: '',
      destination: 'dest_1',
      source: { kind: 'query', id: 'qry_1' },
      table: 'contact',
      mapping: {
        operation: { kind: 'upsertByKey', key: 'new_contact_email_key' },
        fields: [
          { column: 'emailaddress1', source: { kind: 'column', name: 'email' }, choiceOverrides: {} },
          { column: 'createdon', source: { kind: 'column', name: 'signup_date' }, choiceOverrides: {} },
        ],
        timeZone: saved.mapping.timeZone,
      },
      businessUsers: false,
      restrictedPii: false,
      campaigns: false,
    });
    await waitFor(() => expect(screen.queryByTestId('template-dialog')).toBeNull());
  });
});

describe('Editing a template', () => {
  it('opens with its saved mapping, shows a mapping problem on its row, and saves through update_template', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    // The saved pair's suggestions must not overwrite the saved mapping.
    commands.suggestMapping.mockResolvedValue([{ source: 'email', column: 'preferredcontactmethodcode', reason: 'commonName' }]);
    commands.checkTemplate.mockImplementation((i: TemplateInput) =>
      Promise.resolve({
        fields: i.name.includes('!')
          ? []
          : [{ field: 'mapping.emailaddress1', message: 'Some values are longer than the 100 characters Email holds.' }],
        dropped: [],
        warnings: [],
        unusedSources: [],
      }),
    );
    commands.updateTemplate.mockImplementation((id: string, i: TemplateInput) => Promise.resolve(templateView({ id, name: i.name })));
    const { user } = renderApp(<DestinationsTab />);

    const row = await screen.findByTestId('template-row');
    await user.click(within(row).getByTestId('template-more'));
    await user.click(await screen.findByTestId('template-edit'));
    const dialog = await screen.findByTestId('template-dialog');
    expect(dialog).toHaveTextContent('Edit template “Newsletter to contacts”');
    expect(input('template-name').value).toBe('Newsletter to contacts');
    await waitFor(() => expect(input('mapping-target-email').value).toBe('Email'));
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>('template-key').value).toBe('new_contact_email_key'));
    expect(await screen.findByTestId('error-mapping-email')).toHaveTextContent('longer than the 100 characters');

    await fill(user, input('template-name'), '!');
    await user.click(screen.getByTestId('template-save'));
    await waitFor(() => expect(commands.updateTemplate).toHaveBeenCalledTimes(1));
    const [id, saved] = commands.updateTemplate.mock.calls[0];
    expect(id).toBe('tpl_1');
    expect(saved.name).toBe('Newsletter to contacts!');
    expect(saved.mapping).toEqual(templateView().mapping);
    expect(commands.createTemplate).not.toHaveBeenCalled();
  });
});

describe('Preview', () => {
  /** The first page of `preview()`: its first two rows, counted alone, with more rows to read. */
  const firstPage = (errorsOnly: boolean) => {
    const all = preview();
    const rows = all.rows.slice(0, 2).filter((r) => !errorsOnly || r.verdict === 'error');
    return { ...all, total: 2, ready: 1, warning: 1, error: 0, complete: false, rows };
  };

  it('shows the first rows at once, checks every row for the counts, and filters to errors', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.previewTemplateFirstPage.mockImplementation((_id, _limit, errorsOnly) => Promise.resolve(firstPage(errorsOnly)));
    let finish = () => {};
    commands.previewTemplate.mockImplementation(
      (_id, _limit, errorsOnly) =>
        new Promise((resolve) => {
          const all = preview();
          finish = () => resolve(errorsOnly ? { ...all, rows: all.rows.filter((r) => r.verdict === 'error') } : all);
        }),
    );
    const { user } = renderApp(<DestinationsTab />);

    await user.click(await screen.findByTestId('template-preview'));
    const panel = await screen.findByTestId('preview-panel');
    // The first page is there while the pass runs; its counts are not passed off as the send's.
    expect(await within(panel).findByTestId('preview-row-0')).toBeInTheDocument();
    expect(commands.previewTemplateFirstPage).toHaveBeenCalledWith('tpl_1', 500, false);
    const checking = within(panel).getByTestId('preview-checking');
    expect(checking).toHaveTextContent('Checking every row…');
    expect(checking).toHaveTextContent('In the first 2 rows: 0 with errors');
    expect(within(panel).getByTestId('preview-progress')).toBeInTheDocument();
    expect(within(panel).queryByTestId('preview-count-error')).toBeNull();
    await waitFor(() => expect(commands.previewTemplate).toHaveBeenCalledWith('tpl_1', 500, false));

    finish();
    expect(await within(panel).findByTestId('preview-count-ready')).toHaveTextContent('1 ready');
    expect(within(panel).getByTestId('preview-count-warning')).toHaveTextContent('1 with warnings');
    expect(within(panel).getByTestId('preview-count-error')).toHaveTextContent('1 with errors');
    expect(within(panel).queryByTestId('preview-checking')).toBeNull();
    expect(screen.queryByTestId('pii-hidden-note')).toBeNull();

    // The first row is chosen; choosing another shows its findings and request.
    expect(await within(panel).findByTestId('preview-request')).toHaveTextContent("contacts(emailaddress1='ana%40example.com')");
    await user.click(within(panel).getByTestId('preview-row-1'));
    const request = within(panel).getByTestId('preview-request');
    expect(request).toHaveTextContent('PATCH https://contoso.crm4.dynamics.com/api/data/v9.2/contacts');
    expect(request).toHaveTextContent('Content-Type: application/json');
    expect(request.querySelector('pre')?.textContent).toContain('{\n  "emailaddress1": "bo@example.com"\n}');
    expect(request).toHaveTextContent('The Authorization header is left out');
    expect(within(panel).getByTestId('preview-findings')).toHaveTextContent('No choice is called “Pigeon”');
    expect(within(panel).getByTestId('preview-source')).toHaveTextContent('Pigeon');

    // The rows are one tab stop; the arrow keys move between them.
    within(panel).getByTestId('preview-row-1').focus();
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(within(panel).getByTestId('preview-row-2')).toHaveAttribute('data-selected', 'true'));
    expect(within(panel).getByTestId('preview-no-request')).toBeInTheDocument();

    // Errors only: the first page has none yet, which is not said to mean there are none.
    await user.click(within(panel).getByTestId('preview-errors-only'));
    await waitFor(() => expect(commands.previewTemplateFirstPage).toHaveBeenCalledWith('tpl_1', 500, true));
    expect(await within(panel).findByTestId('preview-empty')).toHaveTextContent('No errors in the first 2 rows.');
    await waitFor(() => expect(commands.previewTemplate).toHaveBeenCalledWith('tpl_1', 500, true));
    finish();
    expect(await within(panel).findByTestId('preview-row-2')).toBeInTheDocument();
    expect(within(panel).queryByTestId('preview-row-0')).toBeNull();
    expect(within(panel).getByTestId('preview-count-error')).toHaveTextContent('1 with errors');
    expect(within(panel).getByTestId('preview-no-request')).toBeInTheDocument();
  });

  it('asks for no second pass when the first page read every row', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.previewTemplateFirstPage.mockResolvedValue(preview());
    const { user } = renderApp(<DestinationsTab />);
    await user.click(await screen.findByTestId('template-preview'));
    const panel = await screen.findByTestId('preview-panel');
    expect(await within(panel).findByTestId('preview-count-error')).toHaveTextContent('1 with errors');
    expect(within(panel).queryByTestId('preview-checking')).toBeNull();
    expect(commands.previewTemplate).not.toHaveBeenCalled();
  });

  it('keeps the first page and says so when checking every row fails', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.previewTemplateFirstPage.mockResolvedValue(firstPage(false));
    commands.previewTemplate.mockRejectedValue({ code: 'timedOut', message: 'The query ran out of time.' });
    const { user } = renderApp(<DestinationsTab />);
    await user.click(await screen.findByTestId('template-preview'));
    const panel = await screen.findByTestId('preview-panel');
    expect(await within(panel).findByTestId('preview-error')).toHaveTextContent('Not every row could be checked');
    expect(within(panel).getByTestId('preview-row-0')).toBeInTheDocument();
    expect(within(panel).getByTestId('preview-checking')).not.toHaveTextContent('Checking every row');
    expect(within(panel).queryByTestId('preview-progress')).toBeNull();
  });

  it('says when personal data is hidden', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.previewTemplateFirstPage.mockResolvedValue(preview({ piiHidden: true }));
    const { user } = renderApp(<DestinationsTab />);
    await user.click(await screen.findByTestId('template-preview'));
    expect(await screen.findByTestId('pii-hidden-note')).toBeInTheDocument();
  });
});

describe('Business users', () => {
  it('see templates and their preview, but no add, edit or delete', async () => {
    users.actAs('Dana');
    commands.listTemplates.mockResolvedValue([templateView()]);
    renderApp(<DestinationsTab />);

    const row = await screen.findByTestId('template-row');
    expect(within(row).getByTestId('template-preview')).toBeInTheDocument();
    expect(within(row).queryByTestId('template-more')).toBeNull();
    expect(screen.queryByTestId('destination-add-template')).toBeNull();
    expect(screen.queryByTestId('destination-more')).toBeNull();
  });
});
