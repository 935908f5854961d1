// The offline loop: start with no network, keep drafts through reloads and
// closing, submit offline, and deliver exactly once when the signal returns.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, field, phoneRecords, ANSWERS, STORED } from './helpers.mjs';

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
  // The SMS offer on the report: this server has no duty number, so the
  // worker is told to type it herself.
  await h.items.first().getByRole('link').click();
  await page.getByTestId('sms-send').waitFor();
  assert.equal(await page.getByTestId('sms-send').getAttribute('href').then((href) => href.startsWith('sms:?&body=')), true);
  assert.match(await page.getByTestId('sms-no-number').innerText(), /^本辖区未设置值班室号码：短信应用打开后，请自己填上值班室的手机号码/);
  await page.goBack();
  await h.sendNow.waitFor();

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
  // The 首报 carries the key its id was made from: the thread is shown to
  // be this phone's (the server refuses a key that did not make the id).
  assert.match(stored[0].report.thread_key ?? '', /^[0-9a-f]{32}$/, 'the first record shows its thread key');

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
  // Back to the deleted draft's page: it says what became of it.
  await page.goBack();
  assert.match(await page.getByTestId('report-gone').innerText(), /^这份报告已不在本机：草稿已删除/);
  await page.goto(`${server.url}/#/`);
  await h.newReportButton.waitFor();

  // The picker: what she files most first (常用), then, for a grid worker,
  // hazards before incidents.
  await h.newReportButton.click();
  await page.getByTestId('choice-frequent').first().waitFor();
  assert.deepEqual(await page.getByTestId('choice-frequent').allInnerTexts(), ['其他突发事件']);
  assert.deepEqual((await page.locator('main h3').allInnerTexts()).slice(0, 3), ['常用', '风险隐患', '突发事件']);
  await page.goto(`${server.url}/#/`);
});

test('(e) the phone\'s Back while typing in a blank leaves the form without an error, and keeps the text', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  const errors = [];
  const heard = (e) => errors.push(String(e));
  page.on('pageerror', heard);
  try {
    for (const [label, text] of [['地点', '青石村村委会东侧'], ['事件经过', '村道边土坎垮塌']]) {
      await home(page).newReport();
      const blank = field(page, label);
      await blank.click();
      await page.keyboard.type(text);
      const draftUrl = page.url();
      // Back with the blank still focused: it fires `change` as the page
      // goes, and the picker it came from is shown.
      await page.goBack();
      await page.getByText('选择要报告的事件或隐患').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('crash-overlay').count(), 0, `no 出错了 after Back from ${label}`);
      // The draft, opened again from the list.
      await page.goto(`${server.url}/#/`);
      await page.locator(`[data-testid=report-item] a[href="${new URL(draftUrl).hash}"]`).click();
      await page.getByTestId('save-state').waitFor();
      assert.equal(await field(page, label).inputValue(), text, `${label} kept`);
      await page.goto(`${server.url}/#/`);
      await home(page).newReportButton.waitFor({ timeout: 10_000 });
    }
    // A position that comes after the worker has left the form (GPS takes
    // seconds, or a permission prompt): it must find nothing to write to,
    // not panic.
    await page.evaluate(() => {
      navigator.geolocation.getCurrentPosition = (ok) => setTimeout(() => ok({
        coords: { latitude: 30.6586, longitude: 104.0648, accuracy: 12 }, timestamp: Date.now(),
      }), 1_500);
    });
    await home(page).newReport();
    await page.goBack();
    await page.getByText('选择要报告的事件或隐患').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(2_500);
    assert.equal(await page.getByTestId('crash-overlay').count(), 0, 'no 出错了 when the position comes late');
    assert.deepEqual(errors, [], 'no uncaught error');
  } finally {
    page.off('pageerror', heard);
    await context.setOffline(false);
  }
});

test('a draft open in a second window is edited in one only; the other waits, then goes on from what was typed', { timeout: 90_000 }, async () => {
  const other = await openPhone();
  try {
    const { page, context } = other;
    await openApp(page, server.url);
    await home(page).newReport();
    await form(page).fill();
    await form(page).waitSaved();
    const url = page.url();
    // The same draft opened in a second window (the installed app and a tab).
    const second = await context.newPage();
    await second.goto(url);
    const elsewhere = second.getByTestId('draft-elsewhere');
    await elsewhere.waitFor();
    assert.match(await elsewhere.innerText(), /已在另一个窗口中打开/);
    assert.equal(await second.getByLabel('事件经过').count(), 0, 'nothing to type over');
    // She goes on in the first, then leaves it for the list: the second
    // window opens the draft with what she typed.
    await page.getByLabel('事件经过').fill('在第一个窗口补充的内容');
    await form(page).waitSaved();
    await page.getByRole('link', { name: '返回列表' }).click();
    await second.getByLabel('事件经过').waitFor();
    assert.equal(await second.getByLabel('事件经过').inputValue(), '在第一个窗口补充的内容');
    // The second goes on and leaves; the first, on the list all the while
    // with the text it saw, opens the draft again: with what the second typed.
    await second.getByLabel('事件经过').fill('在第二个窗口补充的内容');
    await form(second).waitSaved();
    await second.getByRole('link', { name: '返回列表' }).click();
    await home(second).newReportButton.waitFor();
    await page.goto(url);
    await page.getByLabel('事件经过').waitFor();
    assert.equal(await page.getByLabel('事件经过').inputValue(), '在第二个窗口补充的内容', 'read as stored, not as this window last saw it');
  } finally {
    await other.close();
  }
});

