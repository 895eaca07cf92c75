// Sending a template from the Destinations tab: the confirmation that says what will happen,
// the progress drawn from the backend's events, Cancel, the summary with its way to the
// History, and the errors a send can end with.
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { destination, preview, templateView } from '../../test/fixtures';
import { commands, data, jobs, resetCommands } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

type User = ReturnType<typeof renderApp>['user'];

beforeEach(() => {
  resetCommands();
  commands.listDestinations.mockResolvedValue([destination()]);
  commands.listTemplates.mockResolvedValue([templateView()]);
  commands.countSourceRows.mockResolvedValue(1200);
  jobs.templates = [templateView()];
  data.queries = [
    { id: 'qry_1', name: 'Newsletter sign-ups', description: '', sql: 'SELECT email FROM customers', timeLimitSecs: 30, createdAt: 0, updatedAt: 0 },
  ];
});

async function openSend(user: User) {
  await user.click(await screen.findByTestId('template-send'));
  return screen.findByTestId('send-dialog');
}

/** Confirms and waits for the job to be started; returns its id. */
async function start(user: User): Promise<string> {
  await user.click(screen.getByTestId('send-start'));
  await waitFor(() => expect(commands.sendTemplate).toHaveBeenCalledWith('tpl_1'));
  await screen.findByTestId('send-progress');
  return jobs.jobs[0].id;
}

