// The core loop in the other two engines a worker's phone may run: Firefox
// ESR (geckodriver) and WebKit (WebKitGTK's WebKitWebDriver under Xvfb,
// the engine of every iPhone browser), driven over W3C WebDriver against
// the real server. Log in, fill a report, autosave, reload (kept), lose the
// network, attach a photo and submit (等待发送, in Chinese), get it back,
// delivered with its receipt and the photo byte-identical on the server.
//
// First the page's plain login screen (index.html's #boot): with the app's
// wasm cut off it says 载入中断 and loads again with a tap; then typed
// into with real keys while the proxy holds the wasm back, and taken over
// by the app with what was typed and the cursor where it was.
//
// WebDriver has no "offline" in WebKit, so the network is lost the same way
// in both: a proxy between browser and server cuts every connection while
// "offline". WebKit's WebDriver sessions are private: IndexedDB refuses
// Blobs there, so the photo goes through the ArrayBuffer fallback.
//
// Last, a real panic (#/crash-test): the 出错了 overlay, its record, the
// reload, and the record on the server.
// `cargo xtask setup --browser` installs both browsers and drivers.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Builder, By, until } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import { startServer, startProxy, REPORTER, STORED } from './helpers.mjs';

const PHOTO = new URL('../../crates/core/tests/fixtures/exif/phone_gps.jpg', import.meta.url).pathname;
const GECKODRIVER = process.env.GECKODRIVER_PATH || 'geckodriver';
const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** An administrator of the district, who reads the crash list. */
const ADMIN = { username: 'xh-admin', password: 'admin-of-xinhe-2026' };

const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c().catch(() => {}); });

