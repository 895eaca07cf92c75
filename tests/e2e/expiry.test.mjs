// Secret expiry on the real app: the date is typed the way the hint says (YYYY-MM-DD) and saved as
// typed, a date the box cannot read gets one message naming the format, the calendar fills the box
// in the same form, dates are shown the way the system's locale writes them, and a secret that
// never expires is said so plainly and never warned about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Session, KEY } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const cred = (name) => `[data-testid="credential-row"][data-name="${name}"]`;
const cli = (args, input = '') => JSON.parse(execFileSync(CLI, ['--json', ...args], { input, encoding: 'utf8' }));

/** YYYY-MM-DD `days` from today (UTC, as the backend counts). */
function isoInDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

let s;
before(async () => {
  // One secret made without an end date (as through Graph or PowerShell) and one about to expire.
  cli(['credentials', 'add', '--name', 'Forever app', '--client-id', '7a8b7c6d-1b3d-4e5f-8a9b-c0d1e2f3a4b5',
    '--expires', 'never'], 'forever-secret\n');
  cli(['credentials', 'add', '--name', 'Soon app', '--client-id', '6a8b7c6d-1b3d-4e5f-8a9b-c0d1e2f3a4b5',
    '--expires', isoInDays(5)], 'soon-secret\n');
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

/** How the webview's locale writes an ISO date, by the same rule as the app's one formatter. */
async function localeDate(iso) {
  return s.exec(
    `const [y, m, d] = arguments[0].split('-').map(Number);
     return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
       .format(new Date(Date.UTC(y, m - 1, d)));`,
    [iso],
  );
}

async function newCredential(name) {
  await s.click('[data-testid="tab-credentials"]');
  await s.open('[data-testid="add-credential"]', '[data-testid="credential-dialog"]');
  await s.type('#cred-name', name);
  await s.type('#cred-client-id', '5a8b7c6d-1b3d-4e5f-8a9b-c0d1e2f3a4b5');
  await s.type('#cred-secret', `${name} secret`);
}

test('the date typed as the hint says is the date saved, and shown the locale’s way', async () => {
  await newCredential('Typed app');
  await s.click('[data-testid="expiry-date"]');
  const field = await s.text('.fui-Field:has(#cred-expiry-date)');
  assert.match(field, /YYYY-MM-DD/, 'the hint names the format');
  assert.equal(await s.exec('return document.getElementById("cred-expiry-date").value'), '',
    'the box starts empty: nothing in it looks filled in');

  await s.type('#cred-expiry-date', '2027-06-15' + KEY.tab);
  assert.equal(await s.exec('return document.getElementById("cred-expiry-date").value'), '2027-06-15',
    'the box keeps the date as typed');
  await s.gone('[data-testid="error-expiry"]');
  await s.screenshot('expiry-01-typed-date.png');
  await s.click('[data-testid="credential-save"]');
  await s.gone('[data-testid="credential-dialog"]');

  const shown = await localeDate('2027-06-15');
  const row = await s.waitText(cred('Typed app'), (t) => t.length > 0);
  assert.ok(row.includes(shown), `the list shows ${shown}, the locale's way: ${row}`);
  const saved = cli(['credentials', 'show', 'Typed app']);
  assert.equal(saved.expiry.expiresOn, '2027-06-15', 'the backend keeps ISO, the very date typed');
});

test('a date the box cannot read gets one message that says the format', async () => {
  await newCredential('Bad date app');
  await s.click('[data-testid="expiry-date"]');
  await s.type('#cred-expiry-date', '2027-13-45' + KEY.tab);
  const message = await s.waitText('[data-testid="error-expiry"]', (t) => t.includes('2027-13-45'));
  assert.match(message, /not a date/, 'the message says what is wrong');
  const field = await s.text('.fui-Field:has(#cred-expiry-date)');
  assert.equal(field.split('YYYY-MM-DD').length - 1, 1, `the format is said once: ${field}`);
  await s.screenshot('expiry-02-unreadable-date.png');

  // The same box then takes a good date, and the calendar writes its pick the same way.
  await s.replace('#cred-expiry-date', '2027-06-15' + KEY.tab);
  await s.gone('[data-testid="error-expiry"]');
  await s.click('#cred-expiry-date ~ [role="button"]');
  const calendar = await s.find('[role="dialog"][aria-label="Calendar"]');
  assert.ok(calendar, 'the calendar opens from its button');
  // Let the calendar's opening animation finish, so the picture shows it whole.
  await new Promise((r) => setTimeout(r, 600));
  await s.screenshot('expiry-03-calendar.png');
  await s.click('[role="dialog"][aria-label="Calendar"] button[aria-label="16, June, 2027"]');
  await s.gone('[role="dialog"][aria-label="Calendar"]');
  assert.equal(await s.exec('return document.getElementById("cred-expiry-date").value'), '2027-06-16',
    'the picked day is written as the hint says');
  await s.click('[data-testid="credential-save"]');
  await s.gone('[data-testid="credential-dialog"]');
  assert.equal(cli(['credentials', 'show', 'Bad date app']).expiry.expiresOn, '2027-06-16', 'the picked day is saved');
});

test('a secret that never expires is said plainly and never warned about', async () => {
  await newCredential('Made in Graph');
  await s.click('[data-testid="expiry-never"]');
  await s.waitText('.fui-Field:has(#cred-expiry)', (t) => t.includes('will not remind you'));
  await s.screenshot('expiry-04-never-choice.png');
  await s.click('[data-testid="credential-save"]');
  await s.gone('[data-testid="credential-dialog"]');
  assert.equal(cli(['credentials', 'show', 'Made in Graph']).expiry.expiresOn, null, 'stored without an end date');

  for (const name of ['Forever app', 'Made in Graph']) {
    await s.waitAttr(`${cred(name)} [data-testid="expiry-badge"]`, 'data-level', 'never');
    const row = await s.text(cred(name));
    assert.match(row, /Never expires/, `${name} says it in words`);
  }
  const banner = await s.waitText('[data-testid="expiring-banner"]', (t) => t.includes('Soon app'));
  assert.doesNotMatch(banner, /Forever app|Made in Graph/, 'the expiry notice leaves never-expiring secrets out');
  const soon = await localeDate(isoInDays(5));
  assert.ok(banner.includes(soon), `the notice dates the expiring secret the locale's way (${soon}): ${banner}`);
  await s.screenshot('expiry-05-credentials-list.png');
});
