// A worker's threads on a new phone, or on one whose storage the browser
// cleared: once she logs in with signal, the phone reads her threads back
// from the server (`GET /api/threads`), and she goes on with them there —
// the 续报 she files from it joins its thread at the office.
//
// KUAIBAO_SHOTS=<dir> also writes the new phone's list at 360×640 and
// 1366×768.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { startServer, openPhone, openApp, home, form, thread, phoneRecords, noiseJpeg, ANSWERS } from './helpers.mjs';

const SHOTS = process.env.KUAIBAO_SHOTS;
const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });
before(async () => { if (SHOTS) await mkdir(SHOTS, { recursive: true }); });

test('a new phone reads back the worker\'s open thread with its receipt, and her 续报 from it joins the thread', { timeout: 120_000 }, async () => {
  const server = await startServer();
  cleanup.push(() => server.stop());
  // Her phone: a 首报, delivered.
  const old = await openPhone();
  cleanup.push(() => old.close());
  await openApp(old.page, server.url);
  await home(old.page).newReport();
  await form(old.page).fill();
  await old.page.locator('#gallery-photos').setInputFiles([{ name: 'slope.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(old.page, 320, 240) }]);
  await old.page.getByTestId('photo').first().waitFor();
  await form(old.page).waitSaved();
  await form(old.page).submit.click();
  await home(old.page).waitForCount('delivered', 1);
  const [first] = await server.reports();

  // A new phone (or the same one, its storage cleared): nothing on it
  // until she logs in; then her thread, as delivered, with its receipt.
  const fresh = await openPhone();
  cleanup.push(() => fresh.close());
  const { page } = fresh;
  await openApp(page, server.url);
  await home(page).waitForCount('delivered', 1, 30_000);
  const item = page.getByTestId('report-item').first();
  const said = await item.innerText();
  assert.match(said, new RegExp(ANSWERS['地点']), 'the place as typed');
  assert.match(said, new RegExp(`回执号 ${first.receipt.seq}`), 'the office\'s receipt number');
  const kept = await phoneRecords(page);
  assert.deepEqual(kept.map((r) => [r.id, r.status.state, r.author?.username, r.recovered]), [[first.report.id, 'delivered', server.reporter.username, true]]);
  if (SHOTS) {
    await page.screenshot({ path: path.join(SHOTS, 'recovered-360.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'recovered-1366.png') });
    await page.setViewportSize({ width: 360, height: 640 });
  }

  // She goes on with it: its photo is said to be at the office (this
  // phone never had it), and its 续报 starts from its answers and joins it.
  await item.getByRole('link').click();
  assert.equal(await page.getByTestId('photo-count').first().innerText(), '已有照片 1（在值班室，本机没有原图）');
  await page.getByRole('button', { name: '报送续报一' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.locator('#blank-place').inputValue(), ANSWERS['地点'], 'pre-filled from the 首报');
  await page.locator('#blank-progress').fill('已疏散全部群众');
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=report-item] [data-state=waiting], [data-testid=report-item] [data-state=sending]').length === 0, null, { timeout: 30_000 });
  const records = (await thread(server, first.report.id)).records;
  assert.deepEqual(records.map((r) => r.report.thread ?? null), [null, first.report.id], 'one thread at the office');
  assert.equal((await server.reports()).length, 2, 'nothing stored twice');

  // Read back once: after a reload the phone does not ask again, and
  // neither doubles nor drops anything.
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/threads') asked.push(r.url()); });
  const passed = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/requests', { timeout: 20_000 });
  await page.reload();
  await home(page).newReportButton.waitFor();
  // A whole pass ran (it ends by reading the office's requests).
  await passed;
  assert.deepEqual(asked, [], 'not asked again');
  assert.equal((await phoneRecords(page)).length, 2);
  assert.equal(await page.getByTestId('report-item').count(), 1);
});
