// Users and PII rules in the real app, with the embedded sandbox on (FERRY_SANDBOX=on): the
// administrator (the person logged in, made on first start) adds a business user, restricts
// their PII access, and closes the Local sandbox to business users; acting as that user, query
// results show personal data masked with a note and the destination is not offered; back as the
// administrator, the Activity tab lists what happened and the log verifies. Screenshots go to
// the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const USER = 'Riley';
const MASK = '•••• (PII)';

let s;
let admin;
before(async () => {
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

/** Switches the window's user through the header menu and waits until it says so. */
async function actAs(name) {
  await s.menu('[data-testid="user-menu"]', `[data-testid="switch-user-${name}"]`, '[data-testid="user-menu"]');
  await s.find(`[data-testid="user-menu"][data-user="${name}"]`, 10000);
}

test('the administrator adds a user, restricts their PII access and closes a destination to business users', async () => {
  await s.find('[data-testid="user-menu"][data-policy="administrator"]', 20000);
  admin = await s.exec('return document.querySelector(\'[data-testid="user-menu"]\').getAttribute("data-user");');
  assert.ok(admin.length > 0, 'the first user is named after the person logged in');

  await s.open('[data-testid="tab-users"]', '[data-testid="add-user"]');
  await s.open('[data-testid="add-user"]', '[data-testid="user-name"]');
  await s.type('[data-testid="user-name"]', USER);
  await s.choose('[data-testid="user-policy"]', 'amp360');
  await s.click('[data-testid="user-save"]');
  await s.find(`[data-testid="user-row-${USER}"]`);
  await s.gone('[data-testid="user-dialog"]');

  await s.open(`[data-testid="edit-user-${USER}"]`, '[data-testid="user-restrict-pii"]');
  await s.click('[data-testid="user-restrict-pii"]');
  await s.click('[data-testid="user-save"]');
  await s.gone('[data-testid="user-dialog"]');
  await s.waitText(`[data-testid="user-row-${USER}"]`, (t) => /restricted|yes/i.test(t), 10000);
  await s.screenshot('28-users.png');

  const row = '[data-testid="destination-row"][data-name="Local sandbox"]';
  await s.open('[data-testid="tab-destinations"]', row, 20000);
  await s.menu(`${row} [data-testid="destination-more"]`, '[data-testid="destination-edit"]',
    '[data-testid="destination-dialog"]');
  // Open to restricted users, closed to business users: only the business rule can hide it.
  await s.click('#dest-restricted-pii');
  await s.click('#dest-business-users');
  await s.click('[data-testid="destination-save"]');
  await s.gone('[data-testid="destination-dialog"]', 20000);
});

test('acting as that user, personal data is masked with a note and the destination is not offered', async () => {
  await actAs(USER);
  await s.find('[data-testid="user-pii-restricted"]', 5000);
  assert.equal((await s.findAll('[data-testid="tab-users"]')).length, 0, 'no Users tab for a business user');
  assert.equal((await s.findAll('[data-testid="tab-credentials"]')).length, 0, 'nor Credentials');
  await s.click('[data-testid="tab-destinations"]');
  const deadline = Date.now() + 10000;
  while ((await s.findAll('[data-testid="destination-row"][data-name="Local sandbox"]')).length > 0) {
    if (Date.now() > deadline) assert.fail('the Local sandbox is still offered to a business user');
    await new Promise((r) => setTimeout(r, 100));
  }

  await s.open('[data-testid="tab-queries"]', '[data-testid="query-name"]');
  await s.click('[data-testid="sql-editor-content"]');
  await s.type('[data-testid="sql-editor-content"]',
    'SELECT customer_id, first_name, email, loyalty_tier FROM customers ORDER BY customer_id' + '\uE00C');
  await s.click('[data-testid="query-run"]');
  await s.find('[data-testid="result-grid"] [data-testid="grid-row"][data-row-index="0"]:not([data-loading])', 30000);
  await s.find('[data-testid="pii-hidden-note"]');
  const first = await s.text('[data-testid="result-grid"] [data-testid="grid-row"][data-row-index="0"]');
  assert.ok(first.includes(MASK), `the email and name are masked: ${first}`);
  assert.doesNotMatch(first, /@/, 'no address shows');
  assert.match(first, /C0*1\b/, 'the customer id, not personal data, still shows');
  await s.screenshot('29-pii-masked.png');
});

test('back as the administrator, the Activity tab lists what happened and the log is intact', async () => {
  await actAs(admin);
  await s.open('[data-testid="tab-activity"]', '[data-testid^="activity-row-"]', 20000);
  // Newest first: what this test did is at the top, in view of the virtualised list.
  const all = await s.exec('return document.body.innerText;');
  assert.match(all, new RegExp(`Added ${USER}`), 'the new user');
  assert.match(all, /Changed user Riley: Restrict PII access/, 'the restriction');
  assert.match(all, /Changed the destination Local sandbox/, 'the destination');
  assert.match(all, new RegExp(`Switched user from ${admin} to ${USER}`), 'the switch');
  assert.match(all, /Ran SQL, personal data hidden/, 'the masked query run');
  assert.doesNotMatch(all, /Refused/, 'the window asked for nothing the user may not do');
  await s.click('[data-testid="activity-verify"]');
  const verdict = await s.waitText('[data-testid="activity-verify-result"]', (t) => t.length > 0, 10000);
  assert.match(verdict, /intact/i, verdict);
  // The destination's change, before → after.
  const rowId = await s.exec(
    'const r = [...document.querySelectorAll(\'[data-testid^="activity-row-"]\')].find((e) => e.innerText.includes("Changed the destination")); return r ? r.getAttribute("data-testid") : null;',
  );
  assert.ok(rowId, 'the destination change is listed');
  await s.click(`[data-testid="${rowId}"]`);
  const details = await s.waitText('[data-testid="activity-details"]', (t) => /Business users/.test(t), 10000);
  assert.match(details, /Business users\s*yes\s*→\s*no/, `business users: before yes, after no: ${details}`);
  await s.screenshot('30-activity.png');
});
