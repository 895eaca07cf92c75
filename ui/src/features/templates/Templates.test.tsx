// Data templates in the Destinations tab: the list under each destination, adding one through
// the dialog, the preview, and what business users may not do.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TemplateInput } from '../../api/types';
import { DestinationsTab } from '../../destinations/DestinationsTab';
import { destination, preview, tableColumnsOf, tableList, templateView } from '../../test/fixtures';
import { commands, data, resetCommands, users } from '../../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(() => {
  resetCommands();
  commands.listDestinations.mockResolvedValue([destination(), destination({ id: 'dest_2', name: 'Support US' })]);
  commands.listTables.mockResolvedValue(tableList());
  commands.tableColumns.mockImplementation((_id, table) => Promise.resolve(tableColumnsOf(table)));
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

type User = ReturnType<typeof renderApp>['user'];

/**
 * Opens the add dialog on Sales EU, names the template, takes rows from `source` and picks the
 * contact table; the suggestions given map the rows, which the test waits for.
 */
async function addOnContacts(user: User, suggestions: Array<[source: string, column: string]>, source = 'query:qry_1') {
  commands.suggestMapping.mockResolvedValue(suggestions.map(([s, column]) => ({ source: s, column, reason: 'logicalName' })));
  commands.createTemplate.mockImplementation((i: TemplateInput) => Promise.resolve(templateView({ name: i.name })));
  await clickRowAction(user, 'destination-add-template', await rowOf('Sales EU'));
  const dialog = await screen.findByTestId('template-dialog');
  await fill(user, input('template-name'), 'Lapsed contacts');
  await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Newsletter sign-ups' })).toBeInTheDocument());
  await user.selectOptions(screen.getByTestId('template-source'), source);
  await pick(user, screen.getByTestId('template-table'), 'cont', 'Contact');
  for (const [s] of suggestions) await screen.findByTestId(`mapping-row-${s}`);
  await waitFor(() => expect(input(`mapping-target-${suggestions[0][0]}`).value).not.toBe(''));
  return dialog;
}

/** Saves and returns what create_template received. */
async function saveNew(user: User): Promise<TemplateInput> {
  await user.click(screen.getByTestId('template-save'));
  await waitFor(() => expect(commands.createTemplate).toHaveBeenCalledTimes(1));
  return commands.createTemplate.mock.calls[0][0];
}

