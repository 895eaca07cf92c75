// Helpers for the Data, Queries and Segments tests: opening a tab, replacing an input's text,
// reading a grid, and giving grids a viewport (jsdom lays nothing out, so every box is 0 px tall).
import { screen, waitFor } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { afterEach } from 'vitest';

/** Opens one of the app's tabs by its test id. */
export async function openTab(user: UserEvent, tab: 'data' | 'queries' | 'segments' | 'users' | 'activity') {
  await user.click(await screen.findByTestId(`tab-${tab}`));
}

/** Replaces what an input holds, in one paste (per-key typing is slow under jsdom). */
export async function replaceText(user: UserEvent, el: HTMLElement, value: string) {
  await user.clear(el);
  if (value) {
    await user.click(el);
    await user.paste(value);
  }
}

/** The element with this id, as a form control. */
export function control(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no element #${id}`);
  return el as HTMLInputElement;
}

/** The first element matching `selector`, once there is one. */
export function waitForSelector<T extends Element = HTMLElement>(selector: string): Promise<T> {
  return waitFor(() => {
    const el = document.querySelector<T>(selector);
    if (!el) throw new Error(`nothing matches ${selector} yet`);
    return el;
  });
}

/** The indexes of the grid rows in the DOM, and their cells' texts. */
export function gridRows(grid: HTMLElement): { index: number; cells: string[]; loading: boolean }[] {
  return [...grid.querySelectorAll<HTMLElement>('[data-testid="grid-row"]')].map((row) => ({
    index: Number(row.dataset.rowIndex),
    cells: [...row.querySelectorAll('[role="cell"]')].map((c) => c.textContent ?? ''),
    loading: row.dataset.loading === 'true',
  }));
}

/**
 * Gives every grid's scroller (or every element with one of the test ids `scrollers`) a height
 * of `px` (others stay 0), so the virtualiser knows how many rows are in view. Undone after the test.
 */
export function giveGridsHeight(px: number, scrollers: readonly string[] = ['grid-scroller']) {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return scrollers.includes(this.dataset.testid ?? '') ? px : 0;
    },
  });
}

afterEach(() => {
  // jsdom defines clientHeight on Element; removing the override brings its 0 back.
  Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight');
});

/** Scrolls a grid's scroller to `top` px, as a wheel or the scrollbar would. */
export function scrollGrid(scroller: HTMLElement, top: number) {
  scroller.scrollTop = top;
  scroller.dispatchEvent(new Event('scroll'));
}
