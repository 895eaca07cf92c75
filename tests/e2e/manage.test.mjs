// Looking after what exists: edit a destination, rotate a secret, and delete with confirmation,
// including the refusal to delete a credential a destination still uses. The records are made
// with the CLI first (the same data folder and keychain as the app), then handled in the app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const dest = (name) => `[data-testid="destination-row"][data-name="${name}"]`;
const cred = (name) => `[data-testid="credential-row"][data-name="${name}"]`;
const keychain = () =>
  execFileSync('secret-tool', ['search', '--all', 'service', process.env.FERRY_KEYCHAIN_SERVICE], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

let s;
before(async () => {
  execFileSync(CLI, ['credentials', 'add', '--name', 'Manage app', '--client-id',
    '9a8b7c6d-1b3d-4e5f-8a9b-c0d1e2f3a4b5', '--expires', '1y'], { input: 'manage-old-secret\n' });
  execFileSync(CLI, ['destinations', 'add', '--name', 'Manage me', '--credential', 'Manage app',
    '--tenant', 'contoso.onmicrosoft.com', '--url', 'https://manage.crm.dynamics.com']);
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

test('editing a destination keeps what was not changed', async () => {
  await s.menu(`${dest('Manage me')} [data-testid="destination-more"]`, '[data-testid="destination-edit"]',
    '[data-testid="destination-dialog"]');
  await s.waitAttr('#dest-name', 'value', 'Manage me');
  await s.replace('#dest-name', 'Managed');
  await s.replace('#dest-url', 'https://manage.crm4.dynamics.com');
  await s.click('[data-testid="destination-save"]');
  await s.gone('[data-testid="destination-dialog"]');
  const row = await s.waitText(dest('Managed'), (t) => t.includes('crm4'));
  assert.match(row, /Manage app/, 'the credential is kept');
  assert.equal((await s.findAll(dest('Manage me'))).length, 0, 'the old name is gone');
});

test('a credential in use cannot be deleted, and the app says which destination uses it', async () => {
  await s.click('[data-testid="tab-credentials"]');
  await s.menu(`${cred('Manage app')} [data-testid="credential-more"]`, '[data-testid="credential-delete"]',
    '[data-testid="confirm-dialog"]');
  await s.click('[data-testid="confirm-delete"]');
  const refusal = await s.waitText('[data-testid="delete-error"]', (t) => t.length > 0);
  assert.match(refusal, /"Managed"/, 'the refusal names the destination');
  await s.click('[data-testid="confirm-cancel"]');
  await s.gone('[data-testid="confirm-dialog"]');
  await s.find(cred('Manage app'));
});

test('rotating a secret replaces it in the keychain and records the new expiry', async () => {
  await s.open(`${cred('Manage app')} [data-testid="credential-rotate"]`,
    '[data-testid="credential-dialog"][data-mode="rotate"]');
  await s.type('#cred-secret', 'manage-new-secret');
  await s.click('[data-testid="expiry-2y"]');
  await s.click('[data-testid="credential-save"]');
  await s.gone('[data-testid="credential-dialog"]');
  await s.waitText(cred('Manage app'), (t) => /7(30|31) days left/.test(t));
  const stored = keychain();
  assert.ok(stored.includes('manage-new-secret'), 'the new secret is in the keychain');
  assert.ok(!stored.includes('manage-old-secret'), 'the old one is gone');
});

test('deleting asks first, then removes the destination and then its credential', async () => {
  await s.click('[data-testid="tab-destinations"]');
  await s.menu(`${dest('Managed')} [data-testid="destination-more"]`, '[data-testid="destination-delete"]',
    '[data-testid="confirm-dialog"]');
  const confirm = await s.waitText('[data-testid="confirm-dialog"]', (t) => t.includes('Managed'));
  assert.match(confirm, /Managed/, 'the confirmation names what will be deleted');
  await s.click('[data-testid="confirm-delete"]');
  await s.gone(dest('Managed'));
  await s.gone('[data-testid="confirm-dialog"]');
  await s.click('[data-testid="tab-credentials"]');
  await s.menu(`${cred('Manage app')} [data-testid="credential-more"]`, '[data-testid="credential-delete"]',
    '[data-testid="confirm-dialog"]');
  await s.click('[data-testid="confirm-delete"]');
  await s.gone(cred('Manage app'));
  await s.gone('[data-testid="confirm-dialog"]');
  assert.ok(!keychain().includes('manage-new-secret'), 'the secret left the keychain with it');
});