function select(testId: string): HTMLSelectElement {
  const el = screen.getByTestId(testId);
  if (!(el instanceof HTMLSelectElement)) throw new Error(`${testId} is not a select`);
  return el;
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

describe('Choice columns', () => {
  it('list the choices that match by themselves and save the label overrides added', async () => {
    const { user } = renderApp(<DestinationsTab />);
    await addOnContacts(user, [['contact_method', 'preferredcontactmethodcode']]);

    const toggle = screen.getByTestId('overrides-toggle-contact_method');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = screen.getByTestId('overrides-contact_method');
    expect(within(panel).getByTestId('overrides-choices-contact_method')).toHaveTextContent(
      'These labels match by themselves, in any case: Any = 1, Email = 2, Phone = 3, Fax = 4, Mail = 5, Carrier pigeon = 6.',
    );

    await user.click(screen.getByTestId('override-add-contact_method'));
    await fill(user, input('override-label-contact_method-0'), 'Pigeon');
    expect(screen.getByTestId('override-error-contact_method-0')).toHaveTextContent('Choose the choice it means.');
    expect(within(select('override-value-contact_method-0')).getByRole('option', { name: 'Carrier pigeon (6)' })).toBeInTheDocument();
    await user.selectOptions(select('override-value-contact_method-0'), '6');
    expect(screen.queryByTestId('override-error-contact_method-0')).toBeNull();

    await user.click(screen.getByTestId('override-add-contact_method'));
    await fill(user, input('override-label-contact_method-1'), 'E-mail');
    await user.selectOptions(select('override-value-contact_method-1'), '2');

    // The same label twice (any case) is pointed out, and only the first is kept.
    await user.click(screen.getByTestId('override-add-contact_method'));
    await fill(user, input('override-label-contact_method-2'), 'pigeon');
    await user.selectOptions(select('override-value-contact_method-2'), '5');
    expect(screen.getByTestId('override-error-contact_method-2')).toHaveTextContent('This label is already listed above.');
    await user.click(screen.getByTestId('override-remove-contact_method-2'));
    expect(screen.queryByTestId('override-label-contact_method-2')).toBeNull();
    expect(toggle).toHaveTextContent('Label overrides (2)');

    const saved = await saveNew(user);
    expect(saved.mapping.fields).toEqual([
      {
        column: 'preferredcontactmethodcode',
        source: { kind: 'column', name: 'contact_method' },
        choiceOverrides: { Pigeon: 6, 'E-mail': 2 },
      },
    ]);
  });
});

describe('Dates and times', () => {
  it('show each date column’s behaviour and save the time zone chosen', async () => {
    const { user } = renderApp(<DestinationsTab />);
    await addOnContacts(user, [
      ['last_seen', 'lastcontactedon'],
      ['birthday', 'birthdate'],
    ]);

    expect(screen.getByTestId('date-behavior-last_seen')).toHaveTextContent('User local: values without an offset are read as');
    expect(screen.getByTestId('date-behavior-birthday')).toHaveTextContent('Date only: only the date is kept');
    const zone = input('template-time-zone');
    expect(zone).toHaveAccessibleName('Time zone');
    expect(zone).toHaveAccessibleDescription(/Used for user-local date and time columns when a source value has no offset/);
    expect(zone).toHaveAccessibleDescription(/Mapped now: Last Contacted\./);

    // The column picker says the behaviour too.
    await fill(user, input('mapping-target-birthday'), 'birth');
    expect(within(await screen.findByRole('listbox')).getByText('birthdate · DateTime · Date only')).toBeInTheDocument();
    await user.keyboard('{Escape}');

    await pick(user, zone, 'tokyo', 'Asia/Tokyo');
    await waitFor(() => expect(zone.value).toBe('Asia/Tokyo'));
    expect(screen.getByTestId('date-behavior-last_seen')).toHaveTextContent('read as Asia/Tokyo time');
    await pick(user, zone, 'utc', 'UTC');

    const saved = await saveNew(user);
    expect(saved.mapping.timeZone).toBe('UTC');
  });
});

describe('Lookup columns', () => {
  it('take their related table and the key their values are, loading the related table’s keys', async () => {
    const { user } = renderApp(<DestinationsTab />);
    await addOnContacts(user, [
      ['card', 'new_loyaltycardid'],
      ['company', 'parentcustomerid'],
    ]);

    // One related table: chosen already, and without keys the values are record IDs.
    expect(select('lookup-table-card').value).toBe('new_loyaltycard');
    expect(select('lookup-table-card')).toHaveAccessibleName('Related table');
    expect(select('lookup-key-card')).toHaveAccessibleName('Values are');
    await waitFor(() => expect(commands.tableColumns).toHaveBeenCalledWith('dest_1', 'new_loyaltycard', false));
    expect(await screen.findByText('This table has no alternate keys, so the values must be record IDs.')).toBeInTheDocument();
    expect(select('lookup-key-card').value).toBe('');

    // Two related tables: nothing is guessed.
    expect(select('lookup-table-company').value).toBe('');
    expect(screen.getByTestId('lookup-hint-company')).toHaveTextContent('Choose the table the values point to.');
    expect(select('lookup-key-company')).toBeDisabled();
    await user.selectOptions(select('lookup-table-company'), 'account');
    await waitFor(() => expect(commands.tableColumns).toHaveBeenCalledWith('dest_1', 'account', false));
    const key = select('lookup-key-company');
    await waitFor(() => expect(within(key).getByRole('option', { name: 'Key new_account_number_key (accountnumber)' })).toBeInTheDocument());
    expect(within(key).getByRole('option', { name: 'Record ID (GUID)' })).toBeInTheDocument();
    await user.selectOptions(key, 'new_account_number_key');

    const saved = await saveNew(user);
    expect(saved.mapping.fields).toEqual([
      {
        column: 'new_loyaltycardid',
        source: { kind: 'column', name: 'card' },
        choiceOverrides: {},
        lookup: { table: 'new_loyaltycard', key: null },
      },
      {
        column: 'parentcustomerid',
        source: { kind: 'column', name: 'company' },
        choiceOverrides: {},
        lookup: { table: 'account', key: 'new_account_number_key' },
      },
    ]);
  });
});

describe('Deleting by key', () => {
  it('is saved only after typing the template’s name, and says how many rows the segment has now', async () => {
    data.segments = [
      {
        id: 'seg_1',
        name: 'Lapsed customers',
        description: '',
        definition: { table: 'customers', rules: { match: 'all', rules: [] } },
        createdAt: 0,
        updatedAt: 0,
      },
    ];
    commands.countSourceRows.mockResolvedValue(1234);
    const { user } = renderApp(<DestinationsTab />);
    await addOnContacts(user, [['email', 'emailaddress1']], 'segment:seg_1');

    await user.selectOptions(select('template-operation'), 'deleteByKey');
    expect(within(select('template-operation')).getByRole('option', { name: 'Delete records matched by a key' })).toBeInTheDocument();
    await waitFor(() => expect(select('template-key').value).toBe('new_contact_email_key'));
    expect(screen.getByTestId('template-delete-warning')).toHaveTextContent('This template deletes records');

    await user.click(screen.getByTestId('template-save'));
    const confirm = await screen.findByTestId('delete-confirm-dialog');
    await waitFor(() =>
      expect(within(confirm).getByTestId('delete-confirm-count')).toHaveTextContent(
        `The segment “Lapsed customers” has ${(1234).toLocaleString()} rows now`,
      ),
    );
    const go = within(confirm).getByTestId('delete-confirm-save');
    expect(go).toBeDisabled();
    await fill(user, within(confirm).getByTestId('delete-confirm-input'), 'Lapsed');
    expect(go).toBeDisabled();
    await user.click(go);
    expect(commands.createTemplate).not.toHaveBeenCalled();

    // Going back keeps the dialog and saves nothing.
    await user.click(within(confirm).getByTestId('delete-confirm-cancel'));
    await waitFor(() => expect(screen.queryByTestId('delete-confirm-dialog')).toBeNull());
    expect(commands.createTemplate).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('template-save'));
    const again = await screen.findByTestId('delete-confirm-dialog');
    await fill(user, within(again).getByTestId('delete-confirm-input'), 'Lapsed contacts');
    expect(within(again).getByTestId('delete-confirm-save')).toBeEnabled();
    await user.click(within(again).getByTestId('delete-confirm-save'));
    await waitFor(() => expect(commands.createTemplate).toHaveBeenCalledTimes(1));
    const saved = commands.createTemplate.mock.calls[0][0];
    expect(saved.source).toEqual({ kind: 'segment', id: 'seg_1' });
    expect(saved.mapping.operation).toEqual({ kind: 'deleteByKey', key: 'new_contact_email_key' });
    await waitFor(() => expect(screen.queryByTestId('template-dialog')).toBeNull());
  });

  it('asks the same when an existing template is changed to delete; DELETE confirms too', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.updateTemplate.mockImplementation((id: string, i: TemplateInput) => Promise.resolve(templateView({ id, name: i.name })));
    commands.countSourceRows.mockResolvedValue(1);
    const { user } = renderApp(<DestinationsTab />);
    await clickRowAction(user, 'template-edit', await screen.findByTestId('template-row'));
    await screen.findByTestId('template-dialog');
    await waitFor(() => expect(select('template-key').value).toBe('new_contact_email_key'));

    await user.selectOptions(select('template-operation'), 'deleteByKey');
    await user.click(screen.getByTestId('template-save'));
    const confirm = await screen.findByTestId('delete-confirm-dialog');
    await waitFor(() =>
      expect(within(confirm).getByTestId('delete-confirm-count')).toHaveTextContent(
        'The saved query “Newsletter sign-ups” has 1 row now: sending deletes the record its key finds in Sales EU.',
      ),
    );
    expect(commands.countSourceRows).toHaveBeenCalledWith(templateView().source);
    expect(within(confirm).getByLabelText('Type the template’s name, “Newsletter to contacts”, or DELETE to confirm')).toBeInTheDocument();
    expect(commands.updateTemplate).not.toHaveBeenCalled();
    await fill(user, within(confirm).getByTestId('delete-confirm-input'), 'DELETE');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(commands.updateTemplate).toHaveBeenCalledTimes(1));
    expect(commands.updateTemplate.mock.calls[0][1].mapping.operation).toEqual({ kind: 'deleteByKey', key: 'new_contact_email_key' });
  });
});

