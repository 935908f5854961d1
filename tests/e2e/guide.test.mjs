// The user guide's walk-through (docs/使用说明.md), against the real app
// and server: each step the guide describes is checked here, and with
// GUIDE_SCREENSHOTS set (`cargo xtask guide` sets it to docs/guide) each
// step's screen is written there, so the guide's pictures are the app as
// it is. A worker: log in, pick what to report, fill the sentence (the
// position taken as the form opens), submit with no signal, see it
// delivered with its receipt. An officer: the inbox, the incident with the
// reporter's number, the signing of the written report, the map.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startServer, openPhone, login, home, form, openDesk, OFFICER, REPORTER, ANSWERS } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.GUIDE_SCREENSHOTS;

let server;
let phone;
let browser;
before(async () => {
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  phone = await openPhone();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => {
  await browser?.close();
  await phone?.close();
  await server?.stop();
});

/** The guide's picture `name`, of `page` (or of `target` in view). */
async function shot(page, name, target) {
  if (!SHOTS) return;
  if (target) await target.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

test('a worker: log in, pick, fill, submit with no signal, delivered with a receipt', { timeout: 120_000 }, async () => {
  const { page, context } = phone;
  await context.grantPermissions(['geolocation'], { origin: server.url });
  await context.setGeolocation({ latitude: 30.6586, longitude: 104.0648, accuracy: 15 });
  await page.goto(server.url);
  await login(page).form.waitFor();
  await login(page).username.fill(REPORTER.username);
  await shot(page, '01-登录');
  await login(page).password.fill(REPORTER.password);
  await login(page).submit.click();
  await home(page).newReportButton.waitFor();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await shot(page, '02-首页');

  await home(page).newReportButton.click();
  await page.getByRole('button', { name: '风险隐患', exact: true }).first().waitFor();
  assert.equal(await page.getByRole('button', { name: '风险隐患', exact: true }).count(), 1);
  await shot(page, '03-选择类别');
  await page.getByRole('button', { name: '其他突发事件', exact: true }).first().click();
  await page.getByTestId('save-state').waitFor();
  // The position, taken as the form opens.
  await page.locator('.geo .note').filter({ hasText: '已自动记录当前位置，精度约 15 米' }).waitFor({ timeout: 20_000 });
  const { 纬度: _lat, 经度: _lon, ...typed } = ANSWERS;
  await form(page).fill(typed);
  await form(page).waitSaved();
  await shot(page, '04-填写', page.getByLabel('事件经过'));
  await shot(page, '05-位置', page.locator('.geo'));

  // No signal: it waits on the phone.
  await context.setOffline(true);
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await home(page).sendNow.click();
  await page.getByTestId('send-offline').waitFor();
  await shot(page, '06-等待发送');
  await context.setOffline(false);
  await home(page).waitForStatus('delivered');
  assert.match(await home(page).items.first().getByTestId('report-status').innerText(), /回执号 \d+/);
  await shot(page, '07-已送达');
});

test('an officer: the inbox, the incident with the number to call back, the signed written report, the map', { timeout: 90_000 }, async () => {
  const desk = await openDesk(browser, server.url, OFFICER, { width: 1366, height: 768 });
  const { page } = desk;
  const line = page.getByTestId('inbox-line').first();
  await line.waitFor({ timeout: 20_000 });
  assert.equal(await line.getByTestId('line-place').innerText(), ANSWERS['地点']);
  await shot(page, '11-收件箱');
  await line.getByTestId('line-open').click();
  await page.getByTestId('thread').waitFor();
  assert.equal(await page.getByTestId('thread-reporter-phone').innerText(), ANSWERS['联系电话']);
  await shot(page, '12-事件页');
  await page.getByLabel('报送对象（上级单位）').fill('新河区应急管理局');
  await page.getByLabel('审核人').fill('王建国');
  await page.getByTestId('sign-button').click();
  await page.getByTestId('signature').first().waitFor({ timeout: 10_000 });
  await shot(page, '13-签发', page.getByTestId('sign-form'));
  // The map: the worker's report where the phone took its position, its
  // popup opened clear of the map's corner notes.
  await page.getByTestId('nav-map').click();
  await page.locator('[data-testid=map][data-points="1"]').waitFor({ timeout: 20_000 });
  await page.locator('[data-testid=map] path.kb-point').click();
  await page.getByTestId('map-popup-link').waitFor();
  await page.locator('[data-testid=map]:not([data-moving])').waitFor();
  assert.match(await page.locator('.kb-popup').innerText(), /位置（WGS-84）[\s\S]*30\.658600, 104\.064800/);
  await shot(page, '14-地图');
  assert.deepEqual(desk.violations, []);
  await desk.context.close();
});
