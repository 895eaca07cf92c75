// Data templates in the real app, with the embedded sandbox on (FERRY_SANDBOX=on): a template
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

test('a template added from a file is listed under its destination and previews with verdicts', async () => {
  const row = '[data-testid="destination-row"][data-name="Local sandbox"]';
  await s.find(row, 20000);
  cli(['query', 'add', 'Customers', '--sql',
    'SELECT customer_id, email, first_name, last_name, loyalty_tier FROM customers']);
  const columns = JSON.parse(cli(['--json', 'destinations', 'columns', 'Local sandbox', 'contact']));
  const key = columns.details.keys.find((k) => k.columns.join() === 'emailaddress1').logicalName;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-tpl-')), 'contacts.toml');
  fs.writeFileSync(file, [
    'name = "Demo contacts"', 'destination = "Local sandbox"', 'table = "contact"',
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
  await s.find('[data-testid="template-row"]', 30000);
  const listed = await s.text('[data-testid="template-row"]');
  assert.match(listed, /Demo contacts/, `the name shows: ${listed}`);
  await s.screenshot('31-templates-list.png');
  await s.open('[data-testid="template-preview"]', '[data-testid="preview-panel"]');
  const errors = await s.waitText('[data-testid="preview-count-error"]', (t) => /\d/.test(t), 30000);
  assert.match(errors, /[1-9]/, `the demo data has rows that cannot be keyed: ${errors}`);
  await s.click('[data-testid="preview-errors-only"]');
  await s.open('[data-testid^="preview-row-"]', '[data-testid="preview-detail"]', 20000);
  await s.screenshot('32-preview-errors.png');
});
