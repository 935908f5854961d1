// Freeing space on a full phone (issue 21, item 4): the originals of photos
// the office already holds leave the phone by the worker's choice, from the
// device panel, in two taps; the report keeps its records and thumbnails
// and says where each original went; a photo not yet delivered stays, and
// nothing is sent again.
//
// KUAIBAO_SHOTS=<dir> also writes the panel at 360×640 and 1366×768 (with
// its count, at the confirming tap, and after) and the report page after.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { startServer, openPhone, openApp, home, form, noiseJpeg, phonePhotos, fillHazard } from './helpers.mjs';

const SHOTS = process.env.KUAIBAO_SHOTS;
const PRUNED = '照片已送达值班室，原图已从本机删除以腾出空间';

let server;
let phone;
before(async () => {
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  phone = await openPhone();
});
after(async () => { await phone?.close(); await server?.stop(); });

async function attach(page, files) {
  const before = await page.getByTestId('photo').count();
  await page.locator('#gallery-photos').setInputFiles(files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=photo]').length === n, before + files.length, { timeout: 30_000 });
}

/** Files a hazard at `place` with `n` photos; back on the list after. */
async function fileHazard(page, place, n) {
  await home(page).newReport('风险隐患');
  await fillHazard(page, place);
  for (let i = 0; i < n; i++) {
    await attach(page, [{ name: `${place}-${i}.jpg`, mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 1200, 900) }]);
  }
  await form(page).waitSaved();
  await form(page).submit.click();
  await page.getByTestId('report-item').filter({ hasText: place }).waitFor();
}

/** Clicks "send now" until the report at `place` shows all its photos
 *  uploaded, sparing the test the backoff a phone would sit through. */
async function sendUntilUploaded(page, place, n, timeoutMs = 60_000) {
  const progress = page.getByTestId('report-item').filter({ hasText: place }).getByTestId('photo-progress');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await progress.innerText().catch(() => '')).endsWith(`${n}/${n}`)) return;
    await home(page).sendNow.click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(500);
  }
  throw new Error(`photos of ${place} not all uploaded within ${timeoutMs} ms`);
}

/** The panel at a phone's and a desk's size, as `name`. */
async function shots(page, name) {
  if (!SHOTS) return;
  for (const [width, height] of [[360, 640], [1366, 768]]) {
    await page.setViewportSize({ width, height });
    await page.getByTestId('prune').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, `prune-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 360, height: 640 });
}

test('delivered originals are pruned from the panel in two taps; the undelivered photo stays; nothing is sent again', { timeout: 180_000 }, async () => {
  const { page, context } = phone;
  const uploads = [];
  page.on('requestfinished', (r) => {
    const { pathname } = new URL(r.url());
    if (r.method() === 'POST' && pathname.startsWith('/api/uploads')) uploads.push(pathname);
  });
  await openApp(page, server.url);
  const panel = page.getByTestId('prune');
  await panel.getByText('本机没有已送达值班室的照片可删除。').waitFor();
  assert.equal(await panel.getByRole('button').count(), 0, 'nothing delivered: no buttons');

  // Online: filed, delivered, both photos uploaded.
  await fileHazard(page, '青石村堰塘东岸', 2);
  await home(page).waitForCount('delivered', 1);
  await sendUntilUploaded(page, '青石村堰塘东岸', 2);
  // Offline: filed, kept on the phone.
  await context.setOffline(true);
  await fileHazard(page, '青石村二组河堤', 1);
  await home(page).waitForStatus('waiting');

  const before = await phonePhotos(page);
  assert.equal(before.length, 3);
  const delivered = before.filter((p) => p.upload.state === 'done');
  const kept = before.find((p) => p.upload.state === 'waiting');
  assert.equal(delivered.length, 2);
  const total = delivered.reduce((n, p) => n + p.size, 0);

  const count = panel.getByTestId('prune-count');
  await count.filter({ hasText: '已送达的照片：2 张，约' }).waitFor();
  // Two photos: "the oldest ten" would be all of them, so one button.
  assert.equal(await panel.getByTestId('prune-oldest').count(), 0);
  const all = panel.getByRole('button', { name: '删除全部已送达的照片' });
  const box = await all.boundingBox();
  assert.ok(box.height >= 48 && box.width >= 48, `touch target ${box.width}×${box.height}`);
  await shots(page, 'count');

  // The first tap says what goes and that the office keeps them; nothing goes yet.
  await all.click();
  const warning = panel.getByTestId('prune-warning');
  assert.match(await warning.innerText(), /将从本机删除 2 张已送达照片的原图，腾出约 .+。值班室已收到并保存这些照片/);
  assert.equal((await phonePhotos(page)).filter((p) => p.isBlob).length, 3);
  await shots(page, 'confirm');
  // Cancelling leaves everything; the second tap does it.
  await panel.getByRole('button', { name: '取消' }).click();
  await all.click();
  await panel.getByRole('button', { name: '确定删除原图' }).click();
  await panel.getByTestId('prune-note').filter({ hasText: /^已删除 2 张照片的原图，腾出约 .+。$/ }).waitFor();
  await panel.getByTestId('prune-none').waitFor();
  await shots(page, 'done');

  // In IndexedDB: the delivered originals are gone, their thumbnails and
  // records stay as they were; the undelivered photo is whole.
  const afterPrune = await phonePhotos(page);
  for (const p of delivered) {
    const now = afterPrune.find((q) => q.id === p.id);
    assert.equal(now.isBlob, false, 'the original is gone');
    assert.equal(now.bytes, null);
    assert.equal(now.thumbIsBlob, true, 'the thumbnail stays');
    assert.deepEqual(now.upload, p.upload, 'still delivered');
    assert.equal(now.sha256, p.sha256);
  }
  const still = afterPrune.find((q) => q.id === kept.id);
  assert.ok(still.isBlob && still.bytes === kept.size && still.blobSha === kept.sha256, 'the undelivered photo is kept whole');
  assert.ok(total > 0);

  // The delivered report says where its originals went; the other does not.
  await page.getByTestId('report-item').filter({ hasText: '青石村堰塘东岸' }).getByRole('link').click();
  // Each thumbnail reads the phone's database on its own: wait for both.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-pruned]').length === 2, null, { timeout: 10_000 });
  assert.deepEqual(await page.getByTestId('photo-pruned').allInnerTexts(), [PRUNED, PRUNED]);
  assert.equal(await page.locator('[data-testid=photo] img').count(), 2, 'the thumbnails are still shown');
  if (SHOTS) {
    await page.getByTestId('photo-pruned').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'prune-report-360.png') });
  }
  await page.goBack();
  await page.getByTestId('report-item').filter({ hasText: '青石村二组河堤' }).getByRole('link').click();
  await page.getByTestId('photo').first().waitFor();
  assert.equal(await page.getByTestId('photo-pruned').count(), 0);
  await page.goBack();

  // Signal again: the waiting report and its photo go; the pruned photos
  // are not sent again (they are delivered).
  assert.equal(uploads.length, 2);
  await context.setOffline(false);
  await home(page).waitForCount('delivered', 2, 30_000);
  await sendUntilUploaded(page, '青石村二组河堤', 1);
  assert.equal(uploads.length, 3, `one more upload, the waiting photo's: ${uploads.join(', ')}`);
  const reports = await server.reports();
  assert.equal(reports.length, 2);
});
