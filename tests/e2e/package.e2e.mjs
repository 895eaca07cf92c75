// The Debian package as a user gets it, unpacked into a throw-away root by tests/deb/run.sh:
// its control fields, the desktop entry and icon, `ferry` on the PATH with the commit it was
// built from, and the INSTALLED app started as a new user would start it (a fresh home, no
// FERRY_DATA_DIR, the sandbox on): it shows its window, makes its data folder in the user's
// app-data folder with the settings and sandbox databases in it, and its About box, reached
// with the keyboard, names this checkout's commit.
// Not named *.test.mjs: only tests/deb/run.sh runs it, with DEB_ROOT, DEB_PROFILE and APP_BIN.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { KEY, Session } from './webdriver.mjs';

const ROOT = process.env.DEB_ROOT;
const PROFILE = process.env.DEB_PROFILE ?? 'release';
const APP = process.env.APP_BIN;
if (!ROOT || !APP) throw new Error('DEB_ROOT and APP_BIN must be set: run tests/deb/run.sh');

const conf = JSON.parse(fs.readFileSync('tauri.conf.json', 'utf8'));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const control = Object.fromEntries(
  fs
    .readFileSync(path.join(ROOT, 'DEBIAN/control'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z-]+: /.test(l))
    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
);
const depends = control.Depends.split(',').map((d) => d.trim().split(' ')[0]);

/** The desktop entry's keys (the [Desktop Entry] group only). */
function desktopEntry(file) {
  const entry = {};
  let group = '';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('[')) group = line.trim();
    else if (group === '[Desktop Entry]' && line.includes('=')) {
      entry[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return entry;
}

test('the control fields name the package, this version, amd64 and what it needs', () => {
  assert.equal(control.Package, 'ferry');
  assert.equal(control.Version, conf.version);
  assert.equal(control.Architecture, 'amd64');
  for (const d of ['libwebkit2gtk-4.1-0', 'libgtk-3-0', 'libdbus-1-3']) {
    assert.ok(depends.includes(d), `Depends names ${d}: ${control.Depends}`);
  }
  assert.match(control.Recommends ?? '', /gnome-keyring/, 'a Secret Service to keep secrets in');
  assert.match(control.Description, /Dynamics 365/);
});

test('the desktop entry starts the installed app and its icon is installed', () => {
  const dir = path.join(ROOT, 'usr/share/applications');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.desktop'));
  assert.equal(files.length, 1, `one desktop entry: ${files}`);
  const entry = desktopEntry(path.join(dir, files[0]));
  assert.equal(entry.Type, 'Application');
  assert.equal(entry.Name, 'Ferry');
  // Exec names a program on the PATH; the package puts it in /usr/bin.
  const exec = entry.Exec.split(' ')[0];
  assert.equal(path.join(ROOT, 'usr/bin', exec), APP, `Exec=${entry.Exec} is the installed app`);
  fs.accessSync(APP, fs.constants.X_OK);
  // A themed icon name resolves through the hicolor theme (or pixmaps); an absolute path as is.
  const icons = entry.Icon.startsWith('/')
    ? [path.join(ROOT, entry.Icon)]
    : [
        ...fs
          .readdirSync(path.join(ROOT, 'usr/share/icons/hicolor'))
          .map((size) => path.join(ROOT, 'usr/share/icons/hicolor', size, 'apps', `${entry.Icon}.png`)),
        path.join(ROOT, 'usr/share/pixmaps', `${entry.Icon}.png`),
      ];
  const found = icons.filter((f) => fs.existsSync(f));
  assert.ok(found.length > 0, `Icon=${entry.Icon} is installed: none of ${icons.join(', ')}`);
  assert.ok(
    found.some((f) => f.includes('/128x128/')),
    `a 128×128 icon for menus and docks: ${found.join(', ')}`,
  );
  for (const f of found) {
    assert.deepEqual([...fs.readFileSync(f).subarray(1, 4)], [...Buffer.from('PNG')], `${f} is a PNG`);
  }
});

test('ferry is on the PATH and names its version and the commit it was built from', () => {
  const out = execFileSync('ferry', ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(ROOT, 'usr/bin')}:${process.env.PATH}` },
  });
  assert.equal(out.trim(), `ferry ${conf.version} (commit ${commit})`);
});

// Debug builds keep their own folder (see store/folder.rs), beside an installed release's.
const dataDir = () =>
  path.join(process.env.XDG_DATA_HOME, PROFILE === 'debug' ? `${conf.identifier}.debug` : conf.identifier);

describe('the installed app', () => {
  let s;
  before(async () => {
    assert.equal(process.env.FERRY_DATA_DIR, undefined, 'the app chooses its data folder itself');
    assert.equal(process.env.FERRY_KEYCHAIN_SERVICE, undefined, 'and its keychain service');
    assert.ok(process.env.XDG_DATA_HOME, 'a throw-away XDG_DATA_HOME');
    assert.ok(!fs.existsSync(dataDir()), `${dataDir()} does not exist before the first start`);
    s = await Session.start(APP);
  });
  after(async () => {
    if (s) await s.quit();
  });

  test('the installed app starts, shows its window and makes its data folder in the app-data folder', async () => {
    await s.find('[data-testid="tab-destinations"]', 30000);
    await s.find('[data-testid="user-menu"]', 20000);
    const dir = dataDir();
    assert.ok(fs.statSync(dir).isDirectory(), `${dir} was made`);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'private to the user');
    assert.ok(fs.statSync(path.join(dir, 'ferry.sqlite3')).size > 0, 'the settings database is in it');
    // The first start's Local sandbox keeps its records beside it.
    await s.find('[data-testid="destination-row"][data-name="Local sandbox"]', 20000);
    assert.ok(fs.existsSync(path.join(dir, 'sandbox.sqlite3')), 'the sandbox database is in it');
    await s.screenshot('deb-installed-app.png');
  });

  test('the About box, reached with the keyboard, shows this version and this checkout’s commit', async () => {
    await s.exec('document.querySelector(\'[data-testid="user-menu"]\').focus();');
    await s.press(KEY.enter);
    await s.find('[data-testid="about-open"]');
    // The menu opens on its first item; End moves to its last, About.
    await s.press(KEY.end);
    await s.waitText('[data-testid="about-open"]:focus', (t) => t.includes('About Ferry'));
    await s.press(KEY.enter);
    assert.equal(await s.waitText('[data-testid="about-commit"]', (t) => t.length > 0), commit);
    assert.equal(await s.text('[data-testid="about-version"]'), control.Version);
    await s.screenshot('deb-about.png');
    await s.press(KEY.escape);
    await s.gone('[data-testid="about-dialog"]');
  });
});
