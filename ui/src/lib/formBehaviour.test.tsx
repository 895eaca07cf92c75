// The one form behaviour every dialog shares (useFormCheck + FormField), tried on the real dialogs
// against a mocked backend that, like the real one, judges the whole form at every change.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DestinationInput, FieldError, NewCredential, Plugin } from '../api/types';
import { CredentialsTab } from '../credentials/CredentialsTab';
import { credential } from '../test/fixtures';
import { commands, dynamics, resetCommands } from '../test/ipcMock';
import { fill, renderApp } from '../test/render';

vi.mock('../api/ipc', () => import('../test/ipcMock'));

const NAME_MISSING = 'Enter a name for the destination.';
const TENANT_BAD = 'The tenant ID is a GUID or a verified domain such as contoso.onmicrosoft.com.';

/** A backend check in the spirit of check_destination: every empty or odd field has a message. */
function judgeDestination(form: DestinationInput): FieldError[] {
  const out: FieldError[] = [];
  if (!form.name.trim()) out.push({ field: 'name', message: NAME_MISSING });
  if (!form.plugin) out.push({ field: 'plugin', message: 'Choose a plugin from the list.' });
  if (!form.credentialId) out.push({ field: 'credentialId', message: 'Choose a credential, or create one.' });
  if (!form.tenantId.trim()) out.push({ field: 'tenantId', message: 'Enter the tenant ID.' });
  else if (!form.tenantId.includes('.com')) out.push({ field: 'tenantId', message: TENANT_BAD });
  if (!form.dynamicsUrl.trim()) out.push({ field: 'dynamicsUrl', message: 'Enter the Dynamics URL.' });
  return out;
}

function judgeCredential(form: NewCredential): FieldError[] {
  const out: FieldError[] = [];
  if (!form.name.trim()) out.push({ field: 'name', message: 'Enter a name for the credential.' });
  if (!form.clientId.trim()) out.push({ field: 'clientId', message: 'Enter the application (client) ID.' });
  if (!form.clientSecret.trim()) out.push({ field: 'clientSecret', message: 'Enter the client secret’s value.' });
  return out;
}

