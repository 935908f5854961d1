// Sync that cannot lose or double: a lost answer means a replay, and the
// server answers it with the first receipt; a refused report stays on the
// phone, marked, and can be fixed and sent again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, thread, phoneRecords, STORED } from './helpers.mjs';

let server;
let phone;
before(async () => { server = await startServer(); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

/** Changes the phone's one draft as stored in IndexedDB: what no worker
 *  can type, standing for what outdated rules or an older version made. */
function editDraft(page, changes) {
  return page.evaluate((changes) => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const store = open.result.transaction('reports', 'readwrite').objectStore('reports');
      const all = store.getAll();
      all.onsuccess = () => {
        const put = store.put({ ...all.result.find((r) => r.status.state === 'draft'), ...changes });
        put.onsuccess = () => resolve();
        put.onerror = () => reject(put.error);
      };
    };
  }), changes);
}

/** Deletes the open draft, as a worker throws one away. */
async function discardDraft(page) {
  await page.getByRole('button', { name: '删除草稿' }).click();
  await page.getByRole('button', { name: '确定删除' }).click();
  await home(page).newReportButton.waitFor();
}

/** Submits the open draft, which the blank `id` has wrong: its error is
 *  said, the blank takes the focus, `input` is described by the error,
 *  and nothing reaches the server. */
async function refusedAtBlank(page, id, input) {
  const before = (await server.reports()).length;
  await form(page).waitSaved();
  await form(page).submit.click();
  await page.locator(`#error-${id}`).filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), `blank-${id}`, `the blank ${id} has the focus`);
  assert.equal(await input.getAttribute('aria-describedby'), `error-${id}`);
  assert.equal((await server.reports()).length, before, 'nothing sent');
}

async function newFilledReport(page) {
  await home(page).newReport();
  const f = form(page);
  await f.fill();
  await f.waitSaved();
  return f;
}

test('(d) the same submission sent twice is stored once and answered with the same receipt', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  // The first upload reaches the server, but its answer is lost on the way
  // back, as on a link that drops: the phone must send it again. The phone
  // then loses signal, so the retry waits for the test, not for the timer.
  let posts = 0;
  let firstReceipt;
  await page.route('**/api/reports', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts += 1;
    if (posts === 1) {
      const response = await route.fetch();
      assert.equal(response.status(), 201);
      firstReceipt = await response.json();
      await context.setOffline(true);
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  const f = await newFilledReport(page);
  await f.submit.click();
  const h = home(page);
  const failed = page.locator('[data-testid=report-item]', { hasText: '上次发送失败' });
  // If it does not come, what the phone showed instead (it timed out once
  // in a full run, after another file; never alone).
  await failed.waitFor().catch(async (e) => {
    const items = await page.getByTestId('report-item').allInnerTexts().catch(() => []);
    const held = await phoneRecords(page).catch(() => []);
    throw new Error(`${e.message}\nposts: ${posts}; items: ${JSON.stringify(items)}; records: ${held.map((r) => r.status.state).join(', ')}`);
  });
  // In the worker's words, saying what happens next; never the browser's.
  assert.match(await failed.innerText(), /连不上值班室服务器（没有信号或网络不稳），报告已存在本机/);
  assert.doesNotMatch(await failed.innerText(), /TypeError|Failed to fetch|net::/);
  assert.equal(await h.outboxCount(), 1, 'still waiting on the phone');
  assert.equal((await server.reports()).length, 1, 'but already stored on the server');

  await context.setOffline(false);
  await h.waitForCount('delivered', 1);
  assert.ok(posts >= 2, 'sent again after the lost answer');

  const stored = await server.reports();
  assert.equal(stored.length, 1, 'stored once');
  // Lists carry receipts without the seal the submit's answer adds.
  const { seal, ...unsealed } = firstReceipt;
  assert.ok(seal, 'the answer is sealed');
  assert.deepEqual(stored[0].receipt, unsealed, 'the replay got the first receipt');
  const local = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('reports').objectStore('reports').getAll();
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    };
  }));
  assert.equal(local.length, 1);
  assert.deepEqual(local[0].status.receipt, firstReceipt, 'the phone keeps the first receipt');
  await page.unroute('**/api/reports');
});

