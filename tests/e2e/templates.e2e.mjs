// Data templates in the real app, with the embedded sandbox on (FERRY_SANDBOX=on): the first
// start's Demo contacts template previews in two clicks; a template
// added from a TOML file through the CLI appears under the Local sandbox destination; its
// preview shows verdict counts, an error row's findings and the exact request; its dialog
// shows the mapping. Screenshots for the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const cli = (args) => execFileSync(CLI, args, { encoding: 'utf8' });

let s;
before(async () => {
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

/** Waits until the preview lists rows again, every one with an error verdict. */
async function onlyErrorRows(ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    const verdicts = await s.exec(`return [...document.querySelectorAll('[data-testid^="preview-row-"]')]
      .map((r) => r.querySelectorAll('[role="gridcell"]')[1].textContent)`);
    if (verdicts.length > 0 && verdicts.every((v) => /error/i.test(v))) return;
    if (Date.now() > until) assert.fail(`the rows are not all errors: ${verdicts.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('on the first start the Demo contacts template is there, and its preview is two clicks away', async () => {
  const demo = '[data-testid="template-row"][data-name="Demo contacts"]';
  await s.find(demo, 30000);
  await s.screenshot('31-templates-list.png');
  // Click one: Preview.
  await s.open(`${demo} [data-testid="template-preview"]`, '[data-testid="preview-panel"]');
  const errors = await s.waitText('[data-testid="preview-count-error"]', (t) => /\d/.test(t), 30000);
  assert.match(errors, /[1-9]/, `the demo data has rows without a usable e-mail key: ${errors}`);
  const ready = await s.text('[data-testid="preview-count-ready"]');
  assert.match(ready, /[1-9]/, `most demo customers can be sent: ${ready}`);
  // Click two: a row, to see its record and the exact request.
  await s.click('[data-testid="preview-errors-only"]');
  await onlyErrorRows();
  // NOTE: the row is wider than the list (a column per mapped column), so its first cell is
  // what is on screen to click.
  await s.open('[data-testid^="preview-row-"] [role="gridcell"]', '[data-testid="preview-detail"]', 20000);
  const detail = await s.text('[data-testid="preview-detail"]');
  assert.match(detail, /e-?mail|key/i, `an error row says what is wrong with its key: ${detail}`);
  await s.screenshot('32-preview-errors.png');
  // Online, read only: the sandbox holds no contact yet, so every row asked about would create one.
  await s.click('[data-testid="preview-errors-only"]');
  await s.click('[data-testid="preview-check-dynamics"]');
  const online = await s.waitText('[data-testid="preview-online"]', (t) => /Checked|could not/.test(t), 30000);
  assert.match(online, /Of the first 100 rows that would be sent: 100 would create one\./, online);
  await s.click('[data-testid^="preview-row-"] [role="gridcell"]');
  const outcome = await s.text('[data-testid="preview-online-row"]');
  assert.match(outcome, /sending creates one/, outcome);
  await s.screenshot('36-preview-checked-online.png');
});

test('a template added from a TOML file through the CLI is listed under its destination', async () => {
  cli(['query', 'add', 'Customers', '--sql',
    'SELECT customer_id, email, first_name, last_name, loyalty_tier FROM customers']);
  const columns = JSON.parse(cli(['--json', 'destinations', 'columns', 'Local sandbox', 'contact']));
  const key = columns.details.keys.find((k) => k.columns.join() === 'emailaddress1').logicalName;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-tpl-')), 'contacts.toml');
  fs.writeFileSync(file, [
    'name = "Contacts from a file"', 'destination = "Local sandbox"', 'table = "contact"',
    'source = { kind = "query", id = "Customers" }', 'businessUsers = true', '',
    '[mapping]', `operation = { kind = "upsertByKey", key = "${key}" }`, 'fields = [',
    '  { column = "emailaddress1", source = { kind = "column", name = "email" } },',
    '  { column = "firstname", source = { kind = "column", name = "first_name" } },',
    '  { column = "lastname", source = { kind = "column", name = "last_name" } },',
    '  { column = "new_tier", source = { kind = "column", name = "loyalty_tier" } },', ']', '',
  ].join('\n'));
  cli(['templates', 'add', file]);
  // Added behind the window's back (by the CLI): a new start reads it, as a person would see it.
  await s.quit();
  s = await Session.start(APP);
  const row = '[data-testid="template-row"][data-name="Contacts from a file"]';
  await s.find(row, 30000);
  const listed = await s.text(row);
  assert.match(listed, /Contacts from a file/, `the name shows: ${listed}`);
  assert.match(listed, /Customers/, `the source shows: ${listed}`);
  await s.open(`${row} [data-testid="template-preview"]`, '[data-testid="preview-panel"]');
  const errors = await s.waitText('[data-testid="preview-count-error"]', (t) => /\d/.test(t), 30000);
  assert.match(errors, /[1-9]/, `the same e-mail problems: ${errors}`);
});

/** Types `text` into the type-to-filter picker `css` and picks the option whose text has `option`. */
async function pick(css, text, option) {
  await s.click(css);
  await s.replace(css, text);
  const deadline = Date.now() + 10000;
  for (;;) {
    const picked = await s.exec(
      `const o = [...document.querySelectorAll('[role="option"]')].find((x) => x.textContent.includes(arguments[0]));
       if (!o) return false;
       o.click();
       return true;`,
      [option],
    );
    if (picked) return;
    if (Date.now() > deadline) assert.fail(`no option "${option}" after typing "${text}" into ${css}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a template added through the form maps a column to a choice; its error rows show why and the exact request', async () => {
  await s.quit();
  s = await Session.start(APP);
  const sandbox = '[data-testid="destination-row"][data-name="Local sandbox"]';
  await s.find(sandbox, 30000);
  await s.menu(`${sandbox} [data-testid="destination-more"]`, '[data-testid="destination-add-template"]',
    '[data-testid="template-dialog"]');
  await s.type('[data-testid="template-name"]', 'Tiers as contact method');
  const demoQuery = await s.exec(
    `return [...document.querySelectorAll('[data-testid="template-source"] option')]
       .find((o) => o.textContent === 'Demo customers').value;`);
  await s.choose('[data-testid="template-source"]', demoQuery);
  await pick('[data-testid="template-table"]', 'contact', 'contact');
  // The suggested mapping fills the e-mail; the tier goes to a choice column it does not fit.
  const suggested = Date.now() + 20000;
  while (!/mail/i.test(await s.exec(
    'return document.querySelector(\'[data-testid="mapping-target-email"]\')?.value ?? "";'))) {
    if (Date.now() > suggested) assert.fail('the e-mail column was not suggested');
    await new Promise((r) => setTimeout(r, 200));
  }
  await pick('[data-testid="mapping-target-loyalty_tier"]', 'preferredcontactmethodcode', 'preferredcontactmethodcode');
  await s.find('[data-testid="overrides-toggle-loyalty_tier"]', 10000);
  await s.choose('[data-testid="template-operation"]', 'upsertByKey');
  const key = await s.exec(
    `return [...document.querySelectorAll('[data-testid="template-key"] option')]
       .map((o) => o.value).find((v) => v.includes('email'));`);
  await s.choose('[data-testid="template-key"]', key);
  await s.screenshot('33-template-form.png');
  await s.click('[data-testid="template-save"]');
  await s.gone('[data-testid="template-dialog"]', 20000);

  const row = '[data-testid="template-row"][data-name="Tiers as contact method"]';
  await s.open(`${row} [data-testid="template-preview"]`, '[data-testid="preview-panel"]');
  const errors = await s.waitText('[data-testid="preview-count-error"]', (t) => /\d/.test(t), 30000);
  const n = Number(errors.replace(/\D/g, ''));
  assert.ok(n > 1000, `no demo tier is a contact method, so nearly every row is an error: ${errors}`);
  await s.click('[data-testid="preview-errors-only"]');
  await onlyErrorRows();
  await s.open('[data-testid^="preview-row-"] [role="gridcell"]', '[data-testid="preview-detail"]', 20000);
  const detail = await s.text('[data-testid="preview-detail"]');
  assert.match(detail, /preferredcontactmethodcode/, `the finding names the choice column: ${detail}`);
  assert.match(detail, /choice/i, `and says the value is not one of its choices: ${detail}`);
  assert.match(detail, /PATCH https?:\/\/[^\s]+\/contacts\(emailaddress1=/, `the exact request, keyed by e-mail: ${detail}`);
  assert.doesNotMatch(detail, /Bearer|eyJ/, 'never the token');
  await s.screenshot('34-preview-choice-error.png');
});

test('a user with Restrict PII access previews the same template with personal data masked', async () => {
  cli(['users', 'add', 'Robin', '--policy', 'amp360', '--restrict-pii']);
  cli(['destinations', 'edit', 'Local sandbox', '--restricted-pii', 'true']);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-tpl-')), 'open.json');
  const shown = JSON.parse(cli(['--json', 'templates', 'show', 'Demo contacts']));
  fs.writeFileSync(file, JSON.stringify({
    name: shown.name, description: shown.description, destination: 'Local sandbox', source: shown.source,
    table: shown.table, mapping: shown.mapping, businessUsers: true, restrictedPii: true, campaigns: false,
  }));
  cli(['templates', 'edit', 'Demo contacts', file]);
  await s.quit();
  s = await Session.start(APP);
  await s.find('[data-testid="user-menu"]', 30000);
  await s.menu('[data-testid="user-menu"]', '[data-testid="switch-user-Robin"]', '[data-testid="user-menu"]');
  await s.find('[data-testid="user-menu"][data-user="Robin"]', 10000);
  const demo = '[data-testid="template-row"][data-name="Demo contacts"]';
  await s.open(`${demo} [data-testid="template-preview"]`, '[data-testid="preview-panel"]', 20000);
  await s.waitText('[data-testid="preview-count-ready"]', (t) => /[1-9]/.test(t), 30000);
  await s.open('[data-testid^="preview-row-"] [role="gridcell"]', '[data-testid="preview-detail"]', 20000);
  const detail = await s.text('[data-testid="preview-detail"]');
  assert.match(detail, /•••• \(PII\)/, `personal data is masked in the record and the request: ${detail}`);
  assert.doesNotMatch(detail, /@/, `no e-mail address shows, not even in the request's URL: ${detail}`);
  await s.screenshot('35-preview-masked.png');
});
