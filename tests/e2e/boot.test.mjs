// The page's plain login screen (index.html's #boot, src/pwa/boot.rs): on a
// first visit the worker can type while the app's code is still on its way;
// the app takes the screen over with what was typed and the cursor where it
// was, and nothing is sent before it runs. A phone with a session never
// shows it, and after a log-out it is back.
//
// The wasm is held back at the network (as a 2G link would hold it) until
// the test lets it go.
//
// KUAIBAO_SHOTS=<dir> also writes the plain screen at 360×640 and 1366×768.

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { startServer, openPhone, login, home, phoneRecords, REPORTER, OFFICER, closeAll } from './helpers.mjs';

const SHOTS = process.env.KUAIBAO_SHOTS;
const cleanup = [];
// Each test's servers and browsers close when it ends: left open to the
// file's end, each test ran beside every earlier test's phone still
// syncing, on a 2-core CI machine.
afterEach(() => closeAll(cleanup));

/** Holds the app's wasm back until `release()`. */
async function holdWasm(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const state = { asked: 0 };
  await page.route('**/*_bg.wasm', async (route) => {
    state.asked += 1;
    await held;
    await route.continue();
  });
  return { state, release: () => release() };
}

/** A server of its own and a fresh phone (no login, no service worker). */
async function freshPhone() {
  const server = await startServer();
  cleanup.push(() => server.stop());
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  return { server, page: phone.page };
}

/** Opens the phone's database from `other` (a tab of the same site) at
 *  its first version, holding one record, as an app window left open since
 *  before an update does (`window.held`). With `letGoAfterMs`, it closes
 *  the database that long after a newer version asks for it, as this
 *  app's own tabs do once they have saved (`window.letGo`). */
function holdAtFirstVersion(other, letGoAfterMs) {
  return other.evaluate((letGoAfterMs) => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao', 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('reports', { keyPath: 'id' }).put({ id: 'kept-through-the-upgrade' });
      open.result.createObjectStore('meta');
    };
    open.onsuccess = () => {
      const db = open.result;
      window.held = db;
      if (letGoAfterMs != null) db.onversionchange = () => setTimeout(() => { db.close(); window.letGo = true; }, letGoAfterMs);
      resolve();
    };
    open.onerror = () => reject(open.error);
  }), letGoAfterMs);
}

/** The texts a login screen shows: title, intro, labels. */
function wordsOf(page, scope) {
  return page.locator(scope).evaluate((root) => {
    const section = root.closest('section');
    return {
      title: section.querySelector('h2').textContent.trim(),
      intro: section.querySelector('.intro').textContent.trim(),
      labels: [...root.querySelectorAll('label')].map((l) => l.textContent.trim()),
    };
  });
}

