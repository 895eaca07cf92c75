// The Activity tab: entries newest first, the filters and the query they send, a chosen entry's
// details (before → after, values, JSON), paging as the list scrolls, export and verification.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActivityQuery } from '../../api/types';
import { giveGridsHeight, openTab, replaceText, scrollGrid } from '../../test/dataHelpers';
import { commands, resetCommands, users } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(() => {
  resetCommands();
  // 400 px of 36 px rows under the header: about ten rows in view.
  giveGridsHeight(400, ['activity-scroller']);
});

type User = ReturnType<typeof renderApp>['user'];

const ANY: ActivityQuery = { user: null, kind: null, since: null, until: null, revealsPii: false };

async function openActivity(user: User) {
  await openTab(user, 'activity');
  return screen.findByTestId('activity-scroller');
}

/** The seq numbers of the rows on screen, top to bottom. */
function rowSeqs(): number[] {
  return screen
    .queryAllByTestId(/^activity-row-\d+$/)
    .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
    .map((r) => Number(r.dataset.testid?.replace('activity-row-', '')));
}

/** The query of the latest activity_page call. */
function lastQuery(): ActivityQuery {
  const calls = commands.activityPage.mock.calls;
  return calls[calls.length - 1][0];
}

describe('Activity tab', () => {
  it('lists the entries newest first with user, kind, summary, outcome and the PII marker', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await waitFor(() => expect(rowSeqs()).toEqual([7, 6, 5, 4, 3, 2, 1]));
    expect(commands.activityPage).toHaveBeenCalledWith(ANY, 0, 200);
    expect(screen.getByTestId('activity-count')).toHaveTextContent('7 entries');

    const failed = screen.getByTestId('activity-row-7');
    expect(failed).toHaveTextContent('Bo');
    expect(failed).toHaveTextContent('Connections');
    expect(failed).toHaveTextContent('Tested the connection to Sales EU');
    expect(within(failed).getByTestId('activity-outcome')).toHaveAttribute('data-outcome', 'failed');
    expect(within(failed).getByTestId('activity-outcome')).toHaveTextContent('Failed');
    expect(within(screen.getByTestId('activity-row-5')).getByTestId('activity-outcome')).toHaveTextContent('Refused');
    expect(within(screen.getByTestId('activity-row-1')).getByTestId('activity-outcome')).toHaveTextContent('OK');
    // Only Sam's query run showed personal data.
    expect(within(screen.getByTestId('activity-row-4')).getByTestId('activity-reveals-pii')).toBeInTheDocument();
    expect(screen.getAllByTestId('activity-reveals-pii')).toHaveLength(1);
  });

  it('sends each filter to the backend and shows what it answers', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await waitFor(() => expect(rowSeqs()).toHaveLength(7));

    // The pickers offer every user and kind in the log.
    const userFilter = screen.getByTestId('activity-filter-user');
    expect([...userFilter.querySelectorAll('option')].map((o) => o.textContent)).toEqual([
      'Everyone',
      'Ana',
      'Bo',
      'Dana',
      'Ferry (start-up)',
      'Sam',
    ]);
    await user.selectOptions(userFilter, 'Bo');
    await waitFor(() => expect(rowSeqs()).toEqual([7, 3]));
    expect(lastQuery()).toEqual({ ...ANY, user: 'Bo' });
    expect(screen.getByTestId('activity-count')).toHaveTextContent('2 entries match');

    await user.selectOptions(screen.getByTestId('activity-filter-kind'), 'data');
    await waitFor(() => expect(rowSeqs()).toEqual([3]));
    expect(lastQuery()).toEqual({ ...ANY, user: 'Bo', kind: 'data' });

    await user.click(screen.getByTestId('activity-clear-filters'));
    await waitFor(() => expect(rowSeqs()).toHaveLength(7));

    await user.click(screen.getByTestId('activity-pii-only'));
    await waitFor(() => expect(rowSeqs()).toEqual([4]));
    expect(lastQuery()).toEqual({ ...ANY, revealsPii: true });
    await user.click(screen.getByTestId('activity-pii-only'));

    // Dates: both ends included.
    await replaceText(user, screen.getByTestId('activity-since'), '2026-11-22');
    await replaceText(user, screen.getByTestId('activity-until'), '2026-11-25');
    await waitFor(() => expect(rowSeqs()).toEqual([5, 4, 3]));
    expect(lastQuery()).toEqual({ ...ANY, since: '2026-11-22', until: '2026-11-25' });
  });

  it('says under a date what is wrong with it, from the backend', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await replaceText(user, screen.getByTestId('activity-since'), '2026-13-45');
    expect(await screen.findByTestId('error-since')).toHaveTextContent('Enter the start date as YYYY-MM-DD');
    expect(lastQuery().since).toBe('2026-13-45');
    expect(screen.queryByTestId('activity-scroller')).not.toBeInTheDocument();

    await replaceText(user, screen.getByTestId('activity-since'), '2026-11-26');
    await replaceText(user, screen.getByTestId('activity-until'), '2026-11-20');
    expect(await screen.findByTestId('error-until')).toHaveTextContent('The end date is before the start date.');
    expect(screen.queryByTestId('error-since')).not.toBeInTheDocument();

    await replaceText(user, screen.getByTestId('activity-until'), '');
    await waitFor(() => expect(rowSeqs()).toEqual([7, 6]));
    expect(screen.queryByTestId('error-until')).not.toBeInTheDocument();
  });

  it('shows a change as a before → after table', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await user.click(await screen.findByTestId('activity-row-6'));
    const details = await screen.findByTestId('activity-details');
    expect(details).toHaveAttribute('data-seq', '6');
    expect(details).toHaveTextContent('Changed user Dana: policy, Restrict PII access');
    expect(details).toHaveTextContent('user.update');
    expect(details).toHaveTextContent('Ana');
    expect(within(details).getByTestId('activity-outcome')).toHaveTextContent('OK');

    const changes = within(details).getAllByTestId('activity-change');
    expect(changes.map((c) => c.dataset.field)).toEqual(['policy', 'restrictPii']);
    expect(within(changes[0]).getByTestId('activity-change-before')).toHaveTextContent('amp360');
    expect(within(changes[0]).getByTestId('activity-change-after')).toHaveTextContent('ampiq');
    expect(changes[0]).toHaveTextContent('→');
    expect(within(changes[1]).getByTestId('activity-change-before')).toHaveTextContent('yes');
    expect(within(changes[1]).getByTestId('activity-change-after')).toHaveTextContent('no');
    expect(within(details).queryByTestId('activity-json')).not.toBeInTheDocument();
    expect(screen.getByTestId('activity-row-6')).toHaveAttribute('aria-selected', 'true');
  });

  it('shows an added record’s values as a list, and anything else as JSON', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await user.click(await screen.findByTestId('activity-row-2'));
    let details = await screen.findByTestId('activity-details');
    const after = within(details).getByTestId('activity-after');
    // Field names read as words: camelCase split, known ones named as the forms name them.
    expect(after).toHaveTextContent('NameSam');
    expect(after).toHaveTextContent('Policyamp360');
    expect(after).toHaveTextContent('Restrict PII accessyes');
    expect(within(details).queryByTestId('activity-changes')).not.toBeInTheDocument();

    await user.click(screen.getByTestId('activity-row-7'));
    details = await screen.findByTestId('activity-details');
    await waitFor(() => expect(details).toHaveAttribute('data-seq', '7'));
    const json = within(details).getByTestId('activity-json');
    expect(JSON.parse(json.textContent ?? '')).toEqual({ error: { code: 'auth_failed', message: 'The client secret was not accepted.' } });
    expect(within(details).getByTestId('activity-outcome')).toHaveTextContent('Failed');
  });

  it('moves the selection with the arrow keys', async () => {
    const { user } = renderApp();
    const scroller = await openActivity(user);
    await user.click(await screen.findByTestId('activity-row-7'));
    fireEvent.keyDown(scroller, { key: 'ArrowDown' });
    await waitFor(() => expect(screen.getByTestId('activity-details')).toHaveAttribute('data-seq', '6'));
    expect(scroller).toHaveAttribute('aria-activedescendant', 'activity-row-6');
    fireEvent.keyDown(scroller, { key: 'End' });
    await waitFor(() => expect(screen.getByTestId('activity-details')).toHaveAttribute('data-seq', '1'));
  });

  it('reads further pages of 200 only as the list scrolls to them', async () => {
    users.addRuns(450);
    const { user } = renderApp();
    const scroller = await openActivity(user);
    await waitFor(() => expect(rowSeqs()[0]).toBe(457));
    expect(screen.getByTestId('activity-count')).toHaveTextContent('457 entries');
    const offsets = () => commands.activityPage.mock.calls.map(([, offset]) => offset);
    expect(offsets()).toEqual([0]);

    // Row 300 (the second page) is 300 × 36 px down.
    scrollGrid(scroller, 300 * 36);
    await waitFor(() => expect(offsets()).toContain(200));
    expect(offsets()).not.toContain(400);
    // Entry 457 is row 0, so row 300 holds entry 157.
    await waitFor(() => expect(screen.getByTestId('activity-row-157')).toBeInTheDocument());
    expect(commands.activityPage.mock.calls.every(([, , limit]) => limit === 200)).toBe(true);
  });

  it('exports the filtered log and says where it was saved', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await user.selectOptions(await screen.findByTestId('activity-filter-user'), 'Sam');
    await waitFor(() => expect(rowSeqs()).toEqual([4]));
    await user.click(screen.getByTestId('activity-export'));
    expect(commands.activityExport).toHaveBeenCalledWith({ ...ANY, user: 'Sam' });
    expect(await screen.findByText('Activity log saved to /home/ana/activity.csv')).toBeInTheDocument();
  });

  it('says nothing when the save dialog is closed', async () => {
    users.nextExportPath = null;
    const { user } = renderApp();
    await openActivity(user);
    await user.click(screen.getByTestId('activity-export'));
    await waitFor(() => expect(commands.activityExport).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 100));
    expect(screen.queryByTestId('toast')).not.toBeInTheDocument();
  });

  it('verifies the log: every entry intact', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await user.click(screen.getByTestId('activity-verify'));
    const result = await screen.findByTestId('activity-verify-result');
    expect(commands.activityVerify).toHaveBeenCalledTimes(1);
    expect(result).toHaveAttribute('data-intact', 'true');
    expect(result).toHaveTextContent('All 7 entries are intact');
  });

  it('verifies the log: lists where the chain breaks', async () => {
    users.chainProblems = [
      { seq: 4, problem: 'its hash does not match its contents' },
      { seq: 0, problem: 'the last entry is not the one the log recorded as its end' },
    ];
    const { user } = renderApp();
    await openActivity(user);
    await user.click(screen.getByTestId('activity-verify'));
    const result = await screen.findByTestId('activity-verify-result');
    expect(result).toHaveAttribute('data-intact', 'false');
    const problems = within(result).getAllByTestId('activity-problem');
    expect(problems.map((p) => p.textContent)).toEqual([
      'Entry #4: its hash does not match its contents',
      'The log as a whole: the last entry is not the one the log recorded as its end',
    ]);
    expect(result).not.toHaveTextContent('intact');
  });

  it('says when nothing is recorded yet, and when no entry matches the filters', async () => {
    users.entries = [];
    const { user, unmount } = renderApp();
    await openTab(user, 'activity');
    expect(await screen.findByTestId('activity-empty')).toHaveTextContent('Nothing recorded yet');
    unmount();

    users.reset();
    const again = renderApp();
    await openActivity(again.user);
    await again.user.selectOptions(screen.getByTestId('activity-filter-user'), 'Dana');
    await again.user.click(screen.getByTestId('activity-pii-only'));
    const none = await screen.findByTestId('activity-no-matches');
    expect(none).toHaveTextContent('No entries match these filters');
    await again.user.click(within(none).getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(rowSeqs()).toHaveLength(7));
  });

  it('shows entries recorded since the list was read when asked to', async () => {
    const { user } = renderApp();
    await openActivity(user);
    await waitFor(() => expect(rowSeqs()).toHaveLength(7));
    users.record({ kind: 'users', action: 'user.add', summary: 'Added Rui as DataGrid Operator' });
    await user.click(screen.getByTestId('activity-refresh'));
    await waitFor(() => expect(rowSeqs()[0]).toBe(8));
    expect(screen.getByTestId('activity-row-8')).toHaveTextContent('Added Rui as DataGrid Operator');
  });
});
