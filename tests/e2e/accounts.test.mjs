// Accounts on the phone: log in once with signal, then work offline for
// days; a login that runs out or is revoked never loses or refuses a
// report, it only waits for the next login; the phone's clock is measured
// against the server's and every record carries the offset.

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, login, home, form, phoneRecords, noiseJpeg, fillHazard, shiftClock, REPORTER, closeAll } from './helpers.mjs';

const cleanup = [];
// Each test's servers and browsers close when it ends: left open to the
// file's end, each test ran beside every earlier test's phone still
// syncing, on a 2-core CI machine.
afterEach(() => closeAll(cleanup));

async function setUp(extraEnv = {}) {
  const server = await startServer(extraEnv);
  cleanup.push(() => server.stop());
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  return { server, phone };
}

/** The phone's worker logs out, and the next worker of the grid (made
 *  now, 王五) logs in on the same phone. */
async function nextWorkerLogsIn(page, server) {
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('button', { name: '确定退出' }).click();
  await login(page).form.waitFor();
  const next = { username: 'wangwu', password: 'qingshi-2027', name: '王五' };
  await server.adminInput(`${next.password}\n`, 'user', 'add', next.username, '--role', 'reporter', '--area', 'xh-cg-qs-3', '--name', next.name);
  await login(page).as(next);
}

async function fileReport(page) {
  await home(page).newReport();
  const f = form(page);
  await f.fill();
  await f.waitSaved();
  await f.submit.click();
  await home(page).outboxCount();
}

/** Waits for the login prompt (expired or refused) on the start screen. */
async function prompt(page, timeout = 20_000) {
  const p = page.getByTestId('session-prompt');
  await p.waitFor({ timeout });
  return p;
}

test('log in once, then work offline: the app opens straight to work, and a report filed offline is delivered once back online', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page, context } = phone;
  await page.goto(server.url);
  const l = login(page);
  await l.form.waitFor();
  assert.equal(await home(page).newReportButton.count(), 0, 'no work before the first login');
  // One-handed at 360×640: every target is at least 48 px high and on screen.
  for (const target of [l.username, l.password, l.submit]) {
    const box = await target.boundingBox();
    assert.ok(box.height >= 48, `${await target.evaluate((e) => e.id || e.textContent)}: ${box.height} px`);
    assert.ok(box.x >= 0 && box.x + box.width <= 360, 'fits the width');
  }
  await l.as(REPORTER);
  await home(page).newReportButton.waitFor();
  assert.match(await page.getByTestId('account-who').innerText(), /李秀英.*信息员.*青石村三组/);
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

  // From here on, no signal at all.
  await context.setOffline(true);
  await page.reload();
  await home(page).newReportButton.waitFor({ timeout: 10_000 });
  assert.equal(await l.form.count(), 0, 'no login asked for offline');
  await fileReport(page);
  await home(page).waitForStatus('waiting');
  assert.equal(await home(page).outboxCount(), 1);
  assert.equal(await page.getByTestId('session-prompt').count(), 0, 'the login is still good');
  assert.equal((await server.reports()).length, 0);

  await context.setOffline(false);
  await home(page).waitForStatus('delivered');
  const stored = await server.reports();
  assert.equal(stored.length, 1, 'exactly once');
  const [local] = await phoneRecords(page);
  assert.equal(stored[0].report.id, local.id);
});

test('a wrong password shows at the password field; a blank username at the username field; no signal says so', { timeout: 60_000 }, async () => {
  const { server, phone } = await setUp();
  const { page, context } = phone;
  await page.goto(server.url);
  const l = login(page);
  await l.form.waitFor();

  // Checked on the phone before anything is sent.
  let posts = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/session') && r.method() === 'POST') posts += 1; });
  await l.password.fill('whatever-1');
  await l.submit.click();
  await l.usernameError.filter({ hasText: '请填写用户名' }).waitFor();
  assert.equal(await l.username.getAttribute('aria-invalid'), 'true');
  assert.equal(posts, 0, 'nothing sent for a form with a blank username');

  await l.as(REPORTER, 'not-the-password');
  await l.passwordError.filter({ hasText: '用户名或密码不正确' }).waitFor();
  assert.equal(posts, 1);
  assert.equal(await l.password.getAttribute('aria-invalid'), 'true');
  assert.equal(await l.usernameError.innerText(), '', 'the username is not blamed');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password', 'the field to fix has the focus');

  // In English too.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByLabel('Password').waitFor();
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await l.passwordError.filter({ hasText: 'Wrong username or password' }).waitFor();
  await page.getByRole('button', { name: '中文' }).click();

  await context.setOffline(true);
  await l.as(REPORTER);
  await l.general.filter({ hasText: '登录需要网络' }).waitFor();
  await context.setOffline(false);
  await l.as(REPORTER);
  await home(page).newReportButton.waitFor();
});