test('(e) a report the server refuses stays on the phone, marked with the reason, and can be fixed and resent', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  const before = (await server.reports()).length;
  // The real server judges the report: give it one it must refuse (a phone
  // number it cannot accept), as if the phone's rules were out of date.
  await page.route('**/api/reports', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.answers.phone = '12';
    return route.continue({ postData: JSON.stringify(body) });
  });
  const f = await newFilledReport(page);
  await f.submit.click();
  const h = home(page);
  await h.waitForStatus('rejected');
  assert.equal((await server.reports()).length, before, 'nothing stored');
  await page.unroute('**/api/reports');

  // Open it: the reason is shown, at the blank the server named.
  await page.locator('[data-testid=report-item]:has([data-state=rejected]) a').click();
  await page.getByRole('button', { name: '修改后重新提交' }).waitFor();
  const status = await page.getByTestId('report-status').first().innerText();
  assert.match(status, /被退回/);
  // The server's own sentence for the blank, not its summary or a status.
  assert.match(status, /联系电话/);
  assert.doesNotMatch(status, /unacceptable|HTTP/);
  // And said to a screen reader from a region the page's redraws keep.
  assert.equal(await page.getByTestId('status-said').textContent(), '被退回');
  assert.match(await page.locator('#error-phone').innerText(), /联系电话/);

  // Fix and resend: a new draft with every answer kept.
  await page.getByRole('button', { name: '修改后重新提交' }).click();
  await form(page).submit.waitFor();
  assert.equal(await page.getByLabel('联系电话').inputValue(), STORED.phone);
  await page.getByLabel('联系电话').fill('028-8765 4321');
  await form(page).waitSaved();
  await form(page).submit.click();
  await h.waitForCount('delivered', before + 1);
  const stored = await server.reports();
  assert.equal(stored.length, before + 1);
  assert.equal(stored.at(-1).report.answers.phone, '028-8765 4321');
  assert.equal(await page.locator('[data-testid=report-status][data-state=rejected]').count(), 0, 'the rejected copy became the resent report');
});

test('one refused report does not hold back the next', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  const before = (await server.reports()).length;
  await context.setOffline(true);
  await (await newFilledReport(page)).submit.click();
  await (await newFilledReport(page)).submit.click();
  assert.equal(await home(page).outboxCount(), 2);
  // The older of the two is refused; the newer must still arrive.
  let first = true;
  await page.route('**/api/reports', async (route) => {
    const body = JSON.parse(route.request().postData());
    if (first) { first = false; body.answers.dead = '-1'; }
    return route.continue({ postData: JSON.stringify(body) });
  });
  await context.setOffline(false);
  await home(page).waitForCount('rejected', 1);
  await home(page).waitForCount('delivered', before + 1);
  await home(page).waitForCount('waiting', 0);
  assert.equal((await server.reports()).length, before + 1);
  await page.unroute('**/api/reports');
});

test('a report the server asks to wait with (429: its account\'s day of storage is spent) stays on the phone, says so in the worker\'s words, and goes once allowed', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  const h = home(page);
  const delivered = await page.locator('[data-testid=report-item] [data-testid=report-status][data-state=delivered]').count();
  // The server's own answer over its daily quota (tests/api/security.rs
  // sends real ones): a quota cannot be spent from a test and stay spent,
  // it refills by the second.
  const refusal = {
    error: 'rate_limited',
    message: '本账号今天存入的报告和照片已超过每日上限（2048 MiB），本条未存入，约 2 小时后才能存入；手机上的报告会保留并自动再发。如有急情，请直接电话报告值班室。 / this account has stored more than its 2048 MiB a day of records and photos; nothing was stored; send it again in 5400 s',
  };
  let refused = 0;
  await page.route('**/api/reports', (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    refused += 1;
    return route.fulfill({ status: 429, headers: { 'Retry-After': '5400' }, contentType: 'application/json', body: JSON.stringify(refusal) });
  });
  const f = await newFilledReport(page);
  await f.submit.click();
  const waiting = page.locator('[data-testid=report-item]', { hasText: '本账号发送过多' });
  await waiting.waitFor({ timeout: 20_000 });
  assert.match(await waiting.innerText(), /本账号发送过多，服务器要求稍后再发；报告已存在本机。如有急情，请直接电话报告值班室/);
  assert.equal(await h.outboxCount(), 1, 'kept on the phone');
  // The wait asked is kept: no second try on the backoff's first steps
  // (1 to 2 s, then 2 to 4 s), only within the hour.
  await page.waitForTimeout(6_500);
  assert.equal(refused, 1, 'tried again before the wait the server asked');
  // Allowed again: sent at the worker's tap, stored once.
  await page.unroute('**/api/reports');
  await h.sendNow.click();
  await h.waitForCount('delivered', delivered + 1);
});

