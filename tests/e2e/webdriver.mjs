// A small W3C WebDriver client over fetch: enough to drive Ferry's window through
// tauri-driver without pulling a browser-automation framework into the project.
import fs from 'node:fs';
import path from 'node:path';

const WD = process.env.TAURI_DRIVER_URL ?? 'http://127.0.0.1:4444';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
export const KEY = { tab: '\uE004', backspace: '\uE003', ctrl: '\uE009', enter: '\uE007' };

async function wd(method, url, body) {
  const res = await fetch(WD + url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${url} -> ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One running app window. */
export class Session {
  static async start(application) {
    const value = await wd('POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(value.sessionId);
  }

  constructor(id) {
    this.id = id;
  }

  async quit() {
    await wd('DELETE', `/session/${this.id}`);
  }

  /** Waits up to `ms` for `css` to match, then returns the element id. */
  async find(css, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const v = await wd('POST', `/session/${this.id}/element`, { using: 'css selector', value: css });
        return v[ELEMENT];
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`no element matches ${css}: ${e.message}`);
        await sleep(100);
      }
    }
  }

  async findAll(css) {
    const v = await wd('POST', `/session/${this.id}/elements`, { using: 'css selector', value: css });
    return v.map((e) => e[ELEMENT]);
  }

  async gone(css, ms = 10000) {
    const deadline = Date.now() + ms;
    while ((await this.findAll(css)).length > 0) {
      if (Date.now() > deadline) throw new Error(`${css} is still shown`);
      await sleep(100);
    }
  }

  /** Clicks `css` once it is enabled: a click on a disabled control is silently lost. */
  async click(css, ms = 10000) {
    try {
      await this.#click(css, ms);
    } catch (e) {
      // Leave a picture of the moment a click failed: it usually shows what was in the way.
      await this.screenshot(`failed-click-${Date.now()}.png`).catch(() => {});
      throw new Error(`clicking ${css}: ${e.message}`);
    }
  }

  // Waits until the element is enabled and has stopped moving, then clicks it. A click on a
  // disabled control is silently lost, and one aimed where an element was a moment ago (a
  // banner appearing above it, a popup being positioned) lands on something else.
  async #click(css, ms) {
    const el = await this.find(css, ms);
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      const enabled = await wd('GET', `/session/${this.id}/element/${el}/enabled`);
      const rect = JSON.stringify(await wd('GET', `/session/${this.id}/element/${el}/rect`));
      if (enabled && rect === last) break;
      if (Date.now() > deadline) throw new Error(enabled ? 'it never stopped moving' : 'it stayed disabled');
      last = rect;
      await sleep(120);
    }
    await wd('POST', `/session/${this.id}/element/${el}/click`, {});
  }

  async type(css, text) {
    await wd('POST', `/session/${this.id}/element/${await this.find(css)}/value`, { text });
  }

  /** Replaces a field's text the way a person does: select all, delete, type. */
  async replace(css, text) {
    await this.type(css, KEY.ctrl + 'a' + KEY.ctrl + KEY.backspace);
    await this.type(css, text);
  }

  /** Waits until attribute `name` of `css` equals `value`. */
  async waitAttr(css, name, value, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const el = await this.find(css, ms);
      const v = await wd('GET', `/session/${this.id}/element/${el}/attribute/${name}`);
      if (v === value) return;
      if (Date.now() > deadline) throw new Error(`${css} [${name}] is ${v}, not ${value}`);
      await sleep(100);
    }
  }

  async text(css) {
    return wd('GET', `/session/${this.id}/element/${await this.find(css)}/text`);
  }

  /** Waits until the text of `css` satisfies `pred`, and returns it. */
  async waitText(css, pred, ms = 10000) {
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      try {
        last = await this.text(css);
        if (pred(last)) return last;
      } catch {
        // not there yet
      }
      if (Date.now() > deadline) throw new Error(`${css} text never matched; last: ${JSON.stringify(last)}`);
      await sleep(100);
    }
  }

  async exec(script, args = []) {
    return wd('POST', `/session/${this.id}/execute/sync`, { script, args });
  }

  async screenshot(name) {
    const dir = path.resolve('tests/e2e/artifacts');
    fs.mkdirSync(dir, { recursive: true });
    const png = await wd('GET', `/session/${this.id}/screenshot`);
    fs.writeFileSync(path.join(dir, name), Buffer.from(png, 'base64'));
  }
}
