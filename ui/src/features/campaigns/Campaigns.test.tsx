// Campaigns on the Segments tab: a saved segment lists its sends through templates open to
// campaigns (only for users who may add to marketing lists), and the "Add to marketing list"
// dialog picks an existing static list or names a new one, validates inline, shows the backend's
// field messages, and says how many records were added.
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobView, MarketingList } from '../../api/campaigns';
import { openTab, replaceText } from '../../test/dataHelpers';
import { commands, data, jobs, resetCommands, users } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

type User = ReturnType<typeof renderApp>['user'];

const SEGMENT = 'seg_gold';

function job(over: Partial<JobView> = {}): JobView {
  return {
    id: 'job_spring',
    template: { id: 'tpl_1', name: 'Campaign contacts' },
    destination: { id: 'dst_1', name: 'Contoso' },
    table: 'contact',
    source: { kind: 'segment', id: SEGMENT },
    sourceName: 'Gold',
    operation: { kind: 'create' },
    ranBy: { id: 'usr_dana', name: 'Dana' },
    retryOf: null,
    state: 'finished',
    total: 30,
    counts: { delivered: 27, created: 27, updated: 0, rejected: 0, failed: 0, invalid: 3, inFlight: 0 },
    elapsedMs: 900,
    createdAt: 1_790_000_000,
    finishedAt: 1_790_000_001,
    error: null,
    resumable: false,
    ...over,
  };
}

const newsletter: MarketingList = { id: 'list-1', name: 'Newsletter', memberType: 'contact', memberCount: 120 };

beforeEach(() => {
  resetCommands();
  data.addDemo(10);
  data.segments.push({
    id: SEGMENT,
    name: 'Gold',
    description: '',
    definition: { table: 'customers', rules: { match: 'all', rules: [] } },
    createdAt: 1_790_000_000,
    updatedAt: 1_790_000_000,
  });
});

async function openGold(user: User) {
  await openTab(user, 'segments');
  await user.click(await screen.findByTestId('segment-open'));
  return screen.findByTestId('segment-campaigns');
}

/** Opens the dialog for the first send listed. */
async function openDialog(user: User) {
  await openGold(user);
  await user.click(await screen.findByTestId('segment-job-add-to-list'));
  return screen.findByTestId('add-to-list-dialog');
}

describe('Campaigns on the Segments tab', () => {
  it('lists a saved segment’s campaign sends and says what to do when there are none', async () => {
    const { user } = renderApp();
    const panel = await openGold(user);
    expect(await within(panel).findByTestId('segment-campaigns-empty')).toHaveTextContent('No sends of this segment');
    expect(commands.segmentJobs).toHaveBeenCalledWith(SEGMENT, 5);
  });

  it('shows each send with its delivered count and an action to add it to a list', async () => {
    commands.segmentJobs.mockResolvedValue([job()]);
    const { user } = renderApp();
    const panel = await openGold(user);
    const row = await within(panel).findByTestId('segment-job');
    expect(row).toHaveAttribute('data-job', 'job_spring');
    expect(row).toHaveTextContent('Campaign contacts → Contoso');
    expect(row).toHaveTextContent('27 contacts delivered');
    expect(within(row).getByTestId('segment-job-add-to-list')).toHaveTextContent('Add to marketing list');
  });

  it('lists a send of the segment as soon as it ends, without opening the segment again', async () => {
    const { user } = renderApp();
    const panel = await openGold(user);
    await within(panel).findByTestId('segment-campaigns-empty');
    commands.segmentJobs.mockResolvedValue([job()]);
    const running = jobs.add({ state: 'running', source: { kind: 'segment', id: SEGMENT } });
    act(() => jobs.finish(running.id));
    expect(await within(panel).findByTestId('segment-job')).toHaveAttribute('data-job', 'job_spring');
  });

  it('is not shown to users without the permission to add to lists', async () => {
    commands.segmentJobs.mockResolvedValue([job()]);
    // A user who may see segments but not add to lists (no policy is like that today).
    const whoami = users.whoami;
    commands.whoami.mockImplementation(async () => {
      const me = await whoami();
      return { ...me, permissions: me.permissions.filter((p) => p !== 'addToMarketingLists') };
    });
    const { user } = renderApp();
    await openTab(user, 'segments');
    await user.click(await screen.findByTestId('segment-open'));
    await screen.findByTestId('segment-count');
    expect(screen.queryByTestId('segment-campaigns')).not.toBeInTheDocument();
    expect(commands.segmentJobs).not.toHaveBeenCalled();
  });

  it('is shown to an AmpIQ user for a saved segment, not for one being built', async () => {
    users.actAs('Dana');
    const { user } = renderApp();
    await openTab(user, 'segments');
    await screen.findByTestId('segment-count');
    expect(screen.queryByTestId('segment-campaigns')).not.toBeInTheDocument();
    await user.click(await screen.findByTestId('segment-open'));
    expect(await screen.findByTestId('segment-campaigns')).toBeInTheDocument();
  });
});

