// The list screens as a new user and an admin meet them, with the embedded sandbox on
// (FERRY_SANDBOX=on): the first steps and what ticks them, the last test kept in the list,
// labelled row actions, search and sort, long names at the minimum window (900×600), and a
// deleted Local sandbox that stays deleted across a restart until it is added back.
// Run by scripts/test.sh; not named *.test.mjs so the main run (sandbox off) skips it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const LONG = 'Q'.repeat(100);
const row = (name) => `[data-testid="destination-row"][data-name="${name}"]`;
const SANDBOX = row('Local sandbox');

let s;
before(async () => {
  // An admin's records next to the sandbox: one with a 100-character name without spaces and a
  // long description, to see how the list shortens them.
  execFileSync(CLI, ['credentials', 'add', '--name', 'Lists app', '--client-id',
    '4b3c2d1e-1b3d-4e5f-8a9b-c0d1e2f3a4b5', '--expires', '1y'], { input: 'lists-secret\n' });
  execFileSync(CLI, ['destinations', 'add', '--name', LONG, '--credential', 'Lists app',
    '--description', 'A description long enough to need more than two lines in the list. '.repeat(6),
    '--tenant', 'contoso.onmicrosoft.com',
    '--url', 'https://averyveryveryveryverylongorganisationnamethatgoesonandon.crm4.dynamics.com']);
  execFileSync(CLI, ['destinations', 'add', '--name', 'Zeta marketing', '--credential', 'Lists app',
    '--tenant', 'contoso.onmicrosoft.com', '--url', 'https://zeta.crm.dynamics.com']);
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

/** Boxes of the visible controls in each row of `rowCss`, and the window's width. */
function boxes(rowCss) {
  return s.exec(
    `const rows = [...document.querySelectorAll(arguments[0])];
     const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
     const box = (e) => { const r = e.getBoundingClientRect();
       return { what: e.getAttribute('data-testid') || e.getAttribute('aria-label') || e.textContent.slice(0, 30),
                left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
     const controls = (root) => [...root.querySelectorAll(
       'button, input, [data-testid="destination-status"], [data-testid="expiry-badge"], [data-truncate]')]
       .filter(shown);
     return {
       width: window.innerWidth,
       pageWidth: document.documentElement.scrollWidth,
       // What sticks out, so a failure names it.
       wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
         .slice(-5).map((e) => e.tagName + '.' + (e.getAttribute('data-testid') || '') + ' ' + Math.round(e.getBoundingClientRect().right)),
       rows: rows.map((r) => { const els = controls(r);
         // Pairs where one holds the other are one control, not an overlap.
         const pairs = [];
         els.forEach((a, i) => els.slice(i + 1).forEach((b) => {
           if (a.contains(b) || b.contains(a)) return;
           const x = Math.min(a.getBoundingClientRect().right, b.getBoundingClientRect().right)
             - Math.max(a.getBoundingClientRect().left, b.getBoundingClientRect().left);
           const y = Math.min(a.getBoundingClientRect().bottom, b.getBoundingClientRect().bottom)
             - Math.max(a.getBoundingClientRect().top, b.getBoundingClientRect().top);
           if (x > 1 && y > 1) pairs.push([box(a).what, box(b).what]);
         }));
         return { name: r.getAttribute('data-name'), boxes: els.map(box), overlaps: pairs,
                  height: r.getBoundingClientRect().height }; }),
     };`,
    [rowCss],
  );
}

function assertTidy(layout, where) {
  assert.ok(layout.pageWidth <= layout.width + 1,
    `${where}: nothing widens the page beyond the window (${layout.pageWidth} > ${layout.width}: ${layout.wide.join(', ')})`);
  for (const r of layout.rows) {
    assert.deepEqual(r.overlaps, [], `${where}: no two controls overlap in the row of ${r.name.slice(0, 20)}`);
    for (const b of r.boxes) {
      assert.ok(b.left >= 0 && b.right <= layout.width + 1,
        `${where}: ${b.what} of ${r.name.slice(0, 20)} is inside the window (${b.left}–${b.right} of ${layout.width})`);
    }
  }
}

/**
 * Waits until no animation runs: a dialog measured while it slides in is not where it will
 * stay, and one closed before its opening animation ends may stay on screen (Fluent's motion).
 */
async function settled(ms = 10000) {
  const deadline = Date.now() + ms;
  while ((await s.exec(`return document.getAnimations().filter((a) => a.playState === 'running').length`)) > 0) {
    if (Date.now() > deadline) throw new Error('animations never ended');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the element's text is cut (shortened with an ellipsis) while all of it is in the page. */
function cut(css) {
  return s.exec(
    `const e = document.querySelector(arguments[0]);
     return e ? { text: e.textContent, cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1,
                  height: e.getBoundingClientRect().height } : null;`,
    [css],
  );
}

test('a first start shows where to begin, and the row actions say what they do', async () => {
  await s.waitText(SANDBOX, (t) => t.includes('http://127.0.0.1:'));
  const steps = await s.waitText('[data-testid="getting-started"]', (t) => t.includes('Getting started'));
  assert.match(steps, /Test the connection/, 'the next step is named');
  assert.match(steps, /Browse its tables/, 'and the one after');
  assert.match(steps, /Import customer data/, 'importing data is a step of its own');
  await s.waitAttr('[data-testid="step-send"]', 'data-done', 'false');
  assert.match(steps, /Send to Dynamics/, 'sending is the last step');
  await s.waitAttr('[data-testid="step-destination"]', 'data-done', 'true');
  // The first start made the Demo contacts template, so that step is done already.
  await s.waitAttr('[data-testid="step-template"]', 'data-done', 'true');
  await s.waitAttr('[data-testid="step-test"]', 'data-done', 'false');
  const test = await s.text(`${SANDBOX} [data-testid="destination-test"]`);
  assert.equal(test, 'Test connection', 'the row action shows its name');
  await s.open(`${SANDBOX} [data-testid="destination-more"]`, '[data-testid="destination-tables"]');
  const menu = await s.text('[role="menu"]');
  assert.match(menu, /Browse tables[\s\S]*Edit[\s\S]*Delete/, 'the menu names each action');
  await s.type('[role="menu"] [data-testid="destination-tables"]', '\uE00C');
  await s.gone('[role="menu"]');
  await s.screenshot('13-getting-started.png');
});

test('a connection test shows in the row, ticks its step and is still there after a restart', async () => {
  await s.click(`${SANDBOX} [data-testid="destination-test"]`);
  await s.waitAttr(`${SANDBOX} [data-testid="destination-status"]`, 'data-tone', 'ok', 20000);
  const status = await s.text(`${SANDBOX} [data-testid="destination-status"]`);
  assert.match(status, /Connected/, 'the row says it worked');
  assert.match(status, /just now/, 'and when');
  await s.waitAttr('[data-testid="step-test"]', 'data-done', 'true');

  await s.menu(`${SANDBOX} [data-testid="destination-more"]`, '[data-testid="destination-tables"]',
    '[data-testid="tables-dialog"]');
  await s.find('[data-testid="table-item"]', 20000);
  await s.type('#tables-filter', '\uE00C');
  await s.gone('[data-testid="tables-dialog"]');
  await s.waitAttr('[data-testid="step-tables"]', 'data-done', 'true');
  await s.screenshot('14-last-test-in-the-list.png');
});

test('search finds by URL, sort orders by name, and an empty result says what to do', async () => {
  await s.type('[data-testid="destinations-search"]', 'zeta.crm');
  await s.waitText('[data-testid="destinations-search-count"]', (t) => t.includes('1 of 3'));
  assert.equal((await s.findAll('[data-testid="destination-row"]')).length, 1, 'only the match is listed');
  await s.type('[data-testid="destinations-search"]', 'nothing-like-this');
  const none = await s.waitText('[data-testid="no-matches"]', (t) => t.length > 0);
  assert.match(none, /No destinations match/, 'says nothing matched');
  await s.click('[data-testid="clear-search"]');
  await s.waitText('[data-testid="destinations-search-count"]', (t) => t.includes('3 in all'));
  const names = () => s.exec(`return [...document.querySelectorAll('[data-testid="destination-row"]')]
    .map((r) => r.getAttribute('data-name'))`);
  assert.deepEqual(await names(), ['Local sandbox', LONG, 'Zeta marketing'], 'by name at first');
  await s.click('[data-testid="sort-name"]');
  assert.deepEqual(await names(), ['Zeta marketing', LONG, 'Local sandbox'], 'then the other way');
  await s.click('[data-testid="sort-name"]');
});

test('at the minimum window (900×600) nothing overlaps or leaves the window, and long text is shortened', async () => {
  await s.resize(900, 600);
  await s.waitText('[data-testid="destinations-search-count"]', () => true);
  const width = await s.exec('return window.innerWidth');
  assert.ok(width <= 900, `the window is at most 900 px wide (${width})`);

  const list = await boxes('[data-testid="destination-row"]');
  assertTidy(list, 'Destinations');
  const name = await cut(`${row(LONG)} [data-testid="row-name"]`);
  assert.equal(name.text, LONG, 'the whole name is in the page');
  assert.ok(name.cut, 'the 100-character name is shortened');
  const description = await cut(`${row(LONG)} [data-testid="row-description"]`);
  assert.ok(description.cut, 'the description is clamped');
  const longRow = list.rows.find((r) => r.name === LONG);
  assert.ok(longRow.height < 120, `the row stays short (${longRow.height} px)`);
  const url = await cut(`${row(LONG)} [data-testid="row-url"]`);
  assert.ok(url.cut && url.height < 30, 'the URL is shortened on one line, not broken mid-word');
  await s.exec(`document.querySelector('[data-testid="destinations-search"]').scrollIntoView()`);
  await s.screenshot('15-destinations-900x600.png');

  await s.menu(`${row(LONG)} [data-testid="destination-more"]`, '[data-testid="destination-edit"]',
    '[data-testid="destination-dialog"]');
  await settled();
  const dialog = await s.exec(
    `const d = document.querySelector('[data-testid="destination-dialog"]').getBoundingClientRect();
     const t = document.querySelector('[data-testid="destination-dialog"] h2 [data-truncate]');
     const save = document.querySelector('[data-testid="destination-save"]').getBoundingClientRect();
     return { left: d.left, right: d.right, width: window.innerWidth, saveRight: save.right,
              titleCut: t.scrollWidth > t.clientWidth + 1 };`);
  assert.ok(dialog.left >= 0 && dialog.right <= dialog.width + 1, 'the dialog fits the window');
  assert.ok(dialog.saveRight <= dialog.width, 'its Save button is on screen');
  assert.ok(dialog.titleCut, 'its title shortens the long name');
  await s.screenshot('16-long-name-dialog-900x600.png');
  // NOTE: the window starts afresh for the Credentials check: in this run, this dialog (opened
  // after the measurements above) did not close on Cancel or Escape under WebDriver; shorter
  // sequences of the same steps close it. Not yet explained, so not relied on here.
  await s.quit();
  s = await Session.start(APP);
  await s.find(SANDBOX);
  await s.resize(900, 600);
  await s.click('[data-testid="tab-credentials"]');
  await s.find('[data-testid="credential-row"]');
  assertTidy(await boxes('[data-testid="credential-row"]'), 'Credentials');
  const rotate = await s.exec(
    `const b = document.querySelector('[data-testid="credential-rotate"]'); return b.scrollWidth <= b.clientWidth + 1;`);
  assert.ok(rotate, '"Rotate secret" is not clipped');
  await s.screenshot('17-credentials-900x600.png');
  await s.click('[data-testid="tab-destinations"]');
  await s.resize(1280, 900);
  await s.find(SANDBOX);
});

test('a deleted Local sandbox stays deleted after a restart, and can be added back', async () => {
  await s.menu(`${SANDBOX} [data-testid="destination-more"]`, '[data-testid="destination-delete"]',
    '[data-testid="confirm-dialog"]');
  const confirm = await s.waitText('[data-testid="confirm-dialog"]', (t) => t.includes('Delete'));
  assert.match(confirm, /will not come back when Ferry restarts/, 'the dialog says the choice is kept');
  await s.click('[data-testid="confirm-delete"]');
  await s.gone(SANDBOX);

  await s.quit();
  s = await Session.start(APP);
  await s.find(row('Zeta marketing'));
  // The sandbox itself starts again; only its destination stays away.
  await s.find('[data-testid="add-sandbox"]');
  assert.equal((await s.findAll(SANDBOX)).length, 0, 'the deleted sandbox did not come back');
  await s.screenshot('18-sandbox-deleted-after-restart.png');

  await s.click('[data-testid="add-sandbox"]');
  await s.waitText(SANDBOX, (t) => t.includes('http://127.0.0.1:'));
  await s.gone('[data-testid="add-sandbox"]');
});
