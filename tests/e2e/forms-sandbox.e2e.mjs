// Risky input with the embedded sandbox on (FERRY_SANDBOX=on): the Local sandbox's credential
// is refused for a real Dynamics address, in the form (under the credential, once the address
// is left) and in the CLI, with the same words. Run by scripts/test.sh beside sandbox.e2e.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Session, KEY } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const REFUSAL = /Local sandbox's credential signs in only to the sandbox on this computer/;

let s;
before(async () => {
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

test('the form refuses the sandbox credential for a real Dynamics address', async () => {
  await s.find('[data-testid="destination-row"][data-name="Local sandbox"]', 20000);
  await s.open('[data-testid="add-destination"]', '[data-testid="destination-dialog"]');
  await s.click('#dest-credential option[value="cred_localsandbox"]');
  await s.type('#dest-tenant', 'contoso.onmicrosoft.com' + KEY.tab);
  await s.type('#dest-url', 'https://contoso.crm.dynamics.com' + KEY.tab);
  const message = await s.waitText('[data-testid="error-credentialId"]', (t) => REFUSAL.test(t));
  assert.match(message, /https:\/\/contoso\.crm\.dynamics\.com/, 'the message names the address');
  await s.screenshot('forms-04-sandbox-credential-refused.png');
  await s.type('#dest-url', '\uE00C');
  await s.gone('[data-testid="destination-dialog"]');
});

test('the CLI refuses it with the same words', () => {
  const run = spawnSync(CLI, ['destinations', 'add', '--name', 'Real with sandbox app', '--credential',
    'Local sandbox app', '--tenant', 'contoso.onmicrosoft.com', '--url', 'https://contoso.crm.dynamics.com'],
  { encoding: 'utf8' });
  assert.notEqual(run.status, 0, 'the CLI fails');
  assert.match(run.stderr, REFUSAL, `the CLI says why: ${run.stderr}`);
});