test('the worker types into the plain login screen while the app loads; the app takes it over and logs in', { timeout: 120_000 }, async () => {
  const { server, page } = await freshPhone();
  const wasm = await holdWasm(page);
  const requests = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) requests.push(r.url()); });

  await page.goto(server.url, { waitUntil: 'commit' });
  const boot = page.getByTestId('boot-login');
  await boot.waitFor();
  assert.equal(await page.getByTestId('login-form').count(), 0, 'the app is not running yet');
  const button = boot.getByRole('button');
  assert.equal(await button.innerText(), '正在载入快报…');
  assert.equal(await button.isDisabled(), true, 'nothing can be sent before the app runs');
  const plainWords = await wordsOf(page, '[data-testid=boot-login]');
  if (SHOTS) {
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'boot-360x640.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'boot-1366x768.png') });
    await page.setViewportSize({ width: 360, height: 640 });
  }

  // The worker types the name and half the password; Enter does nothing yet.
  await boot.getByLabel('用户名').fill(REPORTER.username);
  const half = Math.floor(REPORTER.password.length / 2);
  await boot.getByLabel('密码').click();
  await page.keyboard.type(REPORTER.password.slice(0, half));
  await page.keyboard.press('Enter');
  assert.equal(wasm.state.asked, 1, 'the wasm was asked for');
  assert.deepEqual(requests, [], 'nothing reached the server before the app ran');
  assert.equal(await boot.count(), 1);

  // The app arrives: its form holds what was typed, the cursor where it was.
  wasm.release();
  const form = login(page);
  await form.form.waitFor();
  assert.equal(await page.locator('#boot').count(), 0, 'the plain screen is gone');
  assert.equal(await form.username.inputValue(), REPORTER.username);
  assert.equal(await form.password.inputValue(), REPORTER.password.slice(0, half));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password');
  assert.deepEqual(await wordsOf(page, '[data-testid=login-form]'), plainWords, 'the same words as the app\'s own form');

  // The worker goes on typing where the cursor is, and logs in.
  await page.keyboard.type(REPORTER.password.slice(half));
  await page.keyboard.press('Enter');
  await home(page).newReportButton.waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => localStorage.getItem('kuaibao.session')), '1');

  // Signed in, the next load shows no login form while the app loads (it
  // now comes from the service worker, which the test cannot hold back:
  // what the page showed is read as its HTML was parsed).
  await page.addInitScript(() => document.addEventListener('DOMContentLoaded', () => {
    const b = document.getElementById('boot');
    window.__boot = b ? getComputedStyle(b).display : 'absent';
  }));
  await page.reload();
  await home(page).newReportButton.waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.__boot), 'none', 'hidden on a signed-in phone');
  assert.equal(await page.locator('#boot').count(), 0, 'and gone once the app runs');

  // Logged out, the plain screen is back on the next load.
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('button', { name: '确定退出' }).click();
  await form.form.waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('kuaibao.session')), null);
  await page.reload();
  await form.form.waitFor();
  assert.equal(await page.evaluate(() => window.__boot), 'block', 'shown again after a log-out');
  assert.equal(await form.username.inputValue(), REPORTER.username, 'the last login\'s name, as before');
});

test('when the app\'s code stops arriving, the plain screen says so and tries again with a tap', { timeout: 90_000 }, async () => {
  const { server, page } = await freshPhone();
  await page.route('**/*_bg.wasm', (route) => route.abort('internetdisconnected'));
  await page.goto(server.url);
  const boot = page.getByTestId('boot-login');
  await boot.getByLabel('用户名').fill(REPORTER.username);
  const retry = boot.getByRole('button', { name: /载入中断，有信号时点此重试/ });
  await retry.waitFor({ timeout: 20_000 });
  assert.equal(await retry.isEnabled(), true);
  assert.match(await retry.innerText(), /Loading stopped: tap to retry/);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'boot-stalled-360x640.png') });
  assert.equal(await boot.getByLabel('用户名').inputValue(), REPORTER.username, 'what was typed is still there');
  // The plain form never sends itself, even when asked to: the browser's
  // own submit would put the password in the address.
  await boot.getByLabel('密码').fill(REPORTER.password);
  const navigated = page.waitForEvent('framenavigated', { timeout: 1_500 }).then(() => true, () => false);
  await boot.evaluate((form) => form.requestSubmit());
  assert.equal(await navigated, false, 'the page stays');
  assert.doesNotMatch(page.url(), /password/);

  // Signal again: the tap loads the page anew, and the app runs.
  await page.unroute('**/*_bg.wasm');
  await retry.click();
  await login(page).form.waitFor({ timeout: 30_000 });
  await login(page).as(REPORTER);
  await home(page).newReportButton.waitFor({ timeout: 20_000 });
});

