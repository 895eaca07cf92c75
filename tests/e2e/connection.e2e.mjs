// Connection results and the tables browser on the real app, with the embedded sandbox on
// (FERRY_SANDBOX=on): a test leads with the organisation's name and keeps the ids behind a
// toggle; the columns' header stays in view; a destination that cannot be reached offers one
// action, and its message blames what is really at fault. Run by scripts/test.sh inside the
// keyring session; not named *.test.mjs so the main run (sandbox off) skips it. Nothing here
// leaves this computer: the unreachable destination is a closed port on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const row = (name) => `[data-testid="destination-row"][data-name="${name}"]`;
const SANDBOX = row('Local sandbox');
const CLOSED = row('Closed port');

let s;
before(async () => {
  // A loopback HTTPS address where nothing listens: it signs in at its own host, so the refusal
  // is the Dynamics URL's (wrong port), never the network's.
  execFileSync(CLI, ['credentials', 'add', '--name', 'Closed port app', '--client-id',
    '3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f', '--expires', '1y'], { input: 'closed-port-secret\n' });
  execFileSync(CLI, ['destinations', 'add', '--name', 'Closed port', '--credential', 'Closed port app',
    '--tenant', 'contoso.onmicrosoft.com', '--url', 'https://127.0.0.1:9']);
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

test('a successful test leads with the organisation\'s name and keeps the ids behind a toggle', async () => {
  await s.click(`${SANDBOX} [data-testid="destination-test"]`);
  const result = '[data-testid="connection-result"][data-outcome="ok"]';
  await s.find(result, 20000);
  const summary = await s.text(`${result} [data-testid="connection-summary"]`);
  assert.match(summary, /^Ferry sandbox \(127\.0\.0\.1:\d+\) accepted/, `the organisation's name comes first: ${summary}`);
  const text = await s.text(result);
  assert.match(text, /browse its tables/, `the next step is named: ${text}`);
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-/, `no ids until asked for: ${text}`);
  await s.screenshot('connection-01-success.png');

  await s.click(`${result} [data-testid="connection-details-toggle"]`);
  const details = await s.waitText(`${result} [data-testid="connection-details"]`, (t) => t.length > 0);
  assert.match(details, /Organisation ID\s*[0-9a-f-]{36}/, `the organisation id is one toggle away: ${details}`);
  assert.match(details, /Application user ID\s*[0-9a-f-]{36}/, 'and the application user id');
  await s.screenshot('connection-02-details.png');
});

test('the columns\' header stays in view while the columns scroll, and "fetched" is said once', async () => {
  await s.menu(`${SANDBOX} [data-testid="destination-more"]`, '[data-testid="destination-tables"]',
    '[data-testid="tables-dialog"]');
  await s.find('[data-testid="table-item"]', 20000);
  // The age line fills in once the list has loaded; wait for it before counting its words.
  const fetched = await s.waitText('[data-testid="tables-fetched"]', (t) => /fetched/i.test(t), 20000);
  assert.equal((fetched.match(/fetched/gi) ?? []).length, 1, `"fetched" once: ${fetched}`);
  await s.click('[data-testid="table-item"][data-name="contact"]');
  await s.find('[data-testid="column-row"]', 20000);
  const boxes = await s.exec(`
    const pane = document.querySelector('[data-testid="table-details"]');
    pane.scrollTop = 600;
    const head = document.querySelector('[data-testid="columns-head"] th');
    const rows = [...document.querySelectorAll('[data-testid="column-row"]')];
    return { scrolled: pane.scrollTop, pane: pane.getBoundingClientRect().top,
             head: head.getBoundingClientRect().top,
             firstRow: rows[0].getBoundingClientRect().top };`);
  assert.ok(boxes.scrolled > 100, `the details pane scrolled: ${JSON.stringify(boxes)}`);
  assert.ok(boxes.firstRow < boxes.pane, `the first column row scrolled out of view: ${JSON.stringify(boxes)}`);
  assert.ok(Math.abs(boxes.head - boxes.pane) <= 2, `the header sits at the pane's top: ${JSON.stringify(boxes)}`);
  // Measured again once the page has settled, as the screenshot shows it.
  await new Promise((r) => setTimeout(r, 500));
  const settled = await s.exec(`
    const pane = document.querySelector('[data-testid="table-details"]');
    const head = document.querySelector('[data-testid="columns-head"] th');
    return { scrolled: pane.scrollTop, pane: pane.getBoundingClientRect().top, head: head.getBoundingClientRect().top };`);
  assert.ok(settled.scrolled > 100 && Math.abs(settled.head - settled.pane) <= 2,
    `still scrolled, header still at the top: ${JSON.stringify(settled)}`);
  await s.screenshot('connection-03-sticky-header.png');
  await s.type('#tables-filter', '\uE00C');
  await s.gone('[data-testid="tables-dialog"]');
});

test('tables that cannot be loaded offer one action, and the message blames the URL\'s port', async () => {
  await s.menu(`${CLOSED} [data-testid="destination-more"]`, '[data-testid="destination-tables"]',
    '[data-testid="tables-dialog"]');
  const error = await s.waitText('[data-testid="tables-error"]', (t) => t.length > 0, 20000);
  assert.match(error, /127\.0\.0\.1 refused the connection/, `says what failed: ${error}`);
  assert.match(error, /Dynamics URL and its port/, `a loopback refusal is the URL's: ${error}`);
  const actions = await s.exec(`
    return [...document.querySelectorAll('[data-testid="tables-dialog"] button')]
      .map((b) => b.textContent.trim()).filter((t) => t && t !== 'Close');`);
  assert.deepEqual(actions, ['Try again'], `one action, not Refresh beside Try again: ${actions}`);
  const dialog = await s.text('[data-testid="tables-dialog"]');
  assert.doesNotMatch(dialog, /Choose a table/, 'nothing to choose from, so no "Choose a table"');
  await s.screenshot('connection-04-tables-unreachable.png');
  await s.click('[data-testid="tables-dialog"] [aria-label="Close"]');
  await s.gone('[data-testid="tables-dialog"]');
});
