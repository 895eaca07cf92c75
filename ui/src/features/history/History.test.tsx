// The History tab: jobs newest first with their counts, the empty state, filters, a job's
// receipts page by page and by outcome, Retry failed rows, Export rejected rows and Resume,
// masked personal data, and the start-up banner for unfinished sends.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { receipts } from '../../test/fakeJobs';
import { templateView } from '../../test/fixtures';
import { commands, jobs, resetCommands } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

type User = ReturnType<typeof renderApp>['user'];

beforeEach(() => {
  resetCommands();
  jobs.templates = [templateView()];
});

const COUNTS = { delivered: 0, created: 0, updated: 0, rejected: 0, failed: 0, invalid: 0, inFlight: 0 };

async function openHistory(user: User) {
  await user.click(await screen.findByTestId('tab-history'));
}

function historyRows(): HTMLElement[] {
  return screen.queryAllByTestId('history-row');
}

async function openJob(user: User, id: string) {
  await waitFor(() => expect(historyRows().length).toBeGreaterThan(0));
  const row = historyRows().find((r) => r.dataset.job === id);
  if (!row) throw new Error(`no row for ${id}`);
  await user.click(within(row).getByTestId('history-open'));
  return screen.findByTestId('job-detail');
}

describe('History', () => {
  it('says how to send the first job when there is none, and leads to the Destinations tab', async () => {
    const { user } = renderApp();
    await openHistory(user);
    const empty = await screen.findByTestId('history-empty');
    expect(empty).toHaveTextContent('Nothing has been sent yet');
    expect(empty).toHaveTextContent('find a data template under its destination and choose Send');
    await user.click(screen.getByTestId('history-go-destinations'));
    await waitFor(() => expect(screen.getByTestId('tab-destinations')).toHaveAttribute('aria-selected', 'true'));
  });

  it('lists jobs newest first with template, destination, source, who ran it, state, counts and duration', async () => {
    jobs.add({ template: { id: 'tpl_1', name: 'Older send' }, createdAt: 1_790_000_000, state: 'finished' });
    jobs.add({
      template: { id: 'tpl_2', name: 'Newer send' },
      createdAt: 1_790_050_000,
      state: 'stopped',
      ranBy: { id: 'usr_bo', name: 'Bo' },
      total: 200,
      elapsedMs: 125_000,
      counts: { ...COUNTS, delivered: 150, created: 100, updated: 50, rejected: 7, failed: 3, invalid: 40 },
    });
    const { user } = renderApp();
    await openHistory(user);
    await waitFor(() => expect(historyRows()).toHaveLength(2));
    const [first, second] = historyRows();
    expect(within(first).getByTestId('history-template')).toHaveTextContent('Newer send');
    expect(within(second).getByTestId('history-template')).toHaveTextContent('Older send');
    expect(first).toHaveTextContent('contact in Sales EU, from query Newsletter sign-ups');
    expect(first).toHaveTextContent('Bo');
    expect(within(first).getByTestId('job-state')).toHaveTextContent('Stopped');
    const counts = within(first).getByTestId('history-counts');
    expect(counts).toHaveTextContent('150 delivered (100 created, 50 updated)');
    expect(counts).toHaveTextContent('7 rejected');
    expect(counts).toHaveTextContent('3 failed');
    expect(counts).toHaveTextContent('40 not sent');
    expect(counts).toHaveTextContent('of 200');
    expect(first).toHaveTextContent('2 min 5 s');
    expect(screen.getByTestId('history-count')).toHaveTextContent('2 jobs');
  });

  it('filters by state and by template text, and says when nothing matches', async () => {
    jobs.add({ template: { id: 'tpl_1', name: 'Spring newsletter' }, state: 'finished' });
    jobs.add({ template: { id: 'tpl_2', name: 'Lapsed customers' }, state: 'cancelled', resumable: true });
    jobs.add({ template: { id: 'tpl_3', name: 'Autumn newsletter' }, state: 'cancelled', resumable: true });
    const { user } = renderApp();
    await openHistory(user);
    await waitFor(() => expect(historyRows()).toHaveLength(3));

    await user.selectOptions(screen.getByTestId('history-filter-state'), 'cancelled');
    expect(historyRows().map((r) => r.dataset.state)).toEqual(['cancelled', 'cancelled']);
    await user.click(screen.getByTestId('history-filter-template'));
    await user.paste('NEWSLETTER');
    expect(historyRows()).toHaveLength(1);
    expect(historyRows()[0]).toHaveTextContent('Autumn newsletter');
    expect(screen.getByTestId('history-count')).toHaveTextContent('1 of 3 jobs shown');

    await user.selectOptions(screen.getByTestId('history-filter-state'), 'stopped');
    expect(screen.getByTestId('history-no-matches')).toHaveTextContent('No job matches these filters');
    await user.click(within(screen.getByTestId('history-no-matches')).getByRole('button'));
    expect(historyRows()).toHaveLength(3);
  });

  it('pages a job’s receipts with their record ids, and filters them by outcome', async () => {
    const rows = [
      ...receipts(118),
      ...receipts(
        2,
        { state: 'rejected', recordId: null, created: null, code: '0x80040237', message: 'A record with these values already exists.' },
        118,
      ),
    ];
    const j = jobs.add({ total: 120, counts: { ...COUNTS, delivered: 118, created: 78, updated: 40, rejected: 2 } }, rows);
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);

    expect(await within(detail).findByTestId('receipts-range')).toHaveTextContent('Rows 1–50 of 120');
    const first = within(detail).getAllByTestId('receipt-row');
    expect(first).toHaveLength(50);
    expect(within(first[0]).getByTestId('receipt-record')).toHaveTextContent('00000000-0000-0000-0000-000000000000');
    expect(first[0]).toHaveTextContent("emailaddress1='person0@example.com'");
    expect(first[0]).toHaveTextContent('Updated');
    expect(first[1]).toHaveTextContent('Created');
    expect(within(detail).getByTestId('receipts-prev')).toBeDisabled();

    await user.click(within(detail).getByTestId('receipts-next'));
    await waitFor(() => expect(within(detail).getByTestId('receipts-range')).toHaveTextContent('Rows 51–100 of 120'));
    expect(commands.jobReceipts).toHaveBeenLastCalledWith(j.id, { states: [], offset: 50, limit: 50 });
    expect(within(detail).getAllByTestId('receipt-row')[0]).toHaveAttribute('data-index', '50');
    await user.click(within(detail).getByTestId('receipts-next'));
    await waitFor(() => expect(within(detail).getByTestId('receipts-range')).toHaveTextContent('Rows 101–120 of 120'));
    expect(within(detail).getByTestId('receipts-next')).toBeDisabled();

    await user.selectOptions(within(detail).getByTestId('receipts-filter'), 'rejected');
    await waitFor(() => expect(within(detail).getByTestId('receipts-range')).toHaveTextContent('Rows 1–2 of 2'));
    expect(commands.jobReceipts).toHaveBeenLastCalledWith(j.id, { states: ['rejected'], offset: 0, limit: 50 });
    const rejected = within(detail).getAllByTestId('receipt-row');
    expect(rejected.map((r) => r.dataset.state)).toEqual(['rejected', 'rejected']);
    expect(rejected[0]).toHaveTextContent('0x80040237: A record with these values already exists.');

    await user.selectOptions(within(detail).getByTestId('receipts-filter'), 'failed');
    expect(await within(detail).findByTestId('receipts-empty')).toHaveTextContent('No row is failed.');
  });

  it('says so when personal data in the receipts is hidden', async () => {
    jobs.piiHidden = true;
    const j = jobs.add({ counts: { ...COUNTS, delivered: 1 } }, receipts(1, { key: "emailaddress1='•••• (PII)'" }));
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    expect(await within(detail).findByTestId('receipts-pii-hidden')).toHaveTextContent('Personal data is hidden');
    expect(within(detail).getByTestId('receipt-row')).toHaveTextContent('•••• (PII)');
  });

  it('retries the failed rows after explaining that the source is read again', async () => {
    const j = jobs.add({ counts: { ...COUNTS, delivered: 10, rejected: 2, failed: 1 } });
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    expect(within(detail).getByTestId('job-retry-note')).toHaveTextContent('reads them again from the source, so fix their data first');

    await user.click(within(detail).getByTestId('job-retry'));
    const dialog = await screen.findByTestId('send-dialog');
    expect(within(dialog).getByTestId('send-confirm-text')).toHaveTextContent(
      `the 3 rows job ${j.id} could not deliver to contact in Sales EU again, as a new job`,
    );
    expect(commands.retryFailedRows).not.toHaveBeenCalled();
    await user.click(within(dialog).getByTestId('send-start'));
    await waitFor(() => expect(commands.retryFailedRows).toHaveBeenCalledWith(j.id));
    expect(await within(dialog).findByTestId('send-progress')).toBeInTheDocument();
  });

  it('offers a retry for rows not sent because of errors in their data', async () => {
    const j = jobs.add({ counts: { ...COUNTS, delivered: 10, rejected: 0, failed: 0, invalid: 2 } });
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    expect(within(detail).getByTestId('job-retry')).toBeEnabled();
    expect(within(detail).getByTestId('job-retry-note')).toHaveTextContent('2 rows that were rejected, failed or not sent');
  });

  it('offers no retry when every row was delivered', async () => {
    const j = jobs.add({ counts: { ...COUNTS, delivered: 10 } });
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    expect(within(detail).queryByTestId('job-retry')).not.toBeInTheDocument();
    expect(within(detail).queryByTestId('job-export')).not.toBeInTheDocument();
  });

  it('exports the rejected rows and says how many were written, nothing when the dialog is closed, and why it failed', async () => {
    const j = jobs.add({ counts: { ...COUNTS, delivered: 10, rejected: 12 } });
    jobs.nextExport = null;
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    await user.click(within(detail).getByTestId('job-export'));
    await waitFor(() => expect(commands.exportRejectedRows).toHaveBeenCalledWith(j.id));
    await waitFor(() => expect(within(detail).getByTestId('job-export')).toBeEnabled());
    expect(within(detail).queryByTestId('job-exported')).not.toBeInTheDocument();

    jobs.nextExport = 12;
    await user.click(within(detail).getByTestId('job-export'));
    expect(await within(detail).findByTestId('job-exported')).toHaveTextContent('12 rows written');

    commands.exportRejectedRows.mockRejectedValueOnce({ code: 'internal', message: 'A file could not be read or written: disk full' });
    await user.click(within(detail).getByTestId('job-export'));
    expect(await within(detail).findByTestId('job-export-error')).toHaveTextContent('disk full');
  });

  it('resumes a cancelled job', async () => {
    const j = jobs.add({ state: 'cancelled', resumable: true, total: 100, counts: { ...COUNTS, delivered: 40 } });
    const { user } = renderApp();
    await openHistory(user);
    const detail = await openJob(user, j.id);
    await user.click(within(detail).getByTestId('job-resume'));
    const dialog = await screen.findByTestId('send-dialog');
    expect(within(dialog).getByTestId('send-confirm-text')).toHaveTextContent('40 of 100 rows were dealt with');
    await user.click(within(dialog).getByTestId('send-start'));
    await waitFor(() => expect(commands.resumeJob).toHaveBeenCalledWith(j.id));
  });
});

