// The About box: opened from the user menu by mouse or keyboard, it shows the version and the
// commit build_info answers with, says so when the build cannot name its commit, and offers to
// try again when the answer does not come.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { commands, resetCommands } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

async function openAbout(user: User) {
  await user.click(await screen.findByTestId('user-menu'));
  await user.click(await screen.findByTestId('about-open'));
  return screen.findByTestId('about-dialog');
}

describe('About box', () => {
  it('shows the version and the commit the app was built from', async () => {
    commands.buildInfo.mockResolvedValue({ version: '2.4.1', commit: 'f00dcafe' });
    const { user } = renderApp();
    expect(commands.buildInfo).not.toHaveBeenCalled();

    const dialog = await openAbout(user);

    expect(await within(dialog).findByRole('heading', { name: 'About Ferry' })).toBeInTheDocument();
    expect(await within(dialog).findByTestId('about-version')).toHaveTextContent(/^2\.4\.1$/);
    expect(within(dialog).getByTestId('about-commit')).toHaveTextContent(/^f00dcafe$/);
    expect(within(dialog).queryByTestId('about-no-commit')).not.toBeInTheDocument();
    expect(commands.buildInfo).toHaveBeenCalledTimes(1);

    await user.click(within(dialog).getByTestId('about-close'));
    await waitFor(() => expect(screen.queryByTestId('about-dialog')).not.toBeInTheDocument());
  });

  it('opens with Enter on its menu item and closes with Escape', async () => {
    // NOTE: jsdom has no layout, so Fluent cannot move focus through the menu with the arrow
    // keys here; the end-to-end smoke test walks to the item with the keyboard in the real window.
    const { user } = renderApp();
    await user.click(await screen.findByTestId('user-menu'));
    const item = await screen.findByTestId('about-open');
    expect(item).toHaveAttribute('role', 'menuitem');
    item.focus();
    await user.keyboard('{Enter}');

    const dialog = await screen.findByTestId('about-dialog');
    expect(await within(dialog).findByTestId('about-commit')).toHaveTextContent('1a2b3c4');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('about-dialog')).not.toBeInTheDocument());
  });

  it('says why there is no commit for a build made outside git', async () => {
    commands.buildInfo.mockResolvedValue({ version: '0.1.0', commit: 'unknown' });
    const { user } = renderApp();
    const dialog = await openAbout(user);
    expect(await within(dialog).findByTestId('about-no-commit')).toHaveTextContent('built outside a git checkout');
    expect(within(dialog).getByTestId('about-version')).toHaveTextContent('0.1.0');
  });

  it('says what went wrong when the build cannot be read, and tries again', async () => {
    commands.buildInfo.mockRejectedValueOnce({ code: 'internal', message: 'The app is shutting down.' });
    const { user } = renderApp();
    const dialog = await openAbout(user);
    const error = await within(dialog).findByTestId('about-error');
    expect(error).toHaveTextContent('The app is shutting down.');
    expect(within(dialog).queryByTestId('about-version')).not.toBeInTheDocument();

    await user.click(await within(error).findByRole('button', { name: 'Try again' }));
    expect(await within(dialog).findByTestId('about-version')).toHaveTextContent('0.1.0');
    expect(within(dialog).getByTestId('about-commit')).toHaveTextContent('1a2b3c4');
  });
});
