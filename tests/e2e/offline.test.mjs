// The offline loop: start with no network, keep drafts through reloads and
// closing, submit offline, and deliver exactly once when the signal returns.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, ANSWERS, STORED } from './helpers.mjs';

let server;
let phone;
before(async () => { server = await startServer(); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

test('(a) after one online visit the app starts from the service worker with no network', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  await page.reload();
  await home(page).newReportButton.waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('net-state').innerText(), /无网络/);
  await context.setOffline(false);
});

test('(b) a draft filled offline survives a reload and closing the app', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  await home(page).newReport();
  const f = form(page);
  await f.fill();
  await f.waitSaved();
  await page.reload();
  assert.deepEqual(await form(page).values(), ANSWERS, 'every blank as it was after a reload');
  assert.equal(await page.getByLabel('事件类别').inputValue(), STORED.category);

  // Close the app mid-way and open it again from the home screen.
  const draftUrl = page.url();
  await page.close();
  const reopened = await context.newPage();
  await reopened.goto(server.url);
  await home(reopened).items.first().waitFor();
  assert.deepEqual(await home(reopened).statuses(), ['draft']);
  await home(reopened).items.first().getByRole('link').click();
  assert.equal(reopened.url(), draftUrl);
  assert.deepEqual(await form(reopened).values(), ANSWERS, 'every blank as it was after closing');
  phone.page = reopened;
  await context.setOffline(false);
});

test('(c) submitted offline it waits; back online the server holds it exactly once', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await context.setOffline(true);
  // The draft of (b) is open: submit it with no network.
  await form(page).submit.click();
  const h = home(page);
  await h.waitForStatus('waiting');
  assert.equal(await h.outboxCount(), 1);
  assert.equal((await server.reports()).length, 0, 'nothing reached the server while offline');
  // 立即发送 with no network says so, and what happens next.
  await h.sendNow.click();
  assert.match(await page.getByTestId('send-offline').innerText(), /^现在没有网络：报告都已存在本机，一有信号就自动发送/);

  await context.setOffline(false); // fires the browser's `online` event
  await h.waitForStatus('delivered');
  assert.equal(await h.outboxCount(), 0);
  assert.equal(await page.getByTestId('send-offline').count(), 0, 'gone once online');
  const stored = await server.reports();
  assert.equal(stored.length, 1, 'exactly one report on the server');
  // Besides what was typed, the time the draft was opened: when the
  // event became known (发现/接报时间), by the phone's corrected clock.
  const { known_at: known, ...typed } = stored[0].report.answers;
  assert.match(known ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'known_at filled when the draft was opened');
  assert.deepEqual(typed, STORED, 'the same fields');
  assert.equal(stored[0].report.template_id, 'general_incident');

  // The phone shows the server's receipt: its sequence number and time.
  const status = await h.items.first().getByTestId('report-status').innerText();
  assert.match(status, /已送达/);
  assert.match(status, new RegExp(`回执号 ${stored[0].receipt.seq}`));
  assert.match(status, /值班室收到时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);

  // Coming back online again, or pressing "send now", sends nothing twice.
  await h.sendNow.click();
  await page.waitForTimeout(500);
  assert.equal((await server.reports()).length, 1);
});

test('(d) the next report starts with 报告人 and 联系电话 as typed last; deleting a filled draft asks first, away from 提交报告', { timeout: 60_000 }, async () => {
  const { page } = phone;
  const h = home(page);
  const before = await h.items.count();
  await h.newReport();
  // The second report: 报告人 and 联系电话 as typed on the first (this
  // account has no phone in its profile), editable.
  assert.equal(await page.locator('#blank-reporter').inputValue(), STORED.reporter);
  assert.equal(await page.locator('#blank-phone').inputValue(), STORED.phone);
  // 地点 offers where she reported from lately.
  assert.deepEqual(await page.locator('#recent-places option').evaluateAll((os) => os.map((o) => o.value)), [STORED.place]);
  assert.equal(await page.locator('#blank-place').getAttribute('list'), 'recent-places');
  await form(page).fill();
  await form(page).waitSaved();
  await page.goto(`${server.url}/#/`);
  await h.items.nth(before).waitFor();
  assert.equal(await h.items.count(), before + 1, 'the draft is listed');
  await h.items.filter({ hasText: '草稿' }).first().click();

  const del = page.getByRole('button', { name: '删除草稿' });
  // Well below 提交报告: a slip of the thumb reaches neither.
  const gap = (await del.boundingBox()).y - ((await form(page).submit.boundingBox()).y + (await form(page).submit.boundingBox()).height);
  assert.ok(gap >= 48, `${gap} px between 提交报告 and 删除草稿`);
  await del.click();
  assert.match(await page.getByTestId('discard').innerText(), /确定删除这份草稿吗？已填的内容和照片都会删掉，不能恢复。/);
  await page.getByRole('button', { name: '保留草稿' }).click();
  assert.equal(await page.getByRole('button', { name: '确定删除' }).count(), 0);
  assert.equal(await form(page).submit.isVisible(), true, 'still the draft');

  await del.click();
  await page.getByRole('button', { name: '确定删除' }).click();
  await h.newReportButton.waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=report-item]').length === n, before, { timeout: 10_000 });

  // The picker: what she files most first (常用), then, for a grid worker,
  // hazards before incidents.
  await h.newReportButton.click();
  await page.getByTestId('choice-frequent').first().waitFor();
  assert.deepEqual(await page.getByTestId('choice-frequent').allInnerTexts(), ['其他突发事件']);
  assert.deepEqual((await page.locator('main h3').allInnerTexts()).slice(0, 3), ['常用', '风险隐患', '突发事件']);
  await page.goto(`${server.url}/#/`);
});
