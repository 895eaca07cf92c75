// The expiry choice and its date box: what is typed as the hint says is what is saved; "never" is a choice.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewCredential } from '../api/types';
import { isoToLocalDate, localDateToIso, parseDateText } from '../lib/dateInput';
import { expiryBadgeText, expiryText, formatDate } from '../lib/format';
import { credential, expiry, neverExpires } from '../test/fixtures';
import { commands, resetCommands } from '../test/ipcMock';
import { clickRowAction, fill, renderApp } from '../test/render';
import { CredentialsTab } from './CredentialsTab';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

/** The backend's rule for a typed date, enough to tell readable from not (the real one lives in Rust). */
function backendCheck(input: NewCredential) {
  const e = input.expiry;
  if (e.kind === 'date' && isoToLocalDate(e.date) === null) {
    const message = e.date.trim()
      ? `"${e.date}" is not a date: enter it as YYYY-MM-DD, for example 2027-11-27.`
      : 'Enter the expiry date as YYYY-MM-DD, for example 2027-11-27.';
    return Promise.resolve([{ field: 'expiry', message }]);
  }
  return Promise.resolve([]);
}

beforeEach(() => {
  resetCommands();
  commands.checkCredential.mockImplementation(backendCheck);
  commands.createCredential.mockResolvedValue(credential());
});

