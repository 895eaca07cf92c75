// The customer-data side as a new user meets it in the real app: the demo customers on first
// start, a CSV import with a bad row (its line number shown), a column marked PII, a query
// written in the editor whose result grid scrolls to its last row, and a segment whose audience
// count changes as a condition is added. Screenshots of the three tabs go to the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from './webdriver.mjs';

const APP = path.resolve(process.env.APP_BIN ?? 'target/debug/ferry-app');
const CLI = path.resolve(process.env.CLI_BIN ?? 'target/debug/ferry');
const TABLE = 'e2e_people';

let s;
let csv;
before(async () => {
  // Line 5 has a field too many; line 7 has a birthdate that is not a date. The quoted newline
  // on line 3 makes each bad row's line differ from its row number, as in real files.
  csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-e2e-csv-')), `${TABLE}.csv`);
  fs.writeFileSync(
    csv,
    [
      'id,first_name,email,nickname,birthdate',
      '1,Ann,ann@example.com,Annie,1990-04-01',
      '2,Bo,bo@example.com,"Bobo\nthe second",1985-12-24',
      '3,Cy,cy@example.com,Cyc,1970-01-01,surplus',
      '4,Dee,dee@example.com,D,2001-07-15',
      '5,Eve,eve@example.com,Evie,not a date',
      '6,Fay,fay@example.com,Fa,1999-09-09',
      '',
    ].join('\n'),
  );
  s = await Session.start(APP);
});
after(async () => {
  if (s) await s.quit();
});

const count = async (css) => Number(await s.exec(
  'const e = document.querySelector(arguments[0]); return e ? e.getAttribute("data-count") : null;',
  [css],
));

test('the demo customers are there on first start, with their PII marks', async () => {
  await s.open('[data-testid="tab-data"]', '[data-testid="data-table-item"][data-name="customers"]', 20000);
  await s.click('[data-testid="data-table-item"][data-name="customers"]');
  await s.find('[data-testid="pii-badge-customers-email"]');
  await s.find('[data-testid="sample-grid"] [data-testid="grid-row"][data-row-index="0"]');
  await s.screenshot('23-data-tab.png');
});

test('a CSV import shows the line of each rejected row, and a column can be marked PII', async () => {
  await s.open('[data-testid="import-open"]', '[data-testid="import-path"]');
  await s.type('[data-testid="import-path"]', csv);
  await s.click('[data-testid="import-inspect"]');
  await s.find('[data-testid="import-column"][data-index="4"]', 20000);
  await s.replace('[data-testid="import-table"]', TABLE);
  // One odd value makes the birthdate column text; the user says it holds dates.
  await s.choose('[data-testid="import-type-4"]', 'date');
  await s.screenshot('24-import-plan.png');
  await s.click('[data-testid="import-start"]');
  await s.find('[data-testid="import-result"][data-state="done"]', 30000);
  const lines = await s.exec(
    'return [...document.querySelectorAll(\'[data-testid="import-reject"]\')].map((e) => e.getAttribute("data-line"));',
  );
  assert.deepEqual(lines, ['5', '7'], 'the rejected rows are named by their line in the file');
  await s.screenshot('25-import-rejects.png');
  await s.click('[data-testid="import-close"]');
  await s.gone('[data-testid="import-dialog"]');

  await s.click(`[data-testid="data-table-item"][data-name="${TABLE}"]`);
  await s.find(`[data-testid="data-column-row"][data-name="nickname"]`);
  assert.equal((await s.findAll(`[data-testid="pii-badge-${TABLE}-nickname"]`)).length, 0, 'not suggested as PII');
  await s.click(`[data-testid="pii-${TABLE}-nickname"]`);
  await s.find(`[data-testid="pii-badge-${TABLE}-nickname"]`);
  const shown = JSON.parse(execFileSync(CLI, ['--json', 'data', 'show', TABLE], { encoding: 'utf8' }));
  const nickname = shown.columns.find((c) => c.name === 'nickname');
  assert.equal(nickname.pii, true, 'the mark is stored, as the CLI sees it');
  assert.equal(shown.rowCount, 4, 'the four good rows were imported');
});

test('a query typed in the editor runs, and its grid scrolls to the last row', async () => {
  await s.open('[data-testid="tab-queries"]', '[data-testid="query-name"]');
  await s.type('[data-testid="query-name"]', 'Everyone');
  await s.click('[data-testid="sql-editor-content"]');
  // Escape closes the completion list the editor opens while a name is typed.
  await s.type('[data-testid="sql-editor-content"]', 'SELECT customer_id, first_name, email, loyalty_tier FROM customers ORDER BY customer_id' + '\uE00C');
  await s.click('[data-testid="query-run"]');
  const done = await s.waitText('[data-testid="run-count"]', (t) => /10\D?000 rows in/.test(t), 30000);
  assert.match(done, /10\D?000 rows in/, "every row counted, however the locale groups digits");
  await s.find('[data-testid="result-grid"] [data-testid="grid-row"][data-row-index="0"]');
  const rendered = await s.exec('return document.querySelectorAll(\'[data-testid="result-grid"] [data-testid="grid-row"]\').length;');
  assert.ok(rendered < 200, `only the rows in view are in the page (${rendered})`);
  await s.screenshot('26-query-result.png');
  await s.exec(
    'const g = document.querySelector(\'[data-testid="result-grid"] [data-testid="grid-scroller"]\'); g.scrollTop = g.scrollHeight;',
  );
  await s.find('[data-testid="result-grid"] [data-testid="grid-row"][data-row-index="9999"]:not([data-loading])', 20000);
  const last = await s.text('[data-testid="result-grid"] [data-testid="grid-row"][data-row-index="9999"]');
  assert.match(last, /C0*10000/, `the last row is the last customer: ${last}`);
  await s.click('[data-testid="query-save"]');
  await s.find('[data-testid="query-item"]');
});

test('a segment counts its audience live as a condition is added', async () => {
  await s.open('[data-testid="tab-segments"]', '[data-testid="segment-group"][data-path="root"]');
  await s.type('[data-testid="segment-name"]', 'Gold');
  const everyone = await (async () => {
    const deadline = Date.now() + 20000;
    for (;;) {
      const n = await count('[data-testid="segment-count-value"]');
      if (n !== null && Number.isFinite(n)) return n;
      if (Date.now() > deadline) throw new Error('no audience count appeared');
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  assert.equal(everyone, 10000, 'with no condition the audience is every customer');
  await s.click('[data-testid="segment-group"][data-path="root"] [data-testid="group-add-condition"]');
  await s.choose('[data-testid="segment-condition"] [data-testid="condition-column"]', 'loyalty_tier');
  await s.type('[data-testid="segment-condition"] [data-testid="condition-value"]', 'Gold');
  const deadline = Date.now() + 20000;
  let gold;
  for (;;) {
    gold = await count('[data-testid="segment-count-value"]');
    if (gold !== null && gold !== everyone) break;
    if (Date.now() > deadline) throw new Error(`the count stayed at ${gold}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const expected = execFileSync(CLI, ['query', 'run', '--csv', '--sql',
    "SELECT count(*) AS n FROM customers WHERE loyalty_tier = 'Gold'"], { encoding: 'utf8' }).trim().split('\n')[1];
  assert.equal(gold, Number(expected), 'the builder counts what SQL counts');
  await s.screenshot('27-segment-builder.png');
  await s.click('[data-testid="segment-save"]');
  await s.find('[data-testid="segment-item"]');
});
