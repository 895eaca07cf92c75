// Renders the real app (or part of it) inside its providers, with a fresh query cache per test.
import { RendererProvider, createDOMRenderer } from '@fluentui/react-components';
import { render } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { App } from '../App';
import { AppProviders, createQueryClient } from '../providers';

/** Types a value in one go: most tests care about the result, and per-key renders are slow under jsdom. */
export async function fill(user: ReturnType<typeof userEvent.setup>, el: HTMLElement, value: string) {
  await user.click(el);
  await user.paste(value);
}

export function renderApp(ui: ReactElement = <App />) {
  const client = createQueryClient();
  // The pointer-events check calls getComputedStyle up the tree, which jsdom makes slow with Fluent's many CSS rules.
  const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
  // Styles mean nothing without layout, and jsdom parses every inserted rule: skip them all.
  const renderer = createDOMRenderer(document, { unstable_filterCSSRule: () => false });
  return {
    user,
    client,
    ...render(
      <RendererProvider renderer={renderer}>
        <AppProviders client={client}>{ui}</AppProviders>
      </RendererProvider>,
    ),
  };
}

/**
 * Clicks a row action that lives in the row's "More actions" menu: opens the menu (of the first
 * row, or of `row`), then clicks the item.
 */
export async function clickRowAction(
  user: ReturnType<typeof userEvent.setup>,
  itemTestId: string,
  row?: HTMLElement,
) {
  const { screen, waitFor, within } = await import('@testing-library/react');
  const scope = row ? within(row) : screen;
  const [more] = await scope.findAllByTestId(/-more$/);
  await user.click(more);
  await user.click(await screen.findByTestId(itemTestId));
  // The menu closes on a pick; wait for it, so what the item opened is all there is to query.
  await waitFor(() => {
    if (document.querySelector('[role="menu"]')) throw new Error('the menu is still open');
  });
}