test('a hurried double tap on 提交报告 files once, and never says it was filed in another window', { timeout: 90_000 }, async () => {
  const other = await openPhone();
  try {
    const { page, context } = other;
    // Every state the save line takes, seen as it changes.
    await context.addInitScript(() => {
      window.saveStates = [];
      new MutationObserver(() => {
        const state = document.querySelector('[data-testid=save-state]')?.dataset.state;
        if (state && window.saveStates.at(-1) !== state) window.saveStates.push(state);
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    await openApp(page, server.url);
    await home(page).newReport();
    await form(page).fill();
    await form(page).waitSaved();
    const id = decodeURIComponent(page.url().split('/').pop());
    await form(page).submit.dblclick();
    await home(page).waitForStatus('delivered', 20_000);
    const states = await page.evaluate(() => window.saveStates);
    assert.ok(states.includes('saved'), `the save line was watched: ${states.join(', ')}`);
    assert.ok(!states.includes('filed-elsewhere'), `the second tap is not another window: ${states.join(', ')}`);
    // The screen shows a write's result once it is made; read from
    // another connection, it shows once its transaction has committed.
    let mine = [];
    for (let i = 0; i < 50 && mine[0]?.status.state !== 'delivered'; i += 1) {
      if (i) await page.waitForTimeout(100);
      mine = (await phoneRecords(page)).filter((r) => r.id === id);
    }
    assert.equal(mine.length, 1);
    assert.equal(mine[0].status.state, 'delivered');
    assert.equal((await server.reports()).filter((r) => r.report.id === id).length, 1, 'stored once');
  } finally {
    await other.close();
  }
});

test('where a browser has no Web Locks, a draft submitted in one window and again in another keeps its receipt; the other window says so and keeps her text on screen', { timeout: 90_000 }, async () => {
  const other = await openPhone();
  try {
    const { page, context } = other;
    await context.addInitScript(() => { delete Navigator.prototype.locks; });
    await openApp(page, server.url);
    await home(page).newReport();
    await form(page).fill();
    await form(page).waitSaved();
    const url = page.url();
    const id = decodeURIComponent(url.split('/').pop());
    const second = await context.newPage();
    await second.goto(url);
    await form(second).submit.waitFor();
    await form(second).submit.click();
    await home(second).waitForStatus('delivered', 20_000);
    let sent;
    for (let i = 0; i < 50 && sent?.status.state !== 'delivered'; i += 1) {
      if (i) await page.waitForTimeout(100);
      sent = (await phoneRecords(page)).find((r) => r.id === id);
    }
    assert.equal(sent.status.state, 'delivered', 'written down with its receipt');
    // Back in the first window she goes on typing: not written over what
    // was sent, and she is told why.
    await page.getByLabel('事件经过').fill('在第一个窗口后来补充的内容');
    const state = page.getByTestId('save-state');
    await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.dataset.state === 'filed-elsewhere');
    assert.match(await state.innerText(), /已在另一个窗口提交.*请写续报/);
    // Her submit there files nothing over it: the receipt stays.
    await form(page).submit.click();
    await page.waitForTimeout(1_000);
    const after = (await phoneRecords(page)).find((r) => r.id === id);
    assert.deepEqual(after.status, sent.status, 'still delivered, with its receipt');
    assert.equal(await state.getAttribute('data-state'), 'filed-elsewhere');
    assert.equal(await page.getByLabel('事件经过').inputValue(), '在第一个窗口后来补充的内容', 'her text stays on screen');
    const onServer = (await server.reports()).filter((r) => r.report.id === id);
    assert.equal(onServer.length, 1);
    // Back on the list, the report shows as sent, not as a draft.
    await page.getByRole('link', { name: '返回列表' }).click();
    await home(page).waitForStatus('delivered', 10_000);
  } finally {
    await other.close();
  }
});