test('an update held up by the app left open at its old version in another tab says to close that tab, and the app starts once it is closed', { timeout: 60_000 }, async () => {
  const { server, page } = await freshPhone();
  // Another tab of the phone, on the same site, holds the database open at
  // its first version, as an app window left open in the background since
  // before an update does.
  const other = await page.context().newPage();
  cleanup.push(() => other.close());
  await other.goto(`${server.url}/manifest.webmanifest`);
  await holdAtFirstVersion(other);
  await page.goto(server.url);
  const fatal = page.locator('main.fatal');
  await fatal.waitFor({ timeout: 20_000 });
  const said = await fatal.innerText();
  assert.match(said, /快报还在另一个窗口或标签页里以旧版本开着.*请关闭其他快报窗口和标签页，再刷新本页/s);
  assert.match(said, /Close the other Kuaibao windows and tabs, then reload this page/);
  // That tab closed, the upgrade held up goes on; the app starts, and
  // what the database held is still there.
  await other.evaluate(() => window.held.close());
  await page.reload();
  await login(page).form.waitFor({ timeout: 30_000 });
  const ids = (await phoneRecords(page)).map((r) => r.id);
  assert.ok(ids.includes('kept-through-the-upgrade'), `kept: ${ids}`);
});

test('a browser that refuses to store anything (a private window) says so, once, on the phone and on the duty desk, and what to do', { timeout: 60_000 }, async () => {
  const { server, page } = await freshPhone();
  // As Firefox with cookies blocked does: every open of a database throws.
  await page.context().addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
  });
  for (const [where, headline] of [['/', /^快报无法启动，报告无法保存。/], ['/office/', /^值班室无法启动。/]]) {
    await page.goto(`${server.url}${where}`);
    const fatal = page.locator('main.fatal');
    await fatal.waitFor({ timeout: 20_000 });
    const said = await fatal.innerText();
    assert.match(said, headline, where);
    assert.match(said, /不允许在本机保存。请用手机自带浏览器打开快报，并关闭无痕模式/, where);
    assert.match(said, /Open Kuaibao in the phone's own browser, not in a private window/, where);
    assert.equal(said.split('无法打开本机存储').length - 1, 1, `${where} names the failure once: ${said}`);
    assert.doesNotMatch(said, /insecure/, `${where}: not the browser's words`);
  }
});

/** Asks, from `other` (a tab of the same site), to upgrade the phone's
 *  database past its version, as a newer release opened there does, and
 *  aborts the upgrade once it runs, leaving the database as it was. Says
 *  whether it ran, whether the browser said "blocked" first, and when. */
function askToUpgrade(other) {
  return other.evaluate(() => new Promise((resolve, reject) => {
    const probe = indexedDB.open('kuaibao');
    probe.onerror = () => reject(probe.error);
    probe.onsuccess = () => {
      const version = probe.result.version;
      probe.result.close();
      const asked = Date.now();
      const said = { blocked: false, upgraded: false, ms: 0 };
      const open = indexedDB.open('kuaibao', version + 1);
      open.onblocked = () => { said.blocked = true; };
      open.onupgradeneeded = () => {
        said.upgraded = true;
        said.ms = Date.now() - asked;
        open.transaction.abort();
      };
      open.onsuccess = () => { open.result.close(); resolve(said); };
      open.onerror = () => resolve(said);
      setTimeout(() => resolve(said), 15_000);
    };
  }));
}

test('a newer release opened in another tab: the app left open saves what was typed, lets the upgrade go on and starts again, the draft whole', { timeout: 90_000 }, async () => {
  const { server, page } = await freshPhone();
  await page.goto(server.url);
  await login(page).form.waitFor({ timeout: 30_000 });
  await login(page).as(REPORTER);
  await home(page).newReport();
  const other = await page.context().newPage();
  cleanup.push(() => other.close());
  // A page of the site the service worker does not answer with the app.
  await other.goto(`${server.url}/api/health`);
  // Typed, and the upgrade asked for before the autosave's moment is up.
  const reloaded = page.waitForEvent('load', { timeout: 20_000 });
  await page.locator('#blank-place').pressSequentially('青石村老桥头');
  const said = await askToUpgrade(other);
  assert.equal(said.upgraded, true, 'the upgrade ran: the app let go of the database');
  assert.ok(said.ms < 3_000, `it let go within the grace an upgrading app waits: ${said.ms} ms`);
  await reloaded;
  // The page started again, on the draft it showed, with every character.
  await page.locator('[data-testid=save-state]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#blank-place').inputValue(), '青石村老桥头');
  const drafts = (await phoneRecords(page)).filter((r) => r.status.state === 'draft');
  assert.equal(drafts.length, 1);
  assert.equal(drafts[0].answers.place, '青石村老桥头');
});

