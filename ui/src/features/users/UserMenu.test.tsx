// The user menu: who is acting, switching to another user (the whole cache read again as them),
// and the tab that disappears with a switch.
import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { giveGridsHeight, gridRows, openTab } from '../../test/dataHelpers';
import { PII_MASK } from '../../test/fakeData';
import { commands, data, resetCommands, users } from '../../test/ipcMock';
import { renderApp } from '../../test/render';

vi.mock('../../api/ipc', () => import('../../test/ipcMock'));

beforeEach(resetCommands);

type User = ReturnType<typeof renderApp>['user'];

async function openMenu(user: User) {
  await user.click(await screen.findByTestId('user-menu'));
  return screen.findByRole('menu');
}

async function switchTo(user: User, name: string) {
  await openMenu(user);
  await user.click(await screen.findByTestId(`switch-user-${name}`));
  await screen.findByText(`Now acting as ${name}`);
}

describe('User menu', () => {
  it('shows who is acting with their policy, and offers the other enabled users with theirs', async () => {
    const { user } = renderApp();
    const button = await screen.findByTestId('user-menu');
    expect(button).toHaveTextContent('Ana');
    expect(button).toHaveTextContent('DataGrid Administrator');
    expect(within(button).queryByTestId('user-pii-restricted')).not.toBeInTheDocument();

    const menu = await openMenu(user);
    await within(menu).findByTestId('switch-user-Bo');
    const offered = within(menu)
      .getAllByRole('menuitem')
      .map((i) => i.getAttribute('data-testid'));
    // Ana is acting already and Kim is disabled: neither is offered. About comes last.
    expect(offered).toEqual(['switch-user-Bo', 'switch-user-Dana', 'switch-user-Sam', 'about-open']);
    expect(within(menu).getByTestId('switch-user-Bo')).toHaveTextContent('DataGrid Operator');
    expect(within(menu).getByTestId('switch-user-Sam')).toHaveTextContent('Amp360 User');
    expect(screen.getByTestId('user-menu-note')).toHaveTextContent('not a security boundary');
    expect(screen.getByTestId('user-menu-note')).toHaveTextContent('activity log');
  });

  it('marks a user whose personal data is hidden', async () => {
    users.actAs('Sam');
    renderApp();
    const button = await screen.findByTestId('user-menu');
    expect(button).toHaveTextContent('Sam');
    expect(button).toHaveTextContent('Amp360 User');
    expect(within(button).getByTestId('user-pii-restricted')).toHaveTextContent('PII restricted');
  });

  it('switches user through switch_user, says so, and reads everything again as the new user', async () => {
    data.addDemo(20);
    giveGridsHeight(300);
    const { user } = renderApp();
    await openTab(user, 'data');
    // As Ana, the sample shows the customers' names.
    let grid = await screen.findByTestId('sample-grid');
    await waitFor(() => expect(gridRows(grid)[0]?.cells[1]).toBe('Ana'));
    expect(screen.queryByTestId('pii-hidden-note')).not.toBeInTheDocument();
    const whoamiCalls = commands.whoami.mock.calls.length;
    const destinationCalls = commands.listDestinations.mock.calls.length;
    const sampleCalls = commands.dataSample.mock.calls.length;

    await switchTo(user, 'Sam');

    expect(commands.switchUser).toHaveBeenCalledWith('usr_sam');
    await waitFor(() => expect(screen.getByTestId('user-menu')).toHaveTextContent('Sam'));
    expect(screen.getByTestId('user-menu')).toHaveTextContent('PII restricted');
    // Everything cached was read again: who is acting, the status and the open tab's data.
    await waitFor(() => expect(commands.whoami.mock.calls.length).toBeGreaterThan(whoamiCalls));
    await waitFor(() => expect(commands.dataSample.mock.calls.length).toBeGreaterThan(sampleCalls));
    // The Data tab stays (Sam may read data), now with the personal data masked.
    expect(await screen.findByTestId('pii-hidden-note')).toBeInTheDocument();
    grid = await screen.findByTestId('sample-grid');
    await waitFor(() => expect(gridRows(grid)[0]?.cells[1]).toBe(PII_MASK));
    expect(gridRows(grid)[0].cells[0]).toBe('C000001');

    // Destinations (not open now) are read again as Sam when they are next shown.
    await user.click(screen.getByTestId('tab-destinations'));
    await waitFor(() => expect(commands.listDestinations.mock.calls.length).toBeGreaterThan(destinationCalls));
  });

  it('falls back to Destinations when the open tab is not the new user’s to see', async () => {
    const { user } = renderApp();
    await openTab(user, 'users');
    expect(await screen.findByTestId('user-row-Dana')).toBeInTheDocument();

    await switchTo(user, 'Dana');

    await waitFor(() => expect(screen.queryByTestId('tab-users')).not.toBeInTheDocument());
    expect(screen.getByTestId('tab-destinations')).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('destinations-empty')).toBeInTheDocument();
    expect(screen.queryByTestId('users-table')).not.toBeInTheDocument();
  });

  it('shows the backend’s message when a switch is refused', async () => {
    commands.switchUser.mockRejectedValueOnce({ code: 'validation', message: 'Bo is disabled: ask an administrator to enable them.' });
    const { user } = renderApp();
    await openMenu(user);
    await user.click(await screen.findByTestId('switch-user-Bo'));
    expect(await screen.findByText('Bo is disabled: ask an administrator to enable them.')).toBeInTheDocument();
    expect(screen.getByTestId('user-menu')).toHaveTextContent('Ana');
  });

  it('says why it cannot tell who is acting, shows no tab until it can, and tries again', async () => {
    commands.whoami.mockRejectedValue({ code: 'internal', message: 'The settings database cannot be read.' });
    const { user } = renderApp();
    const error = await screen.findByTestId('load-error');
    expect(error).toHaveTextContent('The settings database cannot be read.');
    expect(screen.queryByTestId('tab-destinations')).not.toBeInTheDocument();
    expect(screen.queryByTestId('user-menu')).not.toBeInTheDocument();

    commands.whoami.mockImplementation(users.whoami);
    await user.click(within(error).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('tab-destinations')).toBeInTheDocument();
    expect(screen.getByTestId('user-menu')).toHaveTextContent('Ana');
  });
});