function byId(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is not on screen`);
  return el as HTMLInputElement;
}

async function openNewCredential() {
  const app = renderApp(<CredentialsTab />);
  await app.user.click(await screen.findByTestId('add-credential'));
  const dialog = await screen.findByTestId('credential-dialog');
  await fill(app.user, byId('cred-name'), 'Contoso app');
  await fill(app.user, byId('cred-client-id'), '11111111-2222-3333-4444-555555555555');
  await fill(app.user, byId('cred-secret'), 'abc~123');
  return { ...app, dialog };
}

describe('Expiry date box', () => {
  it('saves 2027-06-15 when 2027-06-15 is typed, as the hint asks', async () => {
    const { user, dialog } = await openNewCredential();
    await user.click(within(dialog).getByTestId('expiry-date'));
    const box = byId('cred-expiry-date');
    expect(box, 'the box starts empty: nothing looks filled in').toHaveValue('');
    expect(dialog, 'the hint names the format').toHaveTextContent('YYYY-MM-DD');

    await user.click(box);
    // Once the backend has judged the still-empty date, the choice alone must not show a message.
    await waitFor(() =>
      expect(commands.checkCredential).toHaveBeenCalledWith(
        expect.objectContaining({ expiry: { kind: 'date', date: '' } }),
        undefined,
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('error-expiry'), 'choosing "On a date" is not yet a wrong date').not.toBeInTheDocument();
    await user.keyboard('2027-06-15');
    // Leaving the box is what reads it (Tab in a real window; jsdom's focus trap keeps Tab in place).
    await user.click(byId('cred-name'));
    expect(box, 'the typed date stays as typed').toHaveValue('2027-06-15');
    await waitFor(() =>
      expect(screen.queryByTestId('error-expiry'), 'a readable date has no message').not.toBeInTheDocument(),
    );

    await user.click(within(dialog).getByTestId('credential-save'));
    await waitFor(() =>
      expect(commands.createCredential, 'the backend gets the same ISO date').toHaveBeenCalledWith(
        expect.objectContaining({ expiry: { kind: 'date', date: '2027-06-15' } }),
      ),
    );
  });

  it('says once what format a date it cannot read needs, and names what was typed', async () => {
    const { user, dialog } = await openNewCredential();
    await user.click(within(dialog).getByTestId('expiry-date'));
    await user.click(byId('cred-expiry-date'));
    await user.keyboard('2027-13-45');
    // Leaving the box is what reads it (Tab in a real window; jsdom's focus trap keeps Tab in place).
    await user.click(byId('cred-name'));

    await waitFor(() =>
      expect(screen.getByTestId('error-expiry'), 'the message quotes the text').toHaveTextContent(
        '"2027-13-45" is not a date',
      ),
    );
    expect(commands.checkCredential, 'the typed text reached the backend as typed').toHaveBeenCalledWith(
      expect.objectContaining({ expiry: { kind: 'date', date: '2027-13-45' } }),
      undefined,
    );
    const field = byId('cred-expiry-date').closest('.fui-Field');
    expect(field, 'the date box sits in its own field').not.toBeNull();
    const mentions = (field?.textContent ?? '').split('YYYY-MM-DD').length - 1;
    expect(mentions, 'the format is said once, not in both the hint and the message').toBe(1);
  });

  it('fills the box with the ISO date of a day picked from the calendar', async () => {
    const { user, dialog } = await openNewCredential();
    await user.click(within(dialog).getByTestId('expiry-date'));
    const box = byId('cred-expiry-date');
    await user.click(box);
    // Alt+Down is the usual key for opening a picker; the picker opens on ArrowDown.
    await user.keyboard('{ArrowDown}');
    const calendar = await screen.findByRole('dialog', { name: 'Calendar' });
    // The calendar opens on the backend's today (27 Nov 2026); pick the 30th.
    await user.click(within(calendar).getByRole('button', { name: '30, November, 2026' }));
    await waitFor(() => expect(box, 'the pick shows as the hint writes dates').toHaveValue('2026-11-30'));
  });
});

describe('Never expires', () => {
  it('offers never beside the years and saves it as never', async () => {
    const { user, dialog } = await openNewCredential();
    await user.click(within(dialog).getByTestId('expiry-never'));
    expect(dialog, 'the hint says there will be no reminders').toHaveTextContent('will not remind you');
    expect(document.getElementById('cred-expiry-date'), 'no date to type').toBeNull();
    await user.click(within(dialog).getByTestId('credential-save'));
    await waitFor(() =>
      expect(commands.createCredential).toHaveBeenCalledWith(expect.objectContaining({ expiry: { kind: 'never' } })),
    );
  });

  it('lists a never-expiring secret plainly, with no date and no warning colour', async () => {
    commands.listCredentials.mockResolvedValue([
      credential({ expiry: neverExpires() }),
      credential({ id: 'cred_2', name: 'Dated app', expiry: expiry(200, '2027-06-15') }),
    ]);
    renderApp(<CredentialsTab />);
    const rows = await screen.findAllByTestId('credential-row');
    const never = within(rows[0]).getByTestId('expiry-badge');
    expect(never, 'said in words').toHaveTextContent('Never expires');
    expect(never, 'its own level').toHaveAttribute('data-level', 'never');
    expect(rows[1], 'a dated secret shows its date the way the locale writes it').toHaveTextContent(
      formatDate('2027-06-15'),
    );
  });

  it('starts an edit of a never-expiring secret from never', async () => {
    commands.listCredentials.mockResolvedValue([credential({ expiry: neverExpires() })]);
    commands.updateCredential.mockResolvedValue(credential());
    const { user } = renderApp(<CredentialsTab />);
    await clickRowAction(user, 'credential-edit');
    const dialog = await screen.findByTestId('credential-dialog');
    const correct = within(dialog).getByLabelText('Correct the recorded expiry (now never expires)');
    await user.click(correct);
    expect(within(dialog).getByTestId('expiry-never'), 'the recorded choice is kept').toBeChecked();
  });
});

describe('Reading and showing dates', () => {
  it('reads ISO and the locale’s own numeric form, and nothing ambiguous or impossible', () => {
    expect(parseDateText('2027-06-15', 'en-US'), 'ISO everywhere').toBe('2027-06-15');
    expect(parseDateText(' 2027-6-5 ', 'de-DE'), 'ISO without padding').toBe('2027-06-05');
    expect(parseDateText('6/15/2027', 'en-US'), 'US order').toBe('2027-06-15');
    expect(parseDateText('15/06/2027', 'en-GB'), 'UK order').toBe('2027-06-15');
    expect(parseDateText('15.06.2027', 'de-DE'), 'German dots').toBe('2027-06-15');
    expect(parseDateText('15/06/2027', 'en-US'), 'no month 15 in the US').toBeNull();
    expect(parseDateText('6/15/27', 'en-US'), 'two-digit years are ambiguous').toBeNull();
    expect(parseDateText('2027-02-29', 'en-US'), '2027 has no 29 February').toBeNull();
    expect(parseDateText('next June', 'en-US'), 'words are not dates').toBeNull();
  });

  it('round-trips calendar days through local dates without shifting a day', () => {
    const d = isoToLocalDate('2027-03-28');
    expect(d && localDateToIso(d), 'the same day back').toBe('2027-03-28');
    expect(isoToLocalDate('2027-02-30'), 'an impossible day is no date').toBeNull();
  });

  it('words an expiry for badges and sentences, never as a countdown when there is no end', () => {
    expect(expiryBadgeText(neverExpires()), 'never').toBe('Never expires');
    expect(expiryText(neverExpires()), 'never, in sentences').toBe('Never expires');
    expect(expiryBadgeText(expiry(12)), 'days').toBe('12 days left');
    expect(expiryBadgeText(expiry(731)), 'a 2-year secret over a leap day still counts days').toBe('731 days left');
    expect(expiryBadgeText(expiry(365 * 30)), 'decades read as years').toBe('30 years left');
    expect(expiryText(expiry(12, '2026-12-09')), 'the date in the locale form').toBe(
      `Expires in 12 days (${formatDate('2026-12-09')})`,
    );
  });
});