describe('Add to marketing list dialog', () => {
  beforeEach(() => {
    commands.segmentJobs.mockResolvedValue([job()]);
    commands.listMarketingLists.mockResolvedValue([newsletter]);
  });

  it('adds the send’s records to an existing list and says how many', async () => {
    commands.addJobToList.mockResolvedValue({
      job: 'job_spring',
      list: { id: 'list-1', name: 'Newsletter' },
      createdList: false,
      memberType: 'contact',
      added: 27,
      withoutId: 0,
      memberCount: 140,
    });
    const { user } = renderApp();
    const dialog = await openDialog(user);
    expect(commands.listMarketingLists).toHaveBeenCalledWith('dst_1', 'contact');
    const picker = await within(dialog).findByTestId('add-to-list-existing');
    expect([...(picker as HTMLSelectElement).options].map((o) => o.text)).toEqual(['Choose a list…', 'Newsletter (120 members)']);

    // Nothing chosen: said beside the picker, nothing sent.
    await user.click(within(dialog).getByTestId('add-to-list-submit'));
    expect(await within(dialog).findByTestId('error-list')).toHaveTextContent('Choose the list to add to.');
    expect(commands.addJobToList).not.toHaveBeenCalled();

    await user.selectOptions(picker, 'list-1');
    expect(within(dialog).queryByTestId('error-list')).not.toBeInTheDocument();
    expect(within(dialog).getByTestId('add-to-list-submit')).toHaveTextContent('Add 27 contacts');
    await user.click(within(dialog).getByTestId('add-to-list-submit'));
    const done = await screen.findByTestId('add-to-list-done');
    expect(commands.addJobToList).toHaveBeenCalledWith('job_spring', { kind: 'existing', list: 'list-1' });
    expect(done).toHaveAttribute('data-added', '27');
    expect(done).toHaveTextContent('Added 27 contacts to the list “Newsletter”. It now has 140 members.');
    // The dialog is opened from the segment's form; adding to a list does not save the segment.
    expect(commands.updateSegment).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('add-to-list-close'));
    await waitFor(() => expect(screen.queryByTestId('add-to-list-dialog')).not.toBeInTheDocument());
  });

  it('makes a new list, checking its name inline and showing the backend’s message on the field', async () => {
    commands.addJobToList
      .mockRejectedValueOnce({
        code: 'validation',
        message: 'A marketing list named "Newsletter" already exists in Dynamics.',
        fields: [{ field: 'name', message: 'A marketing list named "Newsletter" already exists in Dynamics.' }],
      })
      .mockResolvedValueOnce({
        job: 'job_spring',
        list: { id: 'list-2', name: 'Spring' },
        createdList: true,
        memberType: 'contact',
        added: 27,
        withoutId: 0,
        memberCount: 27,
      });
    const { user } = renderApp();
    const dialog = await openDialog(user);
    await within(dialog).findByTestId('add-to-list-existing');
    await user.click(within(dialog).getByLabelText('A new list'));
    await user.click(within(dialog).getByTestId('add-to-list-submit'));
    expect(await within(dialog).findByTestId('error-name')).toHaveTextContent('Enter a name for the new list.');
    expect(document.activeElement).toBe(within(dialog).getByTestId('add-to-list-name'));
    expect(commands.addJobToList).not.toHaveBeenCalled();

    await replaceText(user, within(dialog).getByTestId('add-to-list-name'), 'Newsletter');
    await user.keyboard('{Enter}');
    expect(await within(dialog).findByTestId('error-name')).toHaveTextContent('already exists in Dynamics');
    expect(commands.addJobToList).toHaveBeenLastCalledWith('job_spring', { kind: 'new', name: 'Newsletter', description: '' });

    await replaceText(user, within(dialog).getByTestId('add-to-list-name'), 'Spring');
    await replaceText(user, within(dialog).getByTestId('add-to-list-description'), 'Gold customers, spring');
    await user.click(within(dialog).getByTestId('add-to-list-submit'));
    expect(await screen.findByTestId('add-to-list-done')).toHaveTextContent('Added 27 contacts to the new list “Spring”.');
    expect(commands.addJobToList).toHaveBeenLastCalledWith('job_spring', { kind: 'new', name: 'Spring', description: 'Gold customers, spring' });
  });

  it('offers only a new list when Dynamics has none of the right type, and shows other refusals in the dialog', async () => {
    commands.listMarketingLists.mockResolvedValue([]);
    commands.addJobToList.mockRejectedValue({
      code: 'validation',
      message: 'The template "Campaign contacts" is not available to campaigns.',
      fields: [{ field: 'job', message: 'The template "Campaign contacts" is not available to campaigns.' }],
    });
    const { user } = renderApp();
    const dialog = await openDialog(user);
    expect(await within(dialog).findByTestId('add-to-list-no-lists')).toHaveTextContent('Contoso has no static list of contacts yet');
    expect(within(dialog).getByLabelText('A list in Dynamics')).toBeDisabled();
    expect(within(dialog).getByLabelText('A new list')).toBeChecked();
    await replaceText(user, within(dialog).getByTestId('add-to-list-name'), 'Spring');
    await user.click(within(dialog).getByTestId('add-to-list-submit'));
    expect(await within(dialog).findByTestId('add-to-list-error')).toHaveTextContent('not available to campaigns');
  });

  it('says when the lists cannot be read, and can be left with the keyboard', async () => {
    commands.listMarketingLists.mockRejectedValue({ code: 'network', message: 'Dynamics could not be reached.' });
    const { user } = renderApp();
    const dialog = await openDialog(user);
    expect(await within(dialog).findByTestId('add-to-list-lists-error')).toHaveTextContent('Dynamics could not be reached.');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('add-to-list-dialog')).not.toBeInTheDocument());
  });
});
