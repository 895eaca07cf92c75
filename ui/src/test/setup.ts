// Test environment: jest-dom matchers, cleanup between tests, and browser APIs jsdom lacks that Fluent uses.
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// findBy*/waitFor give up after one second by default. On a busy two-core machine (CI compiling
// beside the tests) a Fluent dialog can take longer than that to render, which failed a test
// that was right. A slow render is not what these tests check; a missing one still fails.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

if (!('ResizeObserver' in globalThis)) {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}

if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// CodeMirror measures text through Range rectangles, which jsdom does not lay out.
if (!('getClientRects' in Range.prototype)) {
  const none = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
  const empty = () => ({ x: 0, y: 0, width: 0, height: 0, top: 0, right: 0, bottom: 0, left: 0, toJSON: () => ({}) }) as DOMRect;
  Object.assign(Range.prototype, { getClientRects: none, getBoundingClientRect: empty });
}