beforeEach(() => {
  resetCommands();
  commands.checkDestination.mockImplementation((form) => Promise.resolve({ fields: judgeDestination(form), dynamicsUrl: null }));
  commands.checkCredential.mockImplementation((form) => Promise.resolve(judgeCredential(form)));
});

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is not on screen`);
  return el;
}

const DESTINATION_CONTROLS = ['dest-name', 'dest-description', 'dest-plugin', 'dest-credential', 'dest-tenant', 'dest-url', 'dest-api-version'];

/** Every inline error message on screen. */
const errors = () => document.querySelectorAll('[data-testid^="error-"]');

/** Waits until the backend has judged the form as it stands, so no answer is still on its way. */
async function settled(mock: typeof commands.checkDestination | typeof commands.checkCredential, calls: number) {
  await waitFor(() => expect(mock.mock.calls.length, 'the check ran again').toBeGreaterThan(calls));
  await waitFor(() => expect(mock.mock.results.every((r) => r.type === 'return')).toBe(true));
  // Let the answers' promises and the renders they cause finish.
  await new Promise((r) => setTimeout(r, 50));
}

async function openAddDestination(user: ReturnType<typeof renderApp>['user']) {
  await user.click(await screen.findByTestId('add-destination'));
  const dialog = await screen.findByTestId('destination-dialog');
  await waitFor(() => expect(byId('dest-plugin')).toHaveValue('Microsoft Dynamics 365'));
  return dialog;
}

describe('the form behaviour every dialog shares', () => {
  it('shows no error when the user moves through an empty Add destination dialog', async () => {
    const { user } = renderApp();
    await openAddDestination(user);

    // Focus enters and leaves every control in screen order, as Tab would (jsdom cannot compute
    // the dialog's Tab order, having no layout).
    for (const id of DESTINATION_CONTROLS) {
      fireEvent.focus(byId(id));
      fireEvent.blur(byId(id));
    }
    await settled(commands.checkDestination, 0);

    expect(errors(), 'an untouched form shows no error').toHaveLength(0);
    expect(byId('dest-name')).not.toHaveAttribute('aria-invalid', 'true');
  });

  it('shows the message of a field left with a bad value, once, in place of its hint, and on no other field', async () => {
    const { user } = renderApp();
    const dialog = await openAddDestination(user);
    // The dialog put focus in Name; clicking elsewhere leaves Name empty, which says nothing.
    await user.click(byId('dest-name'));
    await user.click(byId('dest-tenant'));
    await user.paste('contoso.onmicrosoft');
    const calls = commands.checkDestination.mock.calls.length;
    await user.click(byId('dest-url'));
    await settled(commands.checkDestination, calls);

    const tenantError = await screen.findByTestId('error-tenantId');
    expect(tenantError).toHaveTextContent(TENANT_BAD);
    expect(within(dialog).getAllByText(TENANT_BAD), 'the message is said once').toHaveLength(1);
    expect(dialog, 'the hint it replaces is gone').not.toHaveTextContent('A GUID from the app registration');
    expect([...errors()].map((e) => e.getAttribute('data-testid')), 'only the field left shows a message').toEqual([
      'error-tenantId',
    ]);
    expect(screen.queryByText(NAME_MISSING), 'the name left empty is not judged yet').not.toBeInTheDocument();
  });

  it('hides a shown message as soon as the value is fixed, and waits for the next leave to show a new one', async () => {
    const { user } = renderApp();
    await openAddDestination(user);
    await fill(user, byId('dest-tenant'), 'contoso');
    await user.click(byId('dest-url'));
    await screen.findByTestId('error-tenantId');

    await user.click(byId('dest-tenant'));
    await user.paste('.onmicrosoft.com');
    await waitFor(() => expect(screen.queryByTestId('error-tenantId'), 'fixed, so gone while typing').not.toBeInTheDocument());
    await user.clear(byId('dest-tenant'));
    await user.paste('fabrikam');
    await settled(commands.checkDestination, commands.checkDestination.mock.calls.length - 1);
    expect(screen.queryByTestId('error-tenantId'), 'a new problem waits until the field is left').not.toBeInTheDocument();
    await user.click(byId('dest-url'));
    expect(await screen.findByTestId('error-tenantId')).toHaveTextContent(TENANT_BAD);
  });

  it('shows every message when an empty form is saved, and focuses the first field to fix', async () => {
    const fields = judgeDestination({
      name: '',
      description: '',
      plugin: '',
      credentialId: '',
      tenantId: '',
      dynamicsUrl: '',
      apiVersion: '',
      businessUsers: false,
      restrictedPii: false,
      extraCredentials: [],
    });
    commands.createDestination.mockRejectedValue({ code: 'validation', message: 'Fix the fields.', fields });
    const { user } = renderApp();
    await openAddDestination(user);

    await user.click(screen.getByTestId('destination-save'));

    for (const f of ['name', 'plugin', 'credentialId', 'tenantId', 'dynamicsUrl']) {
      expect(await screen.findByTestId(`error-${f}`), `${f} has its message after Save`).toBeInTheDocument();
    }
    await waitFor(() => expect(document.activeElement, 'focus is on the first field to fix').toBe(byId('dest-name')));
  });

  it('behaves the same in the credential dialog: nothing on leaving empty fields, everything on Save', async () => {
    commands.createCredential.mockRejectedValue({
      code: 'validation',
      message: 'Fix the fields.',
      fields: judgeCredential({ name: '', description: '', plugin: 'microsoft-dynamics', clientId: '', clientSecret: '', expiry: { kind: 'years', years: 1 } }),
    });
    const { user } = renderApp(<CredentialsTab />);
    await user.click(await screen.findByTestId('add-credential'));
    const dialog = await screen.findByTestId('credential-dialog');

    for (const id of ['cred-name', 'cred-description', 'cred-client-id', 'cred-secret']) {
      fireEvent.focus(byId(id));
      fireEvent.blur(byId(id));
    }
    await settled(commands.checkCredential, 0);
    expect(errors(), 'an untouched credential form shows no error').toHaveLength(0);

    commands.checkCredential.mockImplementation((form) =>
      Promise.resolve([
        ...judgeCredential(form),
        ...(form.clientId === 'not-a-guid' ? [{ field: 'clientId', message: 'The client ID is a GUID.' }] : []),
      ]),
    );
    await fill(user, byId('cred-client-id'), 'not-a-guid');
    await user.click(byId('cred-secret'));
    expect(await screen.findByTestId('error-clientId')).toHaveTextContent('The client ID is a GUID.');
    expect(errors(), 'the secret, entered but not left, says nothing').toHaveLength(1);
    expect(dialog, 'the client ID hint gives way to the message').not.toHaveTextContent('overview page: a GUID');

    await user.click(within(dialog).getByTestId('credential-save'));
    expect(await screen.findByTestId('error-name')).toBeInTheDocument();
    expect(screen.getByTestId('error-clientSecret')).toBeInTheDocument();
  });

  it('rotating a secret says nothing until the empty secret is saved', async () => {
    commands.listCredentials.mockResolvedValue([credential()]);
    commands.rotateSecret.mockRejectedValue({
      code: 'validation',
      message: 'Fix the secret.',
      fields: [{ field: 'clientSecret', message: 'Enter the client secret’s value.' }],
    });
    const { user } = renderApp(<CredentialsTab />);
    await user.click(await screen.findByTestId('credential-rotate'));
    const dialog = await screen.findByTestId('credential-dialog');
    fireEvent.focus(byId('cred-secret'));
    fireEvent.blur(byId('cred-secret'));
    await settled(commands.checkCredential, 0);
    expect(errors(), 'leaving the empty secret says nothing').toHaveLength(0);

    await user.click(within(dialog).getByTestId('credential-save'));
    expect(await screen.findByTestId('error-clientSecret')).toHaveTextContent('Enter the client secret’s value.');
    expect(dialog, 'the keychain hint gives way to the message').not.toHaveTextContent('Ferry never shows it again');
  });
});

describe('a rule that joins two fields', () => {
  it('speaks under the credential when the address it cannot sign in at is left', async () => {
    const refusal = 'The Local sandbox’s credential signs in only to the sandbox on this computer.';
    commands.listCredentials.mockResolvedValue([credential({ id: 'cred_localsandbox', name: 'Local sandbox app' })]);
    commands.checkDestination.mockImplementation((form) =>
      Promise.resolve({
        fields:
          form.credentialId === 'cred_localsandbox' && form.dynamicsUrl.startsWith('https://')
            ? [{ field: 'credentialId', message: refusal }]
            : [],
        dynamicsUrl: null,
      }),
    );
    const { user } = renderApp();
    await openAddDestination(user);
    await user.selectOptions(byId('dest-credential'), 'cred_localsandbox');
    await fill(user, byId('dest-url'), 'https://contoso.crm.dynamics.com');
    await settled(commands.checkDestination, commands.checkDestination.mock.calls.length - 1);
    expect(screen.queryByTestId('error-credentialId'), 'nothing while the address is being typed').not.toBeInTheDocument();

    await user.click(byId('dest-name'));

    expect(await screen.findByTestId('error-credentialId')).toHaveTextContent(refusal);
  });
});

describe('plugin and credential in the destination dialog', () => {
  const other: Plugin = { ...dynamics, id: 'other-crm', name: 'Other CRM', keywords: [] };

  it('offers existing credentials before any plugin is chosen, and choosing one chooses its plugin', async () => {
    commands.listPlugins.mockResolvedValue([dynamics, other]);
    commands.listCredentials.mockResolvedValue([credential()]);
    const { user } = renderApp();
    await user.click(await screen.findByTestId('add-destination'));
    await screen.findByTestId('destination-dialog');
    const select = byId('dest-credential');
    await waitFor(() => expect(within(select).getByText(/Contoso app/), 'the credential is offered').toBeInTheDocument());
    expect(byId('dest-plugin'), 'with two plugins none is chosen for the user').toHaveValue('');
    expect(select).toBeEnabled();

    await user.selectOptions(select, 'cred_1');

    expect(byId('dest-plugin'), 'the credential brought its plugin').toHaveValue('Microsoft Dynamics 365');
    expect(byId('dest-api-version')).toHaveValue('9.2');
  });

  it('starts with the only plugin there is, and its arrow is no tab stop', async () => {
    const { user } = renderApp();
    await openAddDestination(user);
    const box = byId('dest-plugin');
    const arrow = box.parentElement?.querySelector('[aria-expanded]:not(input)');
    expect(arrow, 'the combobox has its arrow').toBeTruthy();
    expect(arrow).toHaveAttribute('tabindex', '-1');
    expect(arrow).toHaveAttribute('aria-hidden', 'true');
  });
});

describe('focus around the credential dialog opened from the destination dialog', () => {
  it('returns to New credential after Escape, and the next Escape closes the destination dialog', async () => {
    const { user } = renderApp();
    await openAddDestination(user);
    const opener = screen.getByTestId('new-credential');

    await user.click(opener);
    await screen.findByTestId('credential-dialog');
    await user.keyboard('{Escape}');

    await waitFor(() => expect(screen.queryByTestId('credential-dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement, 'focus is back on the button that opened it').toBe(opener));
    expect(screen.getByTestId('destination-dialog'), 'the destination dialog stays open').toBeInTheDocument();

    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('destination-dialog'), 'the next Escape closes it').not.toBeInTheDocument());
  });

  it('returns to the credential drop-down when the dialog was opened from its last option', async () => {
    const { user } = renderApp();
    await openAddDestination(user);
    const select = byId('dest-credential');

    await user.selectOptions(select, '__new__');
    await screen.findByTestId('credential-dialog');
    await user.keyboard('{Escape}');

    await waitFor(() => expect(screen.queryByTestId('credential-dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement, 'focus is back on the drop-down').toBe(select));
    expect(select, 'nothing was chosen').toHaveValue('');
  });
});
