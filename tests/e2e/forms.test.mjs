// Ferry end to end: the one form behaviour, on the real app with a real keyboard. A form
// tabbed through untouched shows no error; a field left with a bad value shows its message once;
// Escape in "New credential" opened from "Add destination" gives focus back to what opened it,
// and the next Escape closes the destination dialog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session, KEY } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const ESCAPE = '\uE00C';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let s;
before(async () => {
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

/** What has focus: its id, test id or label, so a failure says where focus went. */
function focused() {
  return s.exec(`const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    return e.id || e.getAttribute('data-testid') || e.getAttribute('aria-label') || e.tagName;`);
}

/** Presses `key` wherever focus is now, as a person at the keyboard does. */
async function press(key) {
  await s.exec(`document.querySelectorAll('[data-e2e-focus]').forEach((e) => e.removeAttribute('data-e2e-focus'));
    (document.activeElement ?? document.body).setAttribute('data-e2e-focus', '');`);
  await s.type('[data-e2e-focus]', key);
}

async function openAddDestination() {
  // A test that failed half-way may have left dialogs open: close them first.
  for (let i = 0; i < 3 && (await s.findAll('[role="dialog"]')).length > 0; i++) {
    await s.exec(`document.querySelector('[role="dialog"]:last-of-type')?.focus()`);
    await press(ESCAPE);
    await sleep(300);
  }
  await s.open('[data-testid="add-destination"]', '[data-testid="destination-dialog"]');
  // The only plugin there is starts chosen.
  await s.waitAttr('#dest-plugin', 'value', 'Microsoft Dynamics 365');
}

async function closeDestinationDialog() {
  await s.click('#dest-name');
  await press(ESCAPE);
  await s.gone('[data-testid="destination-dialog"]');
}

test('a form tabbed through untouched shows no error, and the plugin box is one tab stop', async () => {
  await openAddDestination();
  await s.click('#dest-name');
  const stops = [];
  // Once round the dialog: its focus trap brings Tab back to Name.
  for (let i = 0; i < 20 && stops.at(-1) !== 'dest-name'; i++) {
    await press(KEY.tab);
    stops.push(await focused());
  }
  assert.equal(stops.at(-1), 'dest-name', `Tab went round the dialog: ${stops.join(' → ')}`);
  assert.ok(stops.includes('dest-url'), `Tab reached the Dynamics URL: ${stops.join(' → ')}`);
  assert.ok(!stops.includes('Open'), `no tab stop is a bare "Open": ${stops.join(' → ')}`);
  assert.equal(stops.filter((x) => x === 'dest-plugin').length, 1, `the plugin box is one stop: ${stops.join(' → ')}`);
  // The live check answers within a quarter of a second of the last change; give it time to speak.
  await sleep(1000);
  const shown = await s.exec(`return [...document.querySelectorAll('[data-testid^="error-"], [aria-invalid="true"]')]
    .map((e) => e.getAttribute('data-testid') || e.id);`);
  assert.deepEqual(shown, [], 'nobody typed anything, so nothing is marked wrong');
  await s.screenshot('forms-01-tabbed-untouched.png');
  await closeDestinationDialog();
});

test('a tenant without its .com is refused, once, under the field that was left', async () => {
  await openAddDestination();
  await s.type('#dest-tenant', 'contoso.onmicrosoft' + KEY.tab);
  const message = await s.waitText('[data-testid="error-tenantId"]', (t) => t.length > 0);
  assert.match(message, /contoso\.onmicrosoft\.com/, 'the message shows the domain expected');
  assert.match(message, /GUID/, 'and that a GUID works too');
  const errors = await s.exec(`return [...document.querySelectorAll('[data-testid^="error-"]')].map((e) => e.getAttribute('data-testid'));`);
  assert.deepEqual(errors, ['error-tenantId'], 'only the field left speaks; Name, left empty, does not');
  const dialogText = await s.text('[data-testid="destination-dialog"]');
  assert.doesNotMatch(dialogText, /overview page/, 'the hint gave way to the message, so it is said once');
  await s.screenshot('forms-02-tenant-refused.png');
  await closeDestinationDialog();
});

test('Escape in New credential gives focus back to its button; the next Escape closes Add destination', async () => {
  await openAddDestination();
  await s.open('[data-testid="new-credential"]', '[data-testid="credential-dialog"]');
  await s.screenshot('forms-03-nested-credential.png');
  await press(ESCAPE);
  await s.gone('[data-testid="credential-dialog"]');
  await s.find('[data-testid="destination-dialog"]');
  let where = '';
  for (let i = 0; i < 50 && where !== 'new-credential'; i++) {
    where = await focused();
    if (where !== 'new-credential') await sleep(100);
  }
  assert.equal(where, 'new-credential', 'focus is back on the button that opened the credential dialog');
  await press(ESCAPE);
  await s.gone('[data-testid="destination-dialog"]');
});

test('Escape in New credential opened from the drop-down gives focus back to the drop-down', async () => {
  await openAddDestination();
  await s.click('#dest-credential option[value="__new__"]');
  await s.find('[data-testid="credential-dialog"]');
  await press(ESCAPE);
  await s.gone('[data-testid="credential-dialog"]');
  let where = '';
  for (let i = 0; i < 50 && where !== 'dest-credential'; i++) {
    where = await focused();
    if (where !== 'dest-credential') await sleep(100);
  }
  assert.equal(where, 'dest-credential', 'focus is back on the credential drop-down');
  await press(ESCAPE);
  await s.gone('[data-testid="destination-dialog"]');
});