describe('Unfinished sends at start-up', () => {
  it('offers to resume each one, and can be dismissed', async () => {
    const j = jobs.add({ template: { id: 'tpl_1', name: 'Spring newsletter' }, state: 'interrupted', resumable: true, total: 500, counts: { ...COUNTS, delivered: 120 } });
    jobs.add({ state: 'finished' });
    const first = renderApp();
    const banner = await screen.findByTestId('unfinished-banner');
    expect(banner).toHaveTextContent('A send was left unfinished');
    const items = within(banner).getAllByTestId('unfinished-job');
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent('“Spring newsletter” to Sales EU');
    expect(items[0]).toHaveTextContent('120 of 500 rows dealt with');

    await first.user.click(within(items[0]).getByTestId('unfinished-resume'));
    await first.user.click(within(await screen.findByTestId('send-dialog')).getByTestId('send-start'));
    await waitFor(() => expect(commands.resumeJob).toHaveBeenCalledWith(j.id));
    // Resumed, it is no longer unfinished: the banner goes.
    await waitFor(() => expect(screen.queryByTestId('unfinished-banner')).not.toBeInTheDocument());
    first.unmount();

    jobs.add({ state: 'interrupted', resumable: true });
    const second = renderApp();
    await second.user.click(within(await screen.findByTestId('unfinished-banner')).getByTestId('unfinished-dismiss'));
    expect(screen.queryByTestId('unfinished-banner')).not.toBeInTheDocument();
    expect(commands.resumeJob).toHaveBeenCalledTimes(1);
  });

  it('does not show when nothing is unfinished', async () => {
    jobs.add({ state: 'finished' });
    renderApp();
    await screen.findByTestId('tab-history');
    await waitFor(() => expect(commands.unfinishedJobs).toHaveBeenCalled());
    expect(screen.queryByTestId('unfinished-banner')).not.toBeInTheDocument();
  });
});
