// Build, dev-server and unit-test settings for the Ferry UI (Vite root is this folder).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Resolved from this file, not the shell's cwd, so `npm run` from anywhere and the Tauri CLI agree.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Keep Vite's and Vitest's caches in the root node_modules (already ignored), not a new ui/node_modules.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite', import.meta.url)),
  // Tauri serves the bundle from its own asset protocol, so every URL must be relative.
  base: './',
  plugins: [react()],
  clearScreen: false,
  server: {
    // Tauri's dev window points at a fixed port; failing loudly beats silently moving.
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP forbids inline scripts; the webview supports modulepreload natively.
    modulePreload: { polyfill: false },
    target: 'es2021',
    // Fluent UI is one large vendor chunk by nature; it is loaded from disk, not a network.
    chunkSizeWarningLimit: 2000,
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.test.tsx'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    // NOTE: above the 10 s wait for elements (src/test/setup.ts), so a slow render is reported
    // as the element that never came rather than as a timed-out test.
    testTimeout: 30_000,
  },
});