test('a newer release opened in another tab while what was typed here cannot be saved: the tab lets go, keeps the text on screen and says what to do', { timeout: 90_000 }, async () => {
  const { server, page } = await freshPhone();
  await page.goto(server.url);
  await login(page).form.waitFor({ timeout: 30_000 });
  await login(page).as(REPORTER);
  await home(page).newReport();
  // The phone is full from now on: every write is refused.
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = function full() { throw new DOMException('the phone is full', 'QuotaExceededError'); };
  });
  await page.locator('#blank-place').fill('青石村老桥头');
  await page.locator('[data-testid=save-state][data-state=failed]').waitFor({ timeout: 10_000 });
  const other = await page.context().newPage();
  cleanup.push(() => other.close());
  await other.goto(`${server.url}/api/health`);
  let reloaded = false;
  page.on('load', () => { reloaded = true; });
  const said = await askToUpgrade(other);
  assert.equal(said.upgraded, true, 'it let go all the same');
  const note = page.getByTestId('replaced-unsaved');
  await note.waitFor({ timeout: 10_000 });
  assert.match(await note.innerText(), /本页刚输入的内容没能保存：请先把它复制下来，再刷新本页/);
  assert.equal(reloaded, false, 'not reloaded away');
  assert.equal(await page.locator('#blank-place').inputValue(), '青石村老桥头', 'still on screen to copy');
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'replaced-unsaved-360x640.png') });
});

test('an upgrade the other tab lets go of within a moment starts the app without a word of it', { timeout: 60_000 }, async () => {
  const { server, page } = await freshPhone();
  const other = await page.context().newPage();
  cleanup.push(() => other.close());
  await other.goto(`${server.url}/manifest.webmanifest`);
  // Held at the first version by a tab that lets go a second after it is
  // asked, as the app's own tabs do once they have saved.
  await holdAtFirstVersion(other, 1_000);
  await page.goto(server.url);
  await login(page).form.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('main.fatal').count(), 0);
  assert.equal(await other.evaluate(() => window.letGo), true);
  const ids = (await phoneRecords(page)).map((r) => r.id);
  assert.ok(ids.includes('kept-through-the-upgrade'), `kept: ${ids}`);
});

test('the duty office\'s page open in a tab lets a newer release upgrade the shared database, and says to reload once the answers typed are copied', { timeout: 90_000 }, async () => {
  const { server, page } = await freshPhone();
  // The desk in a tab of the same browser profile, as on an office PC:
  // the same site, the same database.
  const tab = await page.context().newPage();
  cleanup.push(() => tab.close());
  await tab.goto(`${server.url}/office/`);
  await login(tab).form.waitFor({ timeout: 30_000 });
  await login(tab).as(OFFICER);
  await tab.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 20_000 });
  await page.goto(`${server.url}/api/health`);
  const said = await askToUpgrade(page);
  assert.equal(said.upgraded, true, 'the desk let go of the database');
  const note = tab.getByTestId('desk-replaced');
  await note.waitFor({ timeout: 10_000 });
  assert.match(await note.innerText(), /请先复制还没发出的答复，再刷新本页/);
  // The desk itself goes on showing what it showed.
  assert.equal(await tab.locator('[data-testid=live-state]').count(), 1);
  if (SHOTS) {
    for (const [width, height] of [[1366, 768], [360, 640]]) {
      await tab.setViewportSize({ width, height });
      await tab.screenshot({ path: path.join(SHOTS, `desk-replaced-${width}x${height}.png`) });
    }
  }
});
