// The phone keeps its history small (issue 19): a finished thread the
// office received in full more than KUAIBAO_PHONE_KEEP_DAYS ago leaves the
// phone, its receipts kept; an unfinished one stays however old. The list
// shows 30 threads at a time; 已移出本机的报告 lists the kept receipts and
// reads the worker's reports back from the server. Old receipts cannot be
// made by the real server's clock, so the phone's records are rewritten in
// IndexedDB as a phone a month and more on would hold them (a 终报 added to
// a delivered 首报's thread, receipts 40 days old). Screenshots at 360×640
// and 1366×768 go to $HISTORY_SCREENSHOTS when it is set.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, openPhone, openApp, home, form, phoneRecords, uuidv7 } from './helpers.mjs';

const SHOTS = process.env.HISTORY_SCREENSHOTS;
const OLD_THREADS = 34;

let server;
let phone;
before(async () => {
  server = await startServer({ KUAIBAO_PHONE_KEEP_DAYS: '30' });
  phone = await openPhone();
});
after(async () => { await phone?.close(); await server?.stop(); });

async function shot(page, name) {
  if (!SHOTS) return;
  for (const [w, h] of [[360, 640], [1366, 768]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: 360, height: 640 });
}

test('a finished thread received long ago leaves the phone with its receipts; the list pages; the server gives the history back', { timeout: 120_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('delivered', 1);
  const [first] = await phoneRecords(page);

  // A month and more on: the 首报 was received 40 days ago, and its 终报
  // too; 34 other threads, as old, have no 终报 yet.
  const day = 86_400_000;
  // Ids as the phone would have made them: the others 45 days ago, the
  // 终报 now (written after the 首报, as a 终报 is).
  const finalId = uuidv7();
  const otherIds = Array.from({ length: OLD_THREADS }, (_, i) => uuidv7(Date.now() - 45 * day + i * 60_000));
  await page.evaluate(async ([first, finalId, otherIds, receivedAt]) => {
    const db = await new Promise((res, rej) => { const o = indexedDB.open('kuaibao'); o.onsuccess = () => res(o.result); o.onerror = () => rej(o.error); });
    const old = (r, id, seq) => {
      r.status.receipt = { ...r.status.receipt, id, seq, received_at: receivedAt };
      return r;
    };
    const tx = db.transaction('reports', 'readwrite');
    const store = tx.objectStore('reports');
    store.put(old(structuredClone(first), first.id, first.status.receipt.seq));
    const final = structuredClone(first);
    final.id = finalId;
    final.thread = first.id;
    final.stage = { kind: 'final' };
    final.answers = { ...final.answers, outcome: '已处置完毕', next_steps: '持续观察' };
    store.put(old(final, final.id, 9001));
    otherIds.forEach((id, i) => {
      const c = structuredClone(first);
      c.id = id;
      c.answers.place = `青石村${(i % 9) + 1}组 第 ${i} 处`;
      store.put(old(c, c.id, 9100 + i));
    });
    await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
  }, [first, finalId, otherIds, new Date(Date.now() - 40 * day).toISOString()]);
  await page.reload();

  // Settled a moment after the list is shown: the finished thread's two
  // records leave, the 34 unfinished stay; 30 on the first page.
  await page.getByTestId('archived-note').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('archived-note').innerText(), /^2 份已完结的报告已移出本机，回执已保留/);
  assert.equal(await home(page).items.count(), 30);
  const more = page.getByTestId('list-more');
  assert.match(await more.innerText(), /显示更早的报告，还有 4$/);
  const records = await phoneRecords(page);
  assert.equal(records.length, OLD_THREADS, 'the finished thread left, the unfinished ones stayed');
  assert.ok(!records.some((r) => r.id === first.id || r.thread === first.id));
  const receipts = await phoneRecords(page, 'receipts');
  assert.deepEqual(receipts.map((r) => r.id).sort(), [first.id, receipts.find((r) => r.thread === first.id)?.id].sort());
  assert.ok(receipts.every((r) => r.receipt.seq && r.receipt.received_at && r.template_id === first.template_id));
  assert.equal(receipts.find((r) => r.id === first.id).place, first.answers.place, 'the place as typed is kept');
  await more.scrollIntoViewIfNeeded();
  await shot(page, 'history-list-end');
  await more.click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=report-item]').length === n, OLD_THREADS);
  assert.equal(await more.count(), 0, 'nothing hidden any more');

  // The kept receipts, written last first, with the server's receipt numbers.
  await page.getByTestId('open-archive').click();
  await page.getByTestId('archived-item').nth(1).waitFor();
  const items = await page.getByTestId('archived-item').allInnerTexts();
  assert.equal(items.length, 2);
  assert.match(items[0], /终报/);
  assert.match(items[0], /回执号 9001/);
  assert.match(items[1], new RegExp(`首报[\\s\\S]*回执号 ${first.status.receipt.seq}`));
  await shot(page, 'history-archive');

  // Offline, the server's list cannot be read: said so, nothing lost.
  await context.setOffline(true);
  await page.getByTestId('from-server').click();
  await page.getByTestId('from-server-note').filter({ hasText: '没有网络' }).waitFor();
  await context.setOffline(false);
  await page.waitForFunction(() => navigator.onLine);
  // Online: the worker's own reports as the office holds them, with the
  // same receipt numbers.
  await page.getByTestId('from-server').click();
  await page.getByTestId('from-server-note').filter({ hasText: '已全部加载' }).waitFor();
  const fromServer = await page.getByTestId('server-item').evaluateAll((els) => els.map((e) => [e.dataset.id, e.innerText]));
  assert.deepEqual(fromServer.map(([id]) => id), [first.id], 'the server holds what the app sent');
  assert.match(fromServer[0][1], new RegExp(`回执号 ${first.status.receipt.seq}`));
  assert.equal(await page.getByTestId('from-server').count(), 0, 'no more pages');
  await shot(page, 'history-from-server');
});
