// A small W3C WebDriver client over fetch: enough to drive Ferry's window through
// tauri-driver without pulling a browser-automation framework into the project.
import fs from 'node:fs';
import path from 'node:path';

const WD = process.env.TAURI_DRIVER_URL ?? 'http://127.0.0.1:4444';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
export const KEY = { tab: '\uE004', backspace: '\uE003', ctrl: '\uE009', enter: '\uE007', escape: '\uE00C', end: '\uE010' };

async function wd(method, url, body) {
  const res = await fetch(WD + url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new WebDriverError(method, url, res.status, json.value);
  return json.value;
}

/** A refusal from the driver, keeping the W3C error code (`stale element reference`, …). */
class WebDriverError extends Error {
  constructor(method, url, status, value) {
    super(`${method} ${url} -> ${status} ${JSON.stringify(value)}`);
    this.code = value?.error ?? '';
  }
}

// React re-renders replace DOM nodes between two WebDriver calls: an element id found a moment
// ago then answers "stale element reference". That is never a failure of the app, only a sign
// to look the element up again.
const isStale = (e) => e instanceof WebDriverError && e.code === 'stale element reference';

/** Runs `step` again (up to `tries` times) while it fails only because a node went stale. */
async function fresh(step, tries = 20) {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (e) {
      if (!isStale(e) || i >= tries) throw e;
      await sleep(50);
    }
  }
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

  /** Waits until nothing matches `css`; a node that went stale while looked at is gone. */
  async gone(css, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      let shown;
      try {
        shown = (await this.findAll(css)).length > 0;
      } catch (e) {
        if (!isStale(e)) throw e;
        shown = false;
      }
      if (!shown) return;
      if (Date.now() > deadline) throw new Error(`${css} is still shown`);
      await sleep(100);
    }
  }

  /** Clicks `css` once it is enabled: a click on a disabled control is silently lost. */
  async click(css, ms = 10000) {
    try {
      await fresh(() => this.#click(css, ms));
    } catch (e) {
      // Leave a picture of the moment a click failed: it usually shows what was in the way.
      await this.screenshot(`failed-click-${Date.now()}.png`).catch(() => {});
      throw new Error(`clicking ${css}: ${e.message}`);
    }
  }

  /**
   * Clicks `css` to open something, and returns the id of `shown` once it appears. Under
   * WebDriver a click sent just as the window settles (a banner arriving after start-up) is now
   * and then never delivered; the app is not at fault, so the click is sent again, at most
   * three times in all, and only while `shown` is still absent (so nothing opens twice).
   */
  async open(css, shown, ms = 4000) {
    for (let attempt = 1; ; attempt++) {
      await this.click(css);
      try {
        return await this.find(shown, ms);
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /**
   * Picks `item` from the menu that `opener` opens (a row's "More actions"), and returns the id
   * of `shown` once it appears. Menus render outside the row, so `item` is looked up globally.
   */
  async menu(opener, item, shown, ms = 10000) {
    await this.open(opener, item);
    await this.click(item);
    return this.find(shown, ms);
  }

  /** Sets the window's outer size, as a person resizing it would. */
  async resize(width, height) {
    await wd('POST', `/session/${this.id}/window/rect`, { width, height });
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
    await fresh(async () =>
      wd('POST', `/session/${this.id}/element/${await this.find(css)}/value`, { text }),
    );
  }

  /**
   * Presses `keys` one after another wherever the focus is, as a person at the keyboard does
   * (no element is clicked first): for checking that something is reachable without a mouse.
   */
  async press(...keys) {
    const actions = keys.flatMap((value) => [
      { type: 'keyDown', value },
      { type: 'keyUp', value },
    ]);
    await wd('POST', `/session/${this.id}/actions`, { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await wd('DELETE', `/session/${this.id}/actions`);
  }

  /** Replaces a field's text the way a person does: select all, delete, type. */
  async replace(css, text) {
    await this.type(css, KEY.ctrl + 'a' + KEY.ctrl + KEY.backspace);
    await this.type(css, text);
  }

  /**
   * Picks `value` in the native <select> `css`. WebKitWebDriver cannot click an <option> of a
   * closed list (it has no box), so the choice is made as the list makes it: the value is set
   * and a change event fires, which is what React listens to.
   */
  async choose(css, value) {
    await this.find(css);
    const ok = await this.exec(
      `const el = document.querySelector(arguments[0]);
       if (![...el.options].some((o) => o.value === arguments[1])) return false;
       const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
       set.call(el, arguments[1]);
       el.dispatchEvent(new Event('change', { bubbles: true }));
       return true;`,
      [css, value],
    );
    if (!ok) throw new Error(`${css} has no option ${value}`);
  }

  /** Waits until attribute `name` of `css` equals `value`. */
  async waitAttr(css, name, value, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await fresh(async () => {
        const el = await this.find(css, ms);
        return wd('GET', `/session/${this.id}/element/${el}/attribute/${name}`);
      });
      if (v === value) return;
      if (Date.now() > deadline) throw new Error(`${css} [${name}] is ${v}, not ${value}`);
      await sleep(100);
    }
  }

  async text(css) {
    return fresh(async () =>
      wd('GET', `/session/${this.id}/element/${await this.find(css)}/text`),
    );
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
