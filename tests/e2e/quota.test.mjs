// A full phone loses nothing (issue 21): when IndexedDB refuses writes
// with QuotaExceededError, typing goes on, the draft's text stays on
// screen, the worker is told in Chinese what to do, and the edit is written
// by itself once there is room again — nothing already stored is touched.
// The refusal is the browser's own error, raised by a shim on the store's
// writes: Chromium 156 applies the DevTools quota override
// (Storage.overrideQuotaForOrigin) only to a database made after it, not
// to the app's, which exists from the first start (tried).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, field, phoneRecords, fillHazard, noiseJpeg, ANSWERS } from './helpers.mjs';

let server;
let phone;
before(async () => {
  server = await startServer();
  phone = await openPhone();
  // While `__full` is set, every write to IndexedDB fails as on a full
  // phone.
  await phone.context.addInitScript(() => {
    for (const name of ['put', 'add']) {
      const original = IDBObjectStore.prototype[name];
      IDBObjectStore.prototype[name] = function (...args) {
        if (globalThis.__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return original.apply(this, args);
      };
    }
  });
});
after(async () => { await phone?.close(); await server?.stop(); });

test('a draft typed on a full phone stays on screen, is explained in Chinese, and is saved once there is room', { timeout: 90_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  const [saved] = await phoneRecords(page);

  await page.evaluate(() => { globalThis.__full = true; });
  const place = field(page, '地点');
  await place.fill('青石村三组后山 手机存储已满时补充的位置');
  const note = page.locator('[data-testid=save-state][data-state=failed]');
  await note.waitFor({ timeout: 10_000 });
  assert.match(await note.innerText(), /手机存储空间不足/);
  assert.equal(await place.inputValue(), '青石村三组后山 手机存储已满时补充的位置', 'the text stays on screen');
  // Nothing already stored was touched.
  assert.deepEqual(await phoneRecords(page), [saved]);

  // Room again: the edit goes in by itself, no keystroke needed.
  await page.evaluate(() => { globalThis.__full = false; });
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 10_000 });
  const [after] = await phoneRecords(page);
  assert.equal(after.answers.place, '青石村三组后山 手机存储已满时补充的位置');
  // The draft reopens where it was (its route is in the address).
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await field(page, '地点').inputValue(), '青石村三组后山 手机存储已满时补充的位置', 'kept across a reload');
});

test('a new report tapped on a full phone says why nothing opened, and opens once there is room', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  const before = (await phoneRecords(page)).length;
  await home(page).newReportButton.click();
  const choice = page.locator('[data-testid=choice]').first();
  await choice.waitFor();
  await page.evaluate(() => { globalThis.__full = true; });
  try {
    await choice.click();
    const alert = page.getByTestId('save-failed');
    await alert.waitFor({ timeout: 10_000 });
    assert.match(await alert.innerText(), /^保存失败：本机存储出错：手机存储空间不足。请回到首页/);
    assert.equal((await phoneRecords(page)).length, before, 'nothing half made');
  } finally {
    await page.evaluate(() => { globalThis.__full = false; });
  }
  await choice.click();
  await form(page).submit.waitFor();
  assert.equal((await phoneRecords(page)).length, before + 1);
});

test('a report waiting on a full phone still goes when the signal comes: the office gets it though the phone cannot write that it went', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  const before = (await server.reports()).length;
  // Filed with no signal, while there was room.
  await context.setOffline(true);
  await home(page).newReport();
  await form(page).fill({ ...ANSWERS, 地点: '青石村三组 存储已满时送出的报告' });
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('waiting', 1);
  // The phone fills up; then the signal returns.
  await page.evaluate(() => { globalThis.__full = true; });
  try {
    await context.setOffline(false);
    for (let i = 0; (await server.reports()).length === before; i += 1) {
      assert.ok(i < 100, 'the report reaches the office from a full phone');
      await page.waitForTimeout(200);
    }
    const stored = (await server.reports()).filter((r) => r.report.answers.place === '青石村三组 存储已满时送出的报告');
    assert.equal(stored.length, 1, 'once');
  } finally {
    await page.evaluate(() => { globalThis.__full = false; });
  }
  // Room again: the phone records its receipt, and nothing is sent twice.
  await home(page).sendNow.click();
  await home(page).waitForCount('waiting', 0);
  assert.equal((await server.reports()).filter((r) => r.report.answers.place === '青石村三组 存储已满时送出的报告').length, 1);
});

test('an edit a full phone could not write is not lost when the worker goes on in another draft', { timeout: 90_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  // A draft X, saved.
  await home(page).newReport();
  await form(page).fill({ 地点: '青石村三组 草稿甲' });
  await form(page).waitSaved();
  const draftX = new URL(page.url()).hash;
  // The phone is full: X's next edit fails, and the worker goes back.
  await page.evaluate(() => { globalThis.__full = true; });
  await field(page, '地点').fill('青石村三组 草稿甲 补充的内容');
  await page.locator('[data-testid=save-state][data-state=failed]').waitFor({ timeout: 10_000 });
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).newReportButton.waitFor();
  // Room again, and she types in another draft at once.
  await page.evaluate(() => { globalThis.__full = false; });
  await home(page).newReport();
  await field(page, '地点').fill('青石村三组 草稿乙');
  await form(page).waitSaved();
  // Both are on the phone.
  await page.goto(`${server.url}/${draftX}`);
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await field(page, '地点').inputValue(), '青石村三组 草稿甲 补充的内容', 'X keeps what was typed on the full phone');
});

test('a photo waiting on a full phone still goes up, though the phone cannot write how far it got', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  // A hazard with its photo, filed with no signal while there was room.
  await context.setOffline(true);
  await home(page).newReport('风险隐患');
  await fillHazard(page, '青石村堰塘 存储已满时送出的照片');
  await page.locator('#gallery-photos').setInputFiles({ name: 'IMG_0042.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 640, 480) });
  await page.getByTestId('photo').first().waitFor({ timeout: 20_000 });
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  await page.evaluate(() => { globalThis.__full = true; });
  try {
    await context.setOffline(false);
    let hazard;
    for (let i = 0; !hazard; i += 1) {
      assert.ok(i < 100, 'the hazard reaches the office');
      await page.waitForTimeout(200);
      hazard = (await server.reports()).find((r) => r.report.answers.place === '青石村堰塘 存储已满时送出的照片');
    }
    for (let i = 0; ; i += 1) {
      const photos = await (await server.fetch(`/api/reports/${hazard.report.id}/photos`)).json();
      if (photos.arrived === 1) break;
      assert.ok(i < 150, `its photo arrives from a full phone: ${JSON.stringify(photos)}`);
      await page.waitForTimeout(200);
    }
  } finally {
    await page.evaluate(() => { globalThis.__full = false; });
  }
});