test('an expired login: the report stays queued, the prompt asks for a login, and after it the report arrives exactly once', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp({ KUAIBAO_SESSION_SECS: '4' });
  const { page } = phone;
  await openApp(page, server.url);
  const p = await prompt(page, 15_000);
  assert.match(await p.innerText(), /登录已过期/);

  // Work goes on: a report filed now waits, and nothing is sent.
  let posts = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/reports') && r.method() === 'POST') posts += 1; });
  await fileReport(page);
  await home(page).waitForStatus('waiting');
  await home(page).sendNow.click();
  await page.waitForTimeout(1_000);
  assert.equal(posts, 0, 'nothing sent with an expired login');
  assert.equal((await server.reports()).length, 0);
  assert.match(await page.getByTestId('session-prompt-text').innerText(), /登录已过期，1 条记录已保存，登录后自动发送/);
  const [local] = await phoneRecords(page);
  assert.equal(local.status.state, 'waiting');

  // Log in from the prompt: the username is already there.
  const l = login(page);
  assert.equal(await l.username.inputValue(), REPORTER.username);
  await l.password.fill(REPORTER.password);
  await l.submit.click();
  await home(page).waitForStatus('delivered', 10_000);
  const stored = await server.reports();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].report.id, local.id);
  assert.equal(posts, 1, 'sent once');
});

test('a revoked login: the server answers 401, the report stays queued with its photo, and after a login both arrive', { timeout: 120_000 }, async () => {
  const { server, phone } = await setUp();
  const { page } = phone;
  await openApp(page, server.url);
  await fileReport(page);
  await home(page).waitForCount('delivered', 1);

  await server.admin('user', 'revoke', REPORTER.username);
  // The server keeps a session it read for 2 s (auth::cache::WINDOW): one
  // ended by another process, as this command is, is refused after that.
  await new Promise((r) => setTimeout(r, 2_500));
  const answers = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname === '/api/reports' && r.request().method() === 'POST') answers.push(r.status()); });
  // A hazard with its photo, filed after the revocation.
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  const jpeg = await noiseJpeg(page, 800, 600);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'IMG_0100.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
  await page.getByTestId('photo').first().waitFor({ timeout: 30_000 });
  await form(page).waitSaved();
  await form(page).submit.click();

  const p = await prompt(page);
  assert.match(await p.innerText(), /登录已失效，1 条记录已保存/);
  assert.deepEqual(answers, [401]);
  await home(page).waitForCount('waiting', 1);
  await home(page).waitForCount('rejected', 0);
  const item = page.locator('[data-testid=report-item]:has([data-state=waiting])');
  assert.match(await item.innerText(), /重新登录后自动发送/);
  assert.equal((await server.reports()).length, 1);

  await login(page).as(REPORTER);
  await home(page).waitForCount('delivered', 2);
  await page.getByTestId('photo-progress').filter({ hasText: '1/1' }).waitFor({ timeout: 30_000 });
  const stored = await server.reports();
  assert.equal(stored.length, 2);
  const hazard = stored.find((s) => s.report.template_id === 'hazard');
  assert.deepEqual(hazard.photos, { expected: 1, arrived: 1 });
  assert.deepEqual(answers, [401, 201], 'sent once more, after the login');
  assert.equal(await page.getByTestId('session-prompt').count(), 0);
});

test('a disabled account: the login says so and to phone the duty office, the report stays queued; enabled again, it arrives', { timeout: 120_000 }, async () => {
  const { server, phone } = await setUp();
  const { page } = phone;
  await openApp(page, server.url);
  await server.admin('user', 'disable', REPORTER.username);
  // The server keeps a session it read for 2 s (auth::cache::WINDOW).
  await new Promise((r) => setTimeout(r, 2_500));
  await fileReport(page);
  await prompt(page);
  await home(page).waitForCount('waiting', 1);

  // Her right password: not "wrong", but what to do instead of retyping.
  const l = login(page);
  await l.as(REPORTER);
  await l.general.filter({ hasText: '此账号已停用' }).waitFor();
  assert.match(await l.general.innerText(), /本机未送达的报告仍保存在手机上；急事请直接打电话向值班室报告，并联系管理员/);
  assert.equal(await l.passwordError.innerText(), '', 'the password is not blamed');
  if (process.env.KUAIBAO_SHOTS) {
    await page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/login-disabled-360.png`, fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/login-disabled-1366.png` });
    await page.setViewportSize({ width: 360, height: 640 });
  }
  assert.equal((await server.reports()).length, 0);

  await server.admin('user', 'enable', REPORTER.username);
  await l.as(REPORTER);
  await home(page).waitForCount('delivered', 1);
  assert.equal((await server.reports()).length, 1, 'once');
});