test('an error no blank can show (a record out of step with its thread, as outdated rules could make) is listed in words, not "see the red blanks"', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  const before = (await server.reports()).length;
  await newFilledReport(page);
  const draftUrl = page.url();
  // The draft as stored, made to name another thread.
  await editDraft(page, { thread: '01900000-0000-7000-8000-000000000001' });
  await page.reload();
  await page.goto(draftUrl);
  await form(page).submit.click();
  const list = page.getByTestId('errors-elsewhere');
  await list.waitFor();
  assert.equal(await list.innerText(), '首报不能属于其他事件');
  assert.equal(await page.getByText('请看标红的空格').count(), 0, 'no red blank to look for');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'errors-elsewhere', 'brought into view');
  assert.equal((await server.reports()).length, before, 'nothing sent');
  // Thrown away, as a worker would.
  await discardDraft(page);
});

test('a report whose template this version lacks says what to do, not its template\'s id', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await newFilledReport(page);
  const draftUrl = page.url();
  await editDraft(page, { template_version: 999 });
  await page.reload();
  await page.goto(draftUrl);
  const said = page.locator('p.error[role=alert]');
  await said.waitFor();
  assert.match(await said.innerText(), /^这份报告所用的模板，这一版快报里没有：请关闭快报重新打开/);
  assert.doesNotMatch(await said.innerText(), /v999|general/);
});

test('a failed submit brings the worker to a GPS blank at fault, described by its error', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await newFilledReport(page);
  // Half a position: a latitude with no longitude.
  await page.locator('[id="blank-gps.lon"]').fill('');
  await refusedAtBlank(page, 'gps', page.locator('[id="blank-gps.lat"]'));
  await discardDraft(page);
});

test('a failed submit brings the worker to a multiple-choice blank left empty, its boxes described by its error', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  // 气象灾害: the kinds (rain, wind, hail…) are a group of boxes; every
  // other blank a 初报 needs is filled.
  await home(page).newReport('气象灾害');
  const beijing = new Date(Date.now() - 20 * 60_000 + 8 * 3600_000).toISOString().slice(0, 16);
  await page.locator('#blank-occurred_at').fill(beijing);
  await page.locator('#blank-place').fill('青石村三组');
  await page.locator('#blank-what_happened').fill('暴雨伴大风，三组有房屋进水');
  await page.locator('#blank-phone').fill('13800001234');
  const boxes = page.locator('#blank-kinds input[type=checkbox]');
  await refusedAtBlank(page, 'kinds', boxes.first());
  assert.ok(await boxes.count() > 1);
  // One box ticked: the error goes.
  await boxes.first().check();
  await page.waitForFunction(() => document.getElementById('error-kinds').innerText.trim() === '');
  await discardDraft(page);
});

test('a try that fails while the report\'s page is open redraws its status line, not the page: the button in focus keeps it', { timeout: 60_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  const f = await newFilledReport(page);
  await f.submit.click();
  await home(page).newReportButton.waitFor();
  await page.getByTestId('report-item').first().getByRole('link').first().click();
  const next = page.locator('.actions.next button').first();
  await next.waitFor();
  await next.focus();
  const label = await next.innerText();
  // Signal again, but the sends are cut: the report goes to sending and
  // back to waiting, with a note.
  await page.route('**/api/reports', (route) => route.abort('connectionreset'));
  await context.setOffline(false);
  await page.getByTestId('report-status').first().filter({ hasText: '上次发送失败' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), label, 'the focus stays on its button');
  await page.unroute('**/api/reports');
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).waitForCount('waiting', 0);
});

