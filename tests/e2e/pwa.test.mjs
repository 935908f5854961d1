// A real PWA: Chrome's own installability verdict, and a new deploy that
// replaces the old cache without losing the draft being written.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, openPhone, openApp, home, form, ANSWERS } from './helpers.mjs';

let server;
let phone;
before(async () => { server = await startServer(); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

test('(f) Chrome finds the app installable', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, [], 'the manifest parses without errors');
  assert.match(manifest.url, /manifest\.webmanifest$/);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
});

test('the storage panel shows persistence and the space used', { timeout: 30_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await page.getByTestId('storage-usage').filter({ hasText: '已用空间' }).waitFor();
  assert.match(await page.getByTestId('storage-persisted').innerText(), /本机存储/);
});

test('while something is unsent, a phone in a browser tab is told the browser may clear it, and an iPhone how to add the app to the home screen; opened from there, nothing is said', { timeout: 60_000 }, async () => {
  const own = await openPhone();
  try {
    const { page, context } = own;
    // Safari on an iPhone, in a tab: `navigator.standalone` is false there
    // (true when opened from the home screen).
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'standalone', { get: () => window.fromHomeScreen ?? false, configurable: true }));
    await openApp(page, server.url);
    await page.getByTestId('storage-usage').filter({ hasText: '已用空间' }).waitFor();
    const risk = page.getByTestId('at-risk');
    assert.equal(await risk.count(), 0, 'nothing unsent, nothing said');
    await home(page).newReport();
    await page.getByLabel('地点').fill('村口石桥');
    await form(page).waitSaved();
    await page.getByRole('link', { name: '返回列表' }).click();
    await risk.waitFor();
    assert.match(await risk.innerText(), /浏览器可能会清除它们：请尽快联网发送，并把快报添加到主屏幕[\s\S]*iPhone：点 Safari 的分享按钮，选「添加到主屏幕」/);
    // Opened from the home screen: its storage is its own.
    await context.addInitScript(() => { window.fromHomeScreen = true; });
    await page.reload();
    await page.getByTestId('storage-usage').filter({ hasText: '已用空间' }).waitFor();
    assert.equal(await risk.count(), 0);
  } finally {
    await own.close();
  }
});

test('while the browser still asks the user whether to keep the storage (Firefox), a phone in a tab is already told it may be cleared', { timeout: 60_000 }, async () => {
  const own = await openPhone();
  try {
    const { page, context } = own;
    // Firefox asks with a prompt; unanswered, persist() never resolves.
    await context.addInitScript(() => { if (navigator.storage) navigator.storage.persist = () => new Promise(() => {}); });
    await openApp(page, server.url);
    await page.getByTestId('storage-usage').filter({ hasText: '已用空间' }).waitFor();
    await home(page).newReport();
    await page.getByLabel('地点').fill('村口石桥');
    await form(page).waitSaved();
    await page.getByRole('link', { name: '返回列表' }).click();
    const risk = page.getByTestId('at-risk');
    await risk.waitFor();
    assert.match(await risk.innerText(), /浏览器可能会清除它们：请尽快联网发送/);
  } finally {
    await own.close();
  }
});

test('a new deploy is offered as an update; the cache is replaced and the draft kept', { timeout: 90_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  const oldCaches = await page.evaluate(() => caches.keys());
  assert.equal(oldCaches.length, 1);

  await home(page).newReport();
  const f = form(page);
  await f.fill();
  // Deploy a new build: the generator gives every build its own version.
  const sw = path.join(server.staticDir, 'sw.js');
  const text = await readFile(sw, 'utf8');
  // (Minified by the build: `VERSION="…"` within one `const`.)
  const version = text.match(/\bVERSION\s*=\s*"([^"]+)"/);
  assert.ok(version, 'sw.js carries its build version');
  await writeFile(sw, text.replace(version[0], version[0].replace(version[1], `${version[1]}-next`)));

  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  const update = page.getByRole('button', { name: '立即更新' });
  await update.waitFor({ timeout: 30_000 });
  // The last keystroke is not yet saved when the user taps "update".
  await page.getByLabel('地点').fill(`${ANSWERS['地点']}东侧`);
  await Promise.all([page.waitForEvent('load'), update.click()]);
  await form(page).submit.waitFor();
  const values = await form(page).values();
  assert.equal(values['地点'], `${ANSWERS['地点']}东侧`, 'the edit made just before the update survived');
  assert.equal(values['联系电话'], ANSWERS['联系电话']);
  const newCaches = await page.evaluate(() => caches.keys());
  assert.deepEqual(newCaches, [`kuaibao-${version[1]}-next`], 'the old cache is gone');
});

test('a new form takes the position as it opens, in 米, and can leave it out; a refused phone says to type it', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.grantPermissions(['geolocation'], { origin: server.url });
  await context.setGeolocation({ latitude: 30.6586, longitude: 104.0648, accuracy: 12 });
  // No tap: most reports carried no position when it took one.
  await home(page).newReport();
  await page.waitForFunction(() => document.querySelector('#blank-gps\\.lat').value !== '');
  assert.equal(await page.getByLabel('纬度').inputValue(), '30.658600');
  assert.equal(await page.getByLabel('经度').inputValue(), '104.064800');
  assert.match(await page.locator('.geo .note').innerText(), /^已自动记录当前位置，精度约 12 米；不想发送位置可点「不记录位置」/);
  // The way to refuse it.
  await page.getByTestId('forget-position').click();
  assert.equal(await page.getByLabel('纬度').inputValue(), '');
  assert.match(await page.locator('.geo .note').innerText(), /已清除位置，不会发送/);
  await page.getByRole('button', { name: '获取当前位置' }).click();
  await page.waitForFunction(() => document.querySelector('#blank-gps\\.lat').value !== '');
  assert.match(await page.locator('.geo .note').innerText(), /^已定位，精度约 12 米/);

  await context.clearPermissions();
  await page.getByLabel('纬度').fill('');
  await page.getByLabel('经度').fill('');
  await page.getByRole('button', { name: '获取当前位置' }).click();
  await page.locator('.geo .note').filter({ hasText: '手动填写' }).waitFor();
  assert.equal(await page.getByLabel('纬度').inputValue(), '', 'nothing made up');
});