test('logging out keeps queued reports and drafts; they go after the next login', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  await fileReport(page);
  await home(page).newReport();
  await form(page).fill({ 地点: '村口石桥' });
  await form(page).waitSaved();
  await page.getByRole('link', { name: '返回列表' }).click();
  // Back online, but the report is held back at the network (before the
  // online event can send it), so it is still queued at log-out.
  await page.route('**/api/reports', (route) => route.abort('internetdisconnected'));
  await context.setOffline(false);
  await page.locator('[data-testid=report-item]', { hasText: '上次发送失败' }).waitFor();

  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByText('已保存的报告和草稿都留在本机').waitFor();
  await page.getByRole('button', { name: '确定退出' }).click();
  await login(page).form.waitFor();
  assert.match(await page.getByTestId('login-queued').innerText(), /1 条记录已保存/);
  const kept = await phoneRecords(page);
  assert.deepEqual(kept.map((r) => r.status.state).sort(), ['draft', 'waiting']);

  await page.unroute('**/api/reports');
  await login(page).as(REPORTER);
  await home(page).waitForCount('delivered', 1);
  await home(page).waitForCount('draft', 1);
  assert.equal((await server.reports()).length, 1);
});

test("the phone's clock, two hours slow, is measured: the device panel says so and the record and its receipt carry the offset", { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page, context } = phone;
  const SHIFT_MS = -2 * 3_600_000;
  await shiftClock(context, SHIFT_MS);
  await openApp(page, server.url);
  assert.ok(Math.abs(await page.evaluate(() => Date.now()) - (Date.now() + SHIFT_MS)) < 60_000, 'the phone runs two hours slow');
  await page.getByTestId('clock-offset').filter({ hasText: '手机时间比服务器慢 120 分钟' }).waitFor({ timeout: 20_000 });

  await fileReport(page);
  await home(page).waitForStatus('delivered');
  const [stored] = await server.reports();
  const near = (value, what) => assert.ok(Math.abs(value - 7_200_000) < 60_000, `${what}: ${value}`);
  near(stored.report.clock_offset_ms, 'measured by the phone and stamped on the record');
  assert.ok('clock_offset_ms' in stored.receipt, 'the server measures it too');
  near(stored.receipt.clock_offset_ms, 'measured by the server on arrival');
  const [local] = await phoneRecords(page);
  near(local.clock_offset_ms, 'kept on the phone');

  // 「现在」 fills in now by the server's clock, as the times are judged:
  // not two hours ago (nor, on a phone running fast, a time "in the future").
  await home(page).newReport();
  await page.locator('#blank-occurred_at').fill('');
  await page.getByRole('button', { name: '现在', exact: true }).first().click();
  const filled = await page.locator('#blank-occurred_at').inputValue();
  const beijingNow = Date.now() + 8 * 3_600_000;
  const minutesOff = Math.abs(Date.parse(`${filled}:00Z`) - beijingNow) / 60_000;
  assert.ok(minutesOff < 2, `现在 filled ${filled}, ${minutesOff.toFixed(0)} minutes from the server's now`);
  assert.equal(await page.locator('.blank.has-error').count(), 0, 'no blank in error');
});