test('a 首报 refused because the server holds its id with other content is fixed under a new id; its 续报 waits for the fix, says so, and joins it there', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  const h = home(page);
  const before = (await server.reports()).length;
  // Offline, a 首报 and its 续报, both waiting.
  await context.setOffline(true);
  const f = await newFilledReport(page);
  await f.submit.click();
  await h.newReportButton.waitFor();
  await page.getByTestId('report-item').first().getByRole('link').click();
  await page.getByRole('button', { name: '报送续报一' }).click();
  await page.getByTestId('save-state').waitFor();
  await page.locator('#blank-progress').fill('已搜救出 2 名被困群众');
  await form(page).waitSaved();
  await form(page).submit.click();
  await h.newReportButton.waitFor();
  // The server comes to hold the 首报's id with other content just before
  // the phone's copy arrives (ids are the phone's; a corrupted or hostile
  // copy can take one), so it answers the phone 409.
  let firstId;
  await page.route('**/api/reports', async (route) => {
    const body = JSON.parse(route.request().postData());
    if (firstId === undefined && body.thread == null) {
      firstId = body.id;
      const other = await route.fetch({ postData: JSON.stringify({ ...body, answers: { ...body.answers, place: '另一处' } }) });
      assert.equal(other.status(), 201);
    }
    return route.continue();
  });
  await context.setOffline(false);
  await h.sendNow.click();
  const states = async () => (await phoneRecords(page)).map((r) => `${r.id === firstId ? '首报' : r.thread ? '续报' : r.id}: ${r.status.state}`).join('; ');
  for (let i = 0; !(await phoneRecords(page)).some((r) => r.id === firstId && r.status.state === 'rejected'); i += 1) {
    assert.ok(i < 60, `the 首报 refused within 30 s (${await states()})`);
    await page.waitForTimeout(500);
  }
  await page.unroute('**/api/reports');
  // The 续报 was not sent, and says what it waits for and what to do.
  await page.getByTestId('report-item').first().getByRole('link').click();
  const followUp = page.getByTestId('chain-item').filter({ hasText: '续报一' });
  await followUp.locator('[data-state=waiting]').filter({ hasText: /等首报：请把被退回的首报改好并提交，本条随后自动发送/ }).waitFor()
    .catch(async (e) => { throw new Error(`${e.message}\nthe phone held: ${await states()}; the page: ${page.url()}: ${(await page.locator('main').innerText()).slice(0, 600)}`); });
  assert.equal((await server.reports()).length, before + 1, 'only the other content under the id');
  // Fixed, the 首报 goes under a new id, and its 续报 with it.
  await page.getByTestId('chain-item').first().getByRole('link').click();
  await page.getByRole('button', { name: '修改后重新提交' }).click();
  await form(page).submit.waitFor();
  const fixId = decodeURIComponent(page.url().split('/').pop());
  assert.notEqual(fixId, firstId, 'a new id');
  // Held while the fix is a draft: it goes after it, not before, however
  // often the phone tries (the signal coming back starts a pass, which
  // ends by reading the office's requests). Nor may the fix be thrown away
  // while records wait for it.
  assert.equal(await page.getByTestId('discard').isVisible(), false, 'no 删除草稿 on a fix others follow');
  const passed = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/requests', { timeout: 20_000 });
  await context.setOffline(true);
  await context.setOffline(false);
  await passed;
  assert.equal((await server.reports()).length, before + 1, 'the 续报 waits for the fix to be submitted');
  const held = (await phoneRecords(page)).find((r) => r.thread === fixId);
  assert.equal(held?.status.state, 'waiting', 'taken along by the fix');
  await form(page).submit.click();
  await h.newReportButton.waitFor();
  // Both reach the office, one thread under the fix's id.
  let records = [];
  for (let i = 0; i < 60 && records.length < 2; i += 1) {
    records = (await thread(server, fixId).catch(() => ({ records: [] }))).records;
    if (records.length < 2) await page.waitForTimeout(500);
  }
  assert.equal(records.length, 2, 'the fix and its 续报, one thread');
  assert.deepEqual(records.map((r) => r.report.thread ?? null), [null, fixId]);
  assert.equal((await server.reports()).length, before + 3);
});