/** A free TCP port on the loopback. */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** A WebDriver session of `engine`, at a phone's size. */
async function open(engine) {
  if (engine === 'firefox') {
    const options = new firefox.Options().addArguments('-headless').setBinary(FIREFOX);
    options.setPreference('intl.accept_languages', 'zh-CN');
    const driver = await new Builder()
      .forBrowser('firefox')
      .setFirefoxOptions(options)
      .setFirefoxService(new firefox.ServiceBuilder(GECKODRIVER))
      .build();
    await driver.manage().window().setRect({ width: 400, height: 800 });
    return driver;
  }
  const port = await freePort();
  const service = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], { stdio: 'ignore', detached: true });
  cleanup.push(async () => { try { process.kill(-service.pid, 'SIGTERM'); } catch { /* gone */ } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/status`).then((r) => r.ok).catch(() => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return new Builder()
    .usingServer(url)
    .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } })
    .build();
}

const css = (selector) => By.css(selector);

/** Waits for `cond` while a page may be loading anew. WebKit's driver runs
 *  its commands as scripts in the page, and one that the unload cuts short
 *  fails with NoSuchFrameError ("Callback was not called before the unload
 *  event"): the page is changing, so ask again rather than fail. */
async function across(driver, cond, timeout, message) {
  return driver.wait(async () => {
    try {
      return await cond();
    } catch (e) {
      if (e.name === 'NoSuchFrameError') return false;
      throw e;
    }
  }, timeout, message);
}

/** Whether `el` belongs to a page that has gone. */
async function gone(el) {
  try {
    await el.getTagName();
    return false;
  } catch (e) {
    if (e.name === 'StaleElementReferenceError') return true;
    throw e;
  }
}

/** Types `value` into the blank `id` as the app hears typing (an `input`
 *  event): date-time pickers take no keys alike in every engine. */
async function answer(driver, id, value) {
  const el = await driver.wait(until.elementLocated(css(`#${id.replace('.', '\\.')}`)), 20_000);
  await driver.executeScript((e, v) => {
    e.value = v;
    e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  }, el, value);
}

/** The text of the first element at `selector`, found afresh: the app
 *  redraws a list on every change, and a reference kept across a redraw
 *  goes stale. */
async function text(driver, selector) {
  for (;;) {
    try {
      return await (await driver.wait(until.elementLocated(css(selector)), 20_000)).getText();
    } catch (e) {
      if (e.name !== 'StaleElementReferenceError') throw e;
    }
  }
}

/** Waits until the first report's status is `state`. */
async function status(driver, state, timeout = 30_000) {
  await driver.wait(until.elementLocated(css(`[data-testid=report-item] [data-testid=report-status][data-state=${state}]`)), timeout);
}

for (const engine of ['firefox', 'webkit']) {
  test(`[${engine}] the plain login screen retries a cut load and is typed into while the app loads, log in, fill, autosave, reload, offline with a photo, delivered once, byte-identical; a real panic shown, kept and sent`, { timeout: 240_000 }, async () => {
    const server = await startServer();
    cleanup.push(() => server.stop());
    let offline = false;
    // What happens to the app's wasm: cut (the link drops), held, or sent.
    let wasm = 'cut';
    const proxy = await startProxy(server.url, ({ text }) => {
      if (offline) return 'cut';
      return /^GET [^ ]*_bg\.wasm /m.test(text) ? wasm : 'pass';
    });
    cleanup.push(() => proxy.stop());
    const driver = await open(engine);
    cleanup.push(() => driver.quit());

    // The app's code never arrives: the plain screen says so, and its
    // button loads the page again once there is signal.
    await driver.get(proxy.url);
    const retry = await driver.wait(until.elementLocated(css('[data-testid=boot-login] button')), 30_000);
    await driver.wait(async () => /载入中断，有信号时点此重试/.test(await retry.getText()), 30_000, 'the plain screen says the load stopped');
    assert.equal(await retry.isEnabled(), true, 'the retry can be tapped');
    assert.ok(proxy.stats.cuts > 0, 'the wasm was asked for and cut');
    wasm = 'hold';
    await retry.click();

    // The plain login screen again, typed into while the app's code is held back.
    await across(driver, () => gone(retry), 30_000, 'the page loads anew');
    await across(driver, async () => (await driver.findElements(css('[data-testid=boot-login]'))).length > 0, 30_000, 'the plain screen again');
    await driver.wait(() => proxy.stats.held.length > 0, 30_000, 'the wasm is asked for');
    const half = Math.floor(REPORTER.password.length / 2);
    await driver.findElement(css('[data-testid=boot-login] #login-username')).sendKeys(REPORTER.username);
    await driver.findElement(css('[data-testid=boot-login] #login-password')).sendKeys(REPORTER.password.slice(0, half));
    assert.equal((await driver.findElements(css('[data-testid=login-form]'))).length, 0, 'the app is not running yet');
    assert.equal(await driver.findElement(css('[data-testid=boot-login] button')).isEnabled(), false, 'nothing can be sent yet');
    // The app arrives and takes over: what was typed, the cursor in the password.
    wasm = 'pass';
    proxy.resume();
    const submit = await driver.wait(until.elementLocated(css('[data-testid=login-form] button[type=submit]')), 30_000);
    assert.equal((await driver.findElements(css('#boot'))).length, 0, 'the plain screen is gone');
    assert.equal(await driver.findElement(css('#login-username')).getAttribute('value'), REPORTER.username);
    assert.equal(await driver.findElement(css('#login-password')).getAttribute('value'), REPORTER.password.slice(0, half));
    await driver.wait(async () => (await driver.executeScript(() => document.activeElement?.id)) === 'login-password', 10_000, 'the cursor stays in the password box');
    await driver.switchTo().activeElement().sendKeys(REPORTER.password.slice(half));
    await submit.click();
    await (await driver.wait(until.elementLocated(css('[data-testid=new-report]')), 30_000)).click();
    await (await driver.wait(until.elementLocated(css('button[data-template=general_incident]')), 20_000)).click();

    const answers = { ...STORED };
    for (const [id, value] of Object.entries(answers)) await answer(driver, `blank-${id}`, value);
    await driver.wait(until.elementLocated(css('[data-testid=save-state][data-state=saved]')), 20_000);
    // Kept through a reload.
    await driver.navigate().refresh();
    const place = await driver.wait(until.elementLocated(css('#blank-place')), 30_000);
    await driver.wait(async () => (await place.getAttribute('value')) === STORED.place, 20_000);

    // No network: a photo, and the report submitted; it waits, in Chinese.
    offline = true;
    await (await driver.findElement(css('#gallery-photos'))).sendKeys(PHOTO);
    await driver.wait(until.elementLocated(css('[data-testid=photo]')), 30_000);
    assert.equal(await text(driver, '[data-testid=photo-note]'), '', 'no error storing the photo');
    // How it was kept: WebKit's private session refuses Blobs, so the
    // photo and its thumbnail are ArrayBuffers there; Firefox keeps Blobs.
    const kept = await driver.executeAsyncScript((done) => {
      const open = indexedDB.open('kuaibao');
      open.onsuccess = () => {
        const req = open.result.transaction('blobs').objectStore('blobs').getAll();
        req.onsuccess = () => done(req.result.map((v) => (v instanceof ArrayBuffer ? 'buffer' : v instanceof Blob ? 'blob' : typeof v)));
        req.onerror = () => done(String(req.error));
      };
      open.onerror = () => done(String(open.error));
    });
    assert.deepEqual(kept, engine === 'webkit' ? ['buffer', 'buffer'] : ['blob', 'blob'], `kept as ${kept}`);
    await (await driver.findElement(css('.actions button.primary'))).click();
    await status(driver, 'waiting');
    await driver.wait(async () => /上次发送失败：连不上值班室服务器/.test(await text(driver, '[data-testid=report-item]')), 30_000);
    assert.equal((await server.reports()).length, 0, 'nothing reached the server');

    // Back: delivered with its receipt, the photo after it.
    offline = false;
    await driver.wait(async () => {
      await driver.findElement(css('.outbox button')).then((b) => b.click()).catch(() => {});
      const delivered = await driver.findElements(css('[data-testid=report-status][data-state=delivered]'));
      const progress = await driver.findElements(css('[data-testid=photo-progress]'));
      return delivered.length === 1 && progress.length === 1 && /1\/1$/.test(await text(driver, '[data-testid=photo-progress]'));
    }, 60_000, 'delivered with its photo', 1_000);
    assert.match(await text(driver, '[data-testid=report-status]'), /回执号 \d+/);

    const stored = await server.reports();
    assert.equal(stored.length, 1, 'stored once');
    assert.equal(stored[0].report.answers.place, STORED.place);
    const [photo] = stored[0].report.photos;
    const res = await server.fetch(`/api/photos/${photo.sha256}`);
    assert.equal(res.status, 200);
    const sha = createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    assert.equal(sha, photo.sha256, 'byte-identical on the server');
    assert.ok((await readFile(PHOTO)).length > 0);

    // A real panic in this engine's wasm, with no network: 出错了 is drawn
    // without the wasm and one record kept; after the reload, with the
    // network back, the app runs and sends it.
    offline = true;
    await driver.executeScript(() => { location.hash = '#/crash-test'; });
    const overlay = await driver.wait(until.elementLocated(css('[data-testid=crash-overlay]')), 10_000);
    assert.match(await overlay.getText(), /^出错了\s*Something went wrong/);
    await driver.sleep(1_000);
    const crashes = await driver.executeScript(() => JSON.parse(localStorage.getItem('kuaibao.crashes') || '[]'));
    assert.deepEqual(crashes.map((c) => [c.kind, /测试崩溃/.test(c.message), c.page]), [['panic', true, '/#/crash-test']], JSON.stringify(crashes));
    offline = false;
    await driver.findElement(css('[data-testid=crash-reload]')).click();
    await across(driver, async () => (await driver.findElements(css('[data-testid=new-report]'))).length > 0, 30_000, 'the app runs again');
    await across(driver, () => driver.executeScript(() => !localStorage.getItem('kuaibao.crashes')), 30_000, 'the crash is sent');
    await server.adminInput(`${ADMIN.password}\n`, 'user', 'add', ADMIN.username, '--role', 'admin', '--area', 'xh', '--name', '新河区管理员');
    const list = await server.fetch('/api/crashes', {}, ADMIN);
    assert.equal(list.status, 200);
    const listed = (await list.json()).latest.filter((c) => c.report.id === crashes[0].id);
    assert.deepEqual(listed.map((c) => [c.report.kind, c.username]), [['panic', REPORTER.username]], 'the server has it, once');
  });
}
