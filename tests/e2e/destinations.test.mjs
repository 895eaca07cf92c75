// Ferry end to end: the real app in a real webview (WebKitWebDriver under Xvfb), with a real
// data folder and the real OS keychain. A person adds a credential and a destination through
// the form, meets the validation messages, restarts the app and finds everything kept, and the
// secret is nowhere on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Session, KEY } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const DATA_DIR = process.env.FERRY_DATA_DIR;
const SECRET = 'e2e~Secret~' + Date.now().toString(36) + '~value';

let s;
before(async () => {
  assert.ok(DATA_DIR, 'run through tests/e2e/run-e2e.sh, which sets FERRY_DATA_DIR');
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

test('a new user sees the empty state with what to do next', async () => {
  const empty = await s.waitText('[data-testid="destinations-empty"]', (t) => t.length > 0);
  assert.match(empty, /destination/i, 'the empty state talks about destinations');
  await s.find('[data-testid="add-destination"]');
  await s.screenshot('01-destinations-empty.png');
});

test('adding a destination with a new credential, through the form', async () => {
  await s.open('[data-testid="add-destination"]', '[data-testid="destination-dialog"]');
  await s.type('#dest-name', 'Dynamics EU');
  await s.type('#dest-description', 'Contacts for the EU marketing team');

  await s.click('#dest-plugin');
  await s.type('#dest-plugin', 'micro');
  await s.click('[data-testid="plugin-option-microsoft-dynamics"]');

  // As in the seed flow: "Create a new credential…" from the credential drop-down.
  await s.click('#dest-credential option[value="__new__"]');
  await s.find('[data-testid="credential-dialog"]');
  await s.type('#cred-name', 'Ferry app registration');
  await s.type('#cred-client-id', '0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5');
  await s.type('#cred-secret', SECRET);
  await s.click('[data-testid="expiry-2y"]');
  await s.screenshot('02-credential-dialog.png');
  await s.click('[data-testid="credential-save"]');
  await s.gone('[data-testid="credential-dialog"]');

  // Wrong values first: the backend's rules show up inline, next to the fields.
  await s.type('#dest-tenant', 'contoso' + KEY.tab);
  await s.type('#dest-url', 'http://contoso.crm4.dynamics.com' + KEY.tab);
  // The message follows the typed value: wait for the one about plain http, since the check
  // of the still-empty field may answer first.
  const urlError = await s.waitText('[data-testid="error-dynamicsUrl"]', (t) => t.includes('local sandbox'));
  assert.match(urlError, /Use https:\/\/ — plain http:\/\/ is only allowed for the local sandbox/, 'plain http is explained');
  const tenantError = await s.waitText('[data-testid="error-tenantId"]', (t) => t.startsWith('The tenant ID is'));
  assert.match(tenantError, /GUID|domain/, 'the tenant message says what a tenant looks like');
  await s.screenshot('03-destination-validation.png');

  await s.replace('#dest-tenant', 'contoso.onmicrosoft.com' + KEY.tab);
  await s.replace('#dest-url', 'https://Contoso.crm4.dynamics.com/main.aspx' + KEY.tab);
  const hint = await s.waitText('[data-testid="url-recognised"]', (t) => /commercial/i.test(t));
  assert.match(hint, /login\.microsoftonline\.com/, 'the sign-in authority is shown');
  await s.gone('[data-testid="error-dynamicsUrl"]');
  await s.gone('[data-testid="error-tenantId"]');
  await s.click('#dest-business-users');
  await s.screenshot('04-destination-dialog.png');
  await s.click('[data-testid="destination-save"]');
  await s.gone('[data-testid="destination-dialog"]');

  const row = await s.waitText('[data-testid="destination-row"][data-name="Dynamics EU"]', (t) =>
    t.includes('contoso.crm4.dynamics.com'),
  );
  assert.match(row, /Ferry app registration/, 'the row names the credential');
  assert.doesNotMatch(row, /main\.aspx/, 'the URL was normalised');
  await s.screenshot('05-destinations-list.png');
});

test('after a restart everything is still there and an expiring secret is named', async () => {
  // A second credential, made with the CLI, expires in five days: the app must say so on open.
  const soon = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
  execFileSync(CLI, ['credentials', 'add', '--name', 'Staging app', '--client-id',
    '1a2b3c4d-1b3d-4e5f-8a9b-c0d1e2f3a4b5', '--expires', soon], { input: 'staging-secret\n' });

  await s.quit();
  s = await Session.start(APP);
  await s.find('[data-testid="destination-row"][data-name="Dynamics EU"]');
  const banner = await s.waitText('[data-testid="expiring-banner"]', (t) => t.includes('Staging app'));
  assert.match(banner, /5 days/, 'the banner says how long is left');
  await s.screenshot('06-expiring-banner.png');

  await s.click('[data-testid="tab-credentials"]');
  const cred = await s.waitText('[data-testid="credential-row"][data-name="Ferry app registration"]',
    (t) => t.includes('Dynamics EU'));
  assert.match(cred, /0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5/, 'the client ID is listed');
  await s.screenshot('07-credentials.png');
});

test('the client secret is in the keychain and nowhere in the data folder', () => {
  const files = filesUnder(DATA_DIR);
  assert.ok(files.some((f) => f.endsWith('ferry.sqlite3')), 'the data folder holds the database');
  for (const f of files) {
    assert.ok(!fs.readFileSync(f).includes(Buffer.from(SECRET)), `${f} does not contain the secret`);
  }
  const found = execFileSync('secret-tool', ['search', '--all', 'service', process.env.FERRY_KEYCHAIN_SERVICE],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.ok(found.includes(SECRET), 'the keychain holds the secret');
});