describe('Send', () => {
  it('says which rows go to which table and how before anything is sent', async () => {
    const { user } = renderApp();
    const dialog = await openSend(user);
    const text = within(dialog).getByTestId('send-confirm-text');
    await waitFor(() => expect(text).toHaveTextContent('all 1,200 rows'));
    expect(text).toHaveTextContent('the saved query “Newsletter sign-ups”');
    expect(text).toHaveTextContent('create or update a contact record for each row, matched by the key new_contact_email_key');
    expect(text).toHaveTextContent('in Sales EU');
    expect(commands.sendTemplate).not.toHaveBeenCalled();

    await user.click(within(dialog).getByTestId('send-close'));
    await waitFor(() => expect(screen.queryByTestId('send-dialog')).not.toBeInTheDocument());
    expect(commands.sendTemplate).not.toHaveBeenCalled();
  });

  it('draws the progress from the job’s events: rows done of the total, speed, time left, counts and waits', async () => {
    const { user } = renderApp();
    await openSend(user);
    const id = await start(user);

    // Before the source is read to its end the total is unknown: the bar says how many so far.
    act(() => jobs.progress(id, { done: 40, delivered: 40, rowsPerSecond: 80 }));
    expect(screen.getByTestId('send-progress-text')).toHaveTextContent('40 rows so far');

    act(() =>
      jobs.progress(id, { done: 300, total: 1200, delivered: 280, rejected: 12, failed: 3, invalid: 5, rowsPerSecond: 150.37, etaSeconds: 6, rowsPerRequest: 1000 }),
    );
    const bar = screen.getByTestId('send-progress');
    expect(bar).toHaveAttribute('data-done', '300');
    expect(bar).toHaveAttribute('data-total', '1200');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '300');
    expect(screen.getByTestId('send-progress-text')).toHaveTextContent('300 of 1,200 rows');
    // How many rows each request carries, since it adapts as the send goes.
    expect(screen.getByTestId('send-rate')).toHaveTextContent('150 rows/s · 1,000 a request');
    expect(screen.getByTestId('send-eta')).toHaveTextContent('about 6 s left');
    expect(screen.getByTestId('send-count-delivered')).toHaveTextContent('280 delivered');
    expect(screen.getByTestId('send-count-rejected')).toHaveTextContent('12 rejected');
    expect(screen.getByTestId('send-count-failed')).toHaveTextContent('3 failed');
    expect(screen.getByTestId('send-count-invalid')).toHaveTextContent('5 not sent');
    expect(screen.queryByTestId('send-waiting')).not.toBeInTheDocument();

    act(() =>
      jobs.progress(id, {
        done: 500,
        total: 1200,
        delivered: 480,
        waiting: { reason: 'Dynamics asked Ferry to slow down (service protection)', seconds: 12 },
      }),
    );
    const wait = screen.getByTestId('send-waiting');
    expect(wait).toHaveTextContent(/Waiting 1[12] s/);
    expect(wait).toHaveTextContent('Dynamics asked Ferry to slow down (service protection)');

    // Sending goes on: the note goes away.
    act(() => jobs.progress(id, { done: 600, total: 1200, delivered: 580 }));
    expect(screen.queryByTestId('send-waiting')).not.toBeInTheDocument();
  });

  it('cancels with the keyboard, then sums up and opens the job in the History', async () => {
    const { user } = renderApp();
    await openSend(user);
    const id = await start(user);
    act(() => jobs.progress(id, { done: 100, total: 1200, delivered: 100 }));

    // Cancel is a focusable button (not a pointer-only control), and Enter presses it.
    const cancel = screen.getByTestId('send-cancel');
    expect(cancel.tagName).toBe('BUTTON');
    expect(cancel).not.toHaveAttribute('tabindex', '-1');
    expect(cancel).toBeEnabled();
    act(() => cancel.focus());
    expect(document.activeElement).toBe(cancel);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(commands.cancelJob).toHaveBeenCalledWith(id));
    await waitFor(() => expect(screen.getByTestId('send-cancel')).toHaveTextContent('Stopping…'));

    act(() =>
      jobs.finish(id, {
        state: 'cancelled',
        total: 1200,
        elapsedMs: 4200,
        counts: { delivered: 100, created: 60, updated: 40, rejected: 0, failed: 0, invalid: 0, inFlight: 0 },
      }),
    );
    const summary = await screen.findByTestId('send-summary');
    expect(summary).toHaveAttribute('data-state', 'cancelled');
    expect(summary).toHaveTextContent('Cancelled: 100 rows dealt with');
    expect(summary).toHaveTextContent('Resume the job from the History');
    // The summary re-reads the job once the run ended.
    await waitFor(() => expect(commands.getJob).toHaveBeenCalledWith(id));

    await user.click(screen.getByTestId('send-open-history'));
    await waitFor(() => expect(screen.getByTestId('tab-history')).toHaveAttribute('aria-selected', 'true'));
    expect(await screen.findByTestId('job-detail')).toHaveAttribute('data-job', id);
  });

  it('says why a send did not start, and stays on the confirmation', async () => {
    commands.sendTemplate.mockRejectedValueOnce({ code: 'validation', message: 'The template “Newsletter to contacts” has mapping errors: fix them first.' });
    const { user } = renderApp();
    await openSend(user);
    await user.click(screen.getByTestId('send-start'));
    expect(await screen.findByTestId('send-error')).toHaveTextContent('has mapping errors: fix them first');
    expect(screen.getByTestId('send-start')).toBeInTheDocument();
    expect(screen.queryByTestId('send-progress')).not.toBeInTheDocument();
  });

  it('shows the error a run stopped with', async () => {
    const { user } = renderApp();
    await openSend(user);
    const id = await start(user);
    act(() => jobs.fail(id, { code: 'auth_failed', message: 'Signing in to Sales EU failed: the secret has expired.' }));
    expect(await screen.findByTestId('send-error')).toHaveTextContent('the secret has expired');
    expect(screen.queryByTestId('send-cancel')).not.toBeInTheDocument();
  });

  it('keeps Send disabled, with the reason, on a template the user may not use', async () => {
    const why = 'Sales EU is closed to users with Restrict PII access.';
    commands.listTemplates.mockResolvedValue([templateView({ unavailable: why })]);
    const { user } = renderApp();
    const send = await screen.findByTestId('template-send');
    expect(send).toHaveAttribute('aria-disabled', 'true');
    await user.click(send);
    expect(screen.queryByTestId('send-dialog')).not.toBeInTheDocument();
    // The reason is the button's description (its tooltip).
    await user.hover(send);
    await waitFor(() => {
      const described = send.getAttribute('aria-describedby');
      expect(described && document.getElementById(described)).toHaveTextContent(why);
    });
  });

  it('sends from the preview, closing it first', async () => {
    commands.previewTemplateFirstPage.mockResolvedValue(preview());
    const { user } = renderApp();
    await user.click(await screen.findByTestId('template-preview'));
    await screen.findByTestId('preview-panel');
    await user.click(await screen.findByTestId('preview-send'));
    await screen.findByTestId('send-dialog');
    await waitFor(() => expect(screen.queryByTestId('preview-panel')).not.toBeInTheDocument());
    await start(user);
  });
});
