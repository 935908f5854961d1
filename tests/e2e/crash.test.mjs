// Crash reports end to end: a worker with a draft typed goes offline and
// the app panics for real (#/crash-test); the 出错了 overlay is drawn
// without the wasm, its reload keeps the draft, and once the phone is
// online again the crash reaches the server and the district's
// administrator sees it, with its build, in 崩溃报告.
//
// The desk panics the same way (/office/#/crash-test): its overlay in its own
// words, its record sent once the reloaded desk is online.
//
// KUAIBAO_SHOTS=<dir> also writes the overlay and the list at 360×640 and
// 1366×768 there, to look at.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, openDesk, home, form, ANSWERS } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.KUAIBAO_SHOTS;
const ADMIN = { username: 'xh-admin', password: 'admin-of-xinhe-2026', name: '新河区管理员' };
const KEY = 'kuaibao.crashes';

let server;
let phone;
let browser;
before(async () => {
  server = await startServer();
  await server.adminInput(`${ADMIN.password}\n`, 'user', 'add', ADMIN.username, '--role', 'admin', '--area', 'xh', '--name', ADMIN.name);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  phone = await openPhone();
});
after(async () => {
  await phone?.close();
  await browser?.close();
  await server?.stop();
});

const records = (page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) || '[]'), KEY);

/** Opens the crash test on `page`: the overlay, and the one record kept. */
async function crashTest(page) {
  await page.evaluate(() => { location.hash = '#/crash-test'; });
  const overlay = page.getByTestId('crash-overlay');
  await overlay.waitFor({ timeout: 10_000 });
  assert.equal(await overlay.getAttribute('role'), 'alertdialog');
  // One record: the panic, with its place in the source, the page and the
  // build. Neither the trap that ends the wasm after it nor what the broken
  // wasm does when called again (a task's RefCell left borrowed panics on
  // the next wake-up) is a second crash: give those a moment to happen.
  await page.waitForTimeout(1_000);
  const kept = await records(page);
  assert.equal(kept.length, 1, JSON.stringify(kept));
  const [crash] = kept;
  assert.equal(crash.kind, 'panic');
  assert.match(crash.message, /测试崩溃/);
  return { overlay, crash };
}

/** With KUAIBAO_SHOTS, `page` at 360×640 and 1366×768 as `name`-360.png and
 *  `name`-1366.png; the page keeps its size. */
