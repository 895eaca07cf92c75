// Campaigns in the real app, with the embedded sandbox on (FERRY_SANDBOX=on): a saved segment is
// sent through a template open to campaigns, then the Segments tab offers that send's contacts
// to a Dynamics marketing list. The first time the list is made by name; the second time the
// same send goes to the list that now exists, and nobody is a member twice. The lists are read
// back from Dynamics (the sandbox) with `ferry lists`, not from the window. Screenshot for the
// README. Run by scripts/test.sh; not named *.test.mjs so the main run (sandbox off) skips it.
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
const LIST = 'Spring campaign';

let s;
before(async () => {
  // The first start makes the Local sandbox destination and the demo data the segment reads.
  s = await Session.start(APP);
  await s.find('[data-testid="template-row"][data-name="Demo contacts"]', 30000);
});
after(async () => {
  if (s) await s.quit();
});

const attr = (css, name) =>
  s.exec('const el = document.querySelector(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;', [css, name]);

// NOTE: counts are written with the system locale's grouping (none under Xvfb's C locale).
const number = (text) => (text === undefined ? NaN : Number(text.replace(/[^\d]/g, '')));

/** The sandbox's marketing lists, as `ferry lists` reads them from Dynamics. */
const lists = () => JSON.parse(cli(['--json', 'lists', 'Local sandbox']));

test('a segment sent through a campaign template fills a new marketing list from the Segments tab, then the same list again without duplicates', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-campaigns-'));
  const def = path.join(dir, 'gold.json');
  fs.writeFileSync(def, JSON.stringify({
    table: 'customers',
    rules: { match: 'all', rules: [{ kind: 'condition', column: 'loyalty_tier', op: 'inList', values: ['Gold'] }] },
  }));
  cli(['segment', 'add', 'Gold customers', '--file', def]);
  const columns = JSON.parse(cli(['--json', 'destinations', 'columns', 'Local sandbox', 'contact']));
  const key = columns.details.keys.find((k) => JSON.stringify(k.columns) === '["emailaddress1"]').logicalName;
  const toml = path.join(dir, 'gold.toml');
  fs.writeFileSync(toml, [
    'name = "Gold contacts"', 'destination = "Local sandbox"', 'table = "contact"',
    'source = { kind = "segment", id = "Gold customers" }', 'businessUsers = true', 'campaigns = true', '',
    '[mapping]', `operation = { kind = "upsertByKey", key = "${key}" }`, 'fields = [',
    '  { column = "emailaddress1", source = { kind = "column", name = "email" } },',
    '  { column = "firstname", source = { kind = "column", name = "first_name" } },',
    '  { column = "lastname", source = { kind = "column", name = "last_name" } },', ']', '',
  ].join('\n'));
  cli(['templates', 'add', toml]);
  assert.deepEqual(lists().filter((l) => l.name === LIST), [], 'no such list before');

  // Added behind the window's back (by the CLI): a new start reads them.
  await s.quit();
  s = await Session.start(APP);

  // Before any send, the segment's campaign panel says how to get one.
  await s.click('[data-testid="tab-segments"]');
  const item = '[data-testid="segment-item"][data-name="Gold customers"] [data-testid="segment-open"]';
  await s.click(item, 20000);
  await s.find('[data-testid="segment-campaigns-empty"]', 20000);

  // Send the segment from its template.
  await s.click('[data-testid="tab-destinations"]');
  const row = '[data-testid="template-row"][data-name="Gold contacts"]';
  await s.find(row, 30000);
  await s.open(`${row} [data-testid="template-send"]`, '[data-testid="send-dialog"]');
  await s.click('[data-testid="send-start"]');
  await s.find('[data-testid="send-summary"]', 180000);
  assert.equal(await attr('[data-testid="send-summary"]', 'data-state'), 'finished');
  const delivered = number(/^([\d,.\s]+) delivered/.exec(await s.text('[data-testid="send-count-delivered"]'))?.[1]);
  assert.ok(delivered > 10, `the Gold customers are delivered: ${delivered}`);
  await s.exec('document.activeElement && document.activeElement.blur()');
  await s.click('[data-testid="send-close"]');
  await s.gone('[data-testid="send-dialog"]');

  // The Segments tab now lists that send, and adds its contacts to a new list.
  await s.click('[data-testid="tab-segments"]');
  await s.click(item, 20000);
  const job = '[data-testid="segment-job"]';
  const said = await s.waitText(job, (t) => /Gold contacts/.test(t), 20000);
  assert.equal(number(/([\d,.\s]+) contacts? delivered/.exec(said)?.[1]), delivered, said);
  await s.open(`${job} [data-testid="segment-job-add-to-list"]`, '[data-testid="add-to-list-dialog"]');
  // The sandbox has no list of contacts yet: the dialog goes straight to naming a new one.
  await s.find('[data-testid="add-to-list-no-lists"]', 20000);
  // An empty name is refused where it is typed.
  await s.click('[data-testid="add-to-list-submit"]');
  await s.find('[data-testid="error-name"]');
  await s.type('[data-testid="add-to-list-name"]', LIST);
  await s.waitAttr('[data-testid="add-to-list-name"]', 'value', LIST);
  await s.screenshot('41-add-to-list.png');
  await s.click('[data-testid="add-to-list-submit"]');
  await s.find('[data-testid="add-to-list-done"]', 60000);
  assert.equal(Number(await attr('[data-testid="add-to-list-done"]', 'data-added')), delivered, 'every delivered contact');
  const done = await s.text('[data-testid="add-to-list-done"]');
  assert.match(done, new RegExp(`new list “${LIST}”`), done);
  await s.screenshot('42-added-to-list.png');

  // Dynamics now holds the list with one member per delivered contact.
  const made = lists().filter((l) => l.name === LIST);
  assert.equal(made.length, 1, JSON.stringify(made));
  assert.equal(made[0].memberType, 'contact');
  assert.equal(made[0].memberCount, delivered, 'one member per delivered contact');

  // The same send to the list that now exists: chosen from Dynamics' lists, nobody twice.
  await s.click('[data-testid="add-to-list-close"]');
  await s.gone('[data-testid="add-to-list-dialog"]');
  await s.open(`${job} [data-testid="segment-job-add-to-list"]`, '[data-testid="add-to-list-dialog"]');
  await s.find('[data-testid="add-to-list-existing"]', 20000);
  await s.choose('[data-testid="add-to-list-existing"]', made[0].id);
  await s.click('[data-testid="add-to-list-submit"]');
  await s.find('[data-testid="add-to-list-done"]', 60000);
  const again = await s.text('[data-testid="add-to-list-done"]');
  assert.equal(number(/It now has ([\d,.\s]+) members/.exec(again)?.[1]), delivered, again);
  const after = lists().filter((l) => l.name === LIST);
  assert.equal(after.length, 1, 'no second list');
  assert.equal(after[0].memberCount, delivered, 'nobody is a member twice');
});