test('a draft begun by one worker on a shared phone is not filed by the next who logs in there', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill({ 地点: '村口石桥' });
  await form(page).waitSaved();
  await page.getByRole('link', { name: '返回列表' }).click();
  // A Chromium tab not granted persistent storage: the list says the
  // browser may clear the draft (and no iPhone advice on this phone).
  const risk = page.getByTestId('at-risk');
  await risk.waitFor();
  assert.match(await risk.innerText(), /浏览器可能会清除它们：请尽快联网发送/);
  assert.doesNotMatch(await risk.innerText(), /iPhone/);
  // The next worker of the grid logs in on the same phone.
  await nextWorkerLogsIn(page, server);
  const item = page.getByTestId('report-item').first();
  await item.waitFor();
  assert.match(await item.innerText(), new RegExp(`这是 ${REPORTER.username} 在本机填写的草稿：请由其本人登录后提交`));
  await item.getByRole('link').click();
  assert.match(await page.getByTestId('draft-other').innerText(), new RegExp(`^这是 ${REPORTER.username} 在本机填写的草稿`));
  assert.equal(await form(page).submit.isDisabled(), true, 'not his to file');
  assert.equal(await page.getByLabel(/^地点/).inputValue(), '村口石桥', 'kept for her');
  assert.equal(await page.getByLabel(/^地点/).isEditable(), false, 'not his to change');
  assert.equal(await page.getByRole('button', { name: '删除草稿' }).isVisible(), false, 'nor to delete');
  assert.equal((await server.reports()).length, 0);
});

test('a colleague\'s incident on a shared phone offers the next worker no 续报 (the server would refuse it) and says whose it is', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page } = phone;
  await openApp(page, server.url);
  await fileReport(page);
  await home(page).waitForCount('delivered', 1);
  await page.getByTestId('report-item').first().getByRole('link').click();
  await page.getByRole('button', { name: '报送续报一' }).waitFor();
  await page.getByRole('link', { name: '返回列表' }).click();
  await nextWorkerLogsIn(page, server);
  await page.getByTestId('report-item').first().getByRole('link').click();
  const note = page.getByTestId('thread-of-another');
  assert.equal(await note.innerText(), `这是 ${REPORTER.username} 上报的事件：续报、终报请由其本人登录后报送。`);
  assert.equal(await page.getByRole('button', { name: /^报送/ }).count(), 0, 'nothing of hers to file');
  if (process.env.KUAIBAO_SHOTS) {
    await page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/thread-of-another-360.png`, fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/thread-of-another-1366.png` });
    await page.setViewportSize({ width: 360, height: 640 });
  }
});

test('a refused report reopened to be fixed stays its submitter\'s: the next worker on a shared phone cannot file it', { timeout: 90_000 }, async () => {
  const { server, phone } = await setUp();
  const { page } = phone;
  await openApp(page, server.url);
  // The server refuses it (a phone number it cannot accept, as if the
  // phone's rules were out of date).
  await page.route('**/api/reports', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.answers.phone = '12';
    return route.continue({ postData: JSON.stringify(body) });
  });
  await fileReport(page);
  await home(page).waitForStatus('rejected');
  await page.unroute('**/api/reports');
  await page.locator('[data-testid=report-item]:has([data-state=rejected]) a').click();
  const refusedUrl = page.url();
  // A hurried double tap makes one draft, not two, and its second tap does
  // not land on the fix's 提交报告: the fix opens at the blank the server
  // refused, with the server's reason there (the phone's own check saw
  // nothing wrong).
  const fix = page.getByRole('button', { name: '修改后重新提交' });
  await fix.scrollIntoViewIfNeeded();
  const box = await fix.boundingBox();
  await fix.dblclick();
  await form(page).submit.waitFor();
  const reason = page.locator('#error-phone');
  assert.match(await reason.innerText(), /7 到 15 位数字/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'blank-phone', 'at the blank to fix');
  const underTheThumb = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.textContent ?? '', [box.x + box.width / 2, box.y + box.height / 2]);
  assert.doesNotMatch(underTheThumb, /提交报告/);
  // The server stored nothing under its id, so the fix keeps it (a 续报 sent
  // meanwhile names it as its thread's first record).
  assert.equal(page.url(), refusedUrl, 'the same report, fixed');
  // The reason is kept with the draft until its blank is changed.
  await page.reload();
  await reason.filter({ hasText: /7 到 15 位数字/ }).waitFor();
  await page.getByLabel(/^联系电话/).fill('13912345678');
  await form(page).waitSaved();
  assert.equal(await reason.innerText(), '', 'changed, so no longer refused');
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).newReportButton.waitFor();
  assert.equal(await page.locator('[data-testid=report-item] [data-testid=report-status][data-state=draft]').count(), 1, 'one draft');
  await nextWorkerLogsIn(page, server);
  const item = page.locator('[data-testid=report-item]:has([data-state=draft])');
  await item.waitFor();
  assert.match(await item.innerText(), new RegExp(`这是 ${REPORTER.username} 在本机填写的草稿`));
  await item.getByRole('link').click();
  assert.equal(await form(page).submit.isDisabled(), true, 'not his to file');
  assert.equal((await server.reports()).length, 0);
});