async function shots(page, name) {
  if (!SHOTS) return;
  const size = page.viewportSize();
  for (const [width, height] of [[360, 640], [1366, 768]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`) });
  }
  await page.setViewportSize(size);
}

test('a panic offline is shown, keeps the draft, and reaches the admin\'s crash list once online', { timeout: 120_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  const build = (await page.getByTestId('build').locator('code').innerText()).trim();
  assert.match(build, /^[0-9a-f]{7,}(-dirty)?$|^dev$/, `the device panel shows the build: ${build}`);

  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  const draftUrl = page.url();

  await context.setOffline(true);
  const { overlay, crash } = await crashTest(page);
  assert.match(await overlay.innerText(), /^出错了\s*Something went wrong/);
  const reload = overlay.getByRole('button', { name: /^重新载入（草稿都已保存）/ });
  const box = await reload.boundingBox();
  assert.ok(box.height >= 48 && box.width >= 48, `a touch target of ${box.width}×${box.height}`);
  await shots(page, 'crash-overlay');
  assert.equal(crash.build, build);
  assert.equal(crash.page, '/#/crash-test');
  assert.match(crash.message, /src\/crash\/mod\.rs:\d+:\d+/, 'the panic location is kept in the release wasm');
  assert.match(crash.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  // The reload, still offline: the app starts again from the service
  // worker, at the start screen, with the draft as it was typed.
  await reload.click();
  await home(page).newReportButton.waitFor({ timeout: 15_000 });
  assert.equal(await overlay.count(), 0);
  assert.deepEqual(await home(page).statuses(), ['draft']);
  await home(page).items.first().getByRole('link').click();
  assert.equal(page.url(), draftUrl);
  assert.deepEqual(await form(page).values(), ANSWERS, 'every blank as it was before the crash');
  assert.equal((await records(page)).length, 1, 'kept on the phone while offline');

  // Online: the sync pass sends it and the phone forgets it.
  await context.setOffline(false);
  await page.waitForFunction((key) => !localStorage.getItem(key), KEY, { timeout: 20_000 });

  const desk = await openDesk(browser, server.url, ADMIN, { width: 1366, height: 768 });
  await desk.page.getByTestId('nav-crashes').click();
  const listed = desk.page.locator(`[data-testid=crash][data-id="${crash.id}"]`);
  await listed.waitFor({ timeout: 10_000 });
  assert.equal(await listed.getAttribute('data-build'), build);
  assert.match(await listed.getByTestId('crash-message').innerText(), /测试崩溃/);
  assert.match(await listed.innerText(), new RegExp(`李秀英（lixiuying）`));
  const row = desk.page.locator(`[data-testid=crash-build][data-build="${build}"]`);
  assert.equal(await row.getByTestId('crash-build-count').innerText(), '1');
  assert.deepEqual(desk.violations, [], 'no Content-Security-Policy violation');
  if (SHOTS) {
    await desk.page.screenshot({ path: path.join(SHOTS, 'crash-list-1366.png'), fullPage: true });
    await desk.page.setViewportSize({ width: 360, height: 640 });
    await desk.page.screenshot({ path: path.join(SHOTS, 'crash-list-360.png'), fullPage: true });
  }
  await desk.context.close();
});

test('an officer has no 崩溃报告 tab, and the server refuses him the list', { timeout: 60_000 }, async () => {
  const desk = await openDesk(browser, server.url, server.officer);
  assert.equal(await desk.page.getByTestId('nav-crashes').count(), 0);
  const res = await server.fetch('/api/crashes');
  assert.equal(res.status, 403);
  await desk.context.close();
});

test('the desk\'s own panic is shown in the desk\'s words and reaches 崩溃报告 after the reload', { timeout: 90_000 }, async () => {
  const desk = await openDesk(browser, server.url, ADMIN, { width: 1366, height: 768 });
  const { page } = desk;
  const { overlay, crash } = await crashTest(page);
  assert.match(await overlay.innerText(), /^出错了\s*Something went wrong\s*值班室页面遇到意外错误/);
  assert.doesNotMatch(await overlay.innerText(), /草稿/, 'the desk keeps no drafts: the phone\'s words are not its');
  const reload = overlay.getByRole('button', { name: /^重新载入\s*Reload$/ });
  // The overlay's styles reach the desk's page too (style/crash.css).
  const box = await reload.boundingBox();
  assert.ok(box.height >= 48, `a touch target of ${box.width}×${box.height}`);
  assert.equal(await overlay.evaluate((el) => getComputedStyle(el).position), 'fixed');
  await shots(page, 'crash-overlay-desk');
  assert.equal(crash.page, '/office/#/crash-test');
  assert.match(crash.build, /^[0-9a-f]{7,}(-dirty)?$|^dev$/, 'the desk\'s wasm tells the recorder its build');

  // The reload opens the inbox, the live stream opens, the record goes.
  await reload.click();
  await page.getByTestId('nav-inbox').waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).hash, '#/', 'the reload leaves the crash test');
  await page.waitForFunction((key) => !localStorage.getItem(key), KEY, { timeout: 20_000 });
  await page.getByTestId('nav-crashes').click();
  const listed = page.locator(`[data-testid=crash][data-id="${crash.id}"]`);
  await listed.waitFor({ timeout: 10_000 });
  assert.equal(await listed.getByTestId('crash-page').innerText(), '/office/#/crash-test');
  assert.match(await listed.innerText(), new RegExp(`${ADMIN.name}（${ADMIN.username}）`));
  assert.deepEqual(desk.violations, [], 'no Content-Security-Policy violation');
  await desk.context.close();
});
