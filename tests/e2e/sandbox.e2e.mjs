// The app's embedded default: with the sandbox on (FERRY_SANDBOX=on), a first start offers
// "Local sandbox" as a ready destination, signed in through a credential in the keychain.
// Run by scripts/test.sh inside the keyring session; not named *.test.mjs so the main run
// (sandbox off, empty start) skips it.
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

test('a first start offers the local sandbox as a ready destination', async () => {
  const row = await s.waitText('[data-testid="destination-row"][data-name="Local sandbox"]',
    (t) => t.includes('http://127.0.0.1:'));
  assert.match(row, /Local sandbox app/, 'its credential is listed');
  assert.match(row, /Local sandbox on this computer/, 'the cloud is the local sandbox');
  await s.screenshot('09-sandbox-destination.png');
  await s.click('[data-testid="tab-credentials"]');
  const cred = await s.waitText('[data-testid="credential-row"][data-name="Local sandbox app"]',
    (t) => t.includes('Stored in keychain'));
  assert.match(cred, /Local sandbox/, 'the credential is used by the sandbox destination');
});