describe('Available to campaigns', () => {
  it('waits for business-user access, and goes off with it', async () => {
    const { user } = renderApp(<DestinationsTab />);
    await addOnContacts(user, [['email', 'emailaddress1']]);

    const campaigns = screen.getByTestId('template-campaigns');
    const business = screen.getByTestId('template-business-users');
    expect(campaigns).toBeDisabled();
    expect(screen.getByTestId('template-campaigns-hint')).toHaveTextContent(
      'Campaigns are run by business users: turn on business-user access above first.',
    );
    await user.click(business);
    expect(campaigns).toBeEnabled();
    await user.click(campaigns);
    expect(campaigns).toBeChecked();

    await user.click(business);
    expect(campaigns).not.toBeChecked();
    expect(campaigns).toBeDisabled();
    await user.click(business);
    await user.click(campaigns);

    const saved = await saveNew(user);
    expect(saved.businessUsers).toBe(true);
    expect(saved.campaigns).toBe(true);
  });
});

describe('Duplicating a template', () => {
  it('opens the add dialog filled in as “Copy of …” and saves a new template', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.createTemplate.mockImplementation((i: TemplateInput) => Promise.resolve(templateView({ id: 'tpl_2', name: i.name })));
    const { user } = renderApp(<DestinationsTab />);

    const row = await screen.findByTestId('template-row');
    await user.click(within(row).getByTestId('template-more'));
    const items = await screen.findAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Edit', 'Duplicate', 'Delete']);
    await user.click(screen.getByTestId('template-duplicate'));

    const dialog = await screen.findByTestId('template-dialog');
    expect(dialog).toHaveTextContent('Duplicate “Newsletter to contacts” in Sales EU');
    expect(input('template-name').value).toBe('Copy of Newsletter to contacts');
    await waitFor(() => expect(input('mapping-target-email').value).toBe('Email'));

    const saved = await saveNew(user);
    expect(saved.name).toBe('Copy of Newsletter to contacts');
    expect(saved.mapping).toEqual(templateView().mapping);
    expect(saved.businessUsers).toBe(true);
    expect(commands.updateTemplate).not.toHaveBeenCalled();
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

  it('checks against Dynamics on request: counts in words, and the chosen row’s outcome', async () => {
    commands.listTemplates.mockResolvedValue([templateView()]);
    commands.previewTemplateFirstPage.mockResolvedValue(preview());
    commands.checkAgainstDynamics.mockResolvedValue({
      template: { id: 'tpl_1', name: 'Newsletter to contacts' },
      checked: 2,
      creates: 1,
      updates: 1,
      deletes: 0,
      notFound: 0,
      failed: 0,
      rows: [
        { index: 0, outcome: 'updates', message: '' },
        { index: 1, outcome: 'creates', message: '' },
      ],
    });
    const { user } = renderApp(<DestinationsTab />);
    await user.click(await screen.findByTestId('template-preview'));
    const panel = await screen.findByTestId('preview-panel');
    await within(panel).findByTestId('preview-count-error');
    expect(within(panel).queryByTestId('preview-online-row')).toBeNull();
    expect(commands.checkAgainstDynamics).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('preview-check-dynamics'));
    expect(commands.checkAgainstDynamics).toHaveBeenCalledWith('tpl_1', 100);
    expect(await within(panel).findByTestId('preview-online')).toHaveTextContent(
      'Of the first 2 rows that would be sent: 1 would update a record, 1 would create one.',
    );
    expect(within(panel).getByTestId('preview-online-row')).toHaveTextContent('a record has this key: sending updates it');
    await user.click(within(panel).getByTestId('preview-row-1'));
    expect(within(panel).getByTestId('preview-online-row')).toHaveTextContent('no record has this key yet: sending creates one');
  });

  it('offers no online check for a template that only creates', async () => {
    commands.listTemplates.mockResolvedValue([
      templateView({ mapping: { ...templateView().mapping, operation: { kind: 'create' } } }),
    ]);
    commands.previewTemplateFirstPage.mockResolvedValue(preview());
    const { user } = renderApp(<DestinationsTab />);
    await user.click(await screen.findByTestId('template-preview'));
    await screen.findByTestId('preview-panel');
    expect(screen.getByTestId('preview-check-dynamics')).toBeDisabled();
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
