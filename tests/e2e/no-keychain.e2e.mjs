// Ferry without a keychain: run outside any D-Bus session (scripts/test.sh points
// DBUS_SESSION_BUS_ADDRESS at nothing). The app must say so plainly and refuse to store a
// secret rather than fall back to a file. Not named *.test.mjs so the keyring run skips it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
let s;
before(async () => {
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

test('without a keychain the app says so and saves no credential', async () => {
  const banner = await s.waitText('[data-testid="keychain-banner"]', (t) => t.length > 0);
  assert.match(banner, /keychain/i, 'the banner names the keychain');
  await s.click('[data-testid="tab-credentials"]');
  await s.open('[data-testid="add-credential"]', '[data-testid="credential-dialog"]');
  await s.type('#cred-name', 'Would be lost');
  await s.type('#cred-client-id', '0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5');
  await s.type('#cred-secret', 'no-keychain-secret');
  await s.click('[data-testid="credential-save"]');
  const err = await s.waitText('[data-testid="credential-error"]', (t) => t.length > 0);
  assert.match(err, /cannot store client secrets/, 'the refusal says why');
  await s.screenshot('08-no-keychain.png');
  await s.type('#cred-name', '\uE00C'); // Escape closes the dialog
  await s.gone('[data-testid="credential-dialog"]');
  await s.find('[data-testid="credentials-empty"]');
});
