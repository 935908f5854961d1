// Deadlines as the duty office is held to them, end to end: a 较大
// incident's 首报 is written in time on a phone that then has no signal for
// two hours; the office receives it late, and the desk says "written in
// time, delivered late" rather than "written late". The phone's call to
// the duty office (「电话报告值班室」, logged offline as a record of its own)
// meets the 30-minute phone deadline apart from the written one. Restarted
// with another rules file (KUAIBAO_RULES), the same server counts other
// deadlines, with no rebuild.
//
// Two hours offline are made with the phone's clock: it runs right while
// the phone logs in (so its clock offset is measured as nothing), is set
// two hours back while the worker writes and calls offline, then runs right
// again when the signal returns: as if the phone had waited two hours.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, home, form, login, noiseJpeg, uuidv7, awayFromBeijingMidnight, ANSWERS, STORED, OFFICER, REPORTER } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PROVINCIAL_RULES = new URL('../../rules/provincial-example.json', import.meta.url).pathname;
const TWO_HOURS_MS = 2 * 3_600_000;
const DUTY_PHONE = '0731-1234567';
const SHOTS = process.env.DEADLINE_SCREENSHOTS;

let server;
let phone;
let browser;

before(async () => {
  server = await startServer();
  await server.admin('area', 'phone', 'xh', DUTY_PHONE);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  phone = await openPhone();
  // The phone's clock, shifted by `globalThis.__phoneShiftMs` (0 at start).
  await phone.context.addInitScript(() => {
    const RealDate = Date;
    class PhoneDate extends RealDate {
      constructor(...args) {
        if (args.length === 0) super(RealDate.now() + (globalThis.__phoneShiftMs || 0));
        else super(...args);
      }
      static now() { return RealDate.now() + (globalThis.__phoneShiftMs || 0); }
    }
    globalThis.Date = PhoneDate;
  });
});

after(async () => {
  await browser?.close();
  await phone?.close();
  await server?.stop();
});

/** Beijing wall-clock time `ms` (Unix) as a datetime-local value. */
function beijing(ms) {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** A desk at 1366×768, logged in as the district's officer. */
async function openDesk() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('desk: page error:', e.message));
  await page.goto(`${server.url}/office/`);
  await login(page).form.waitFor();
  await login(page).as(OFFICER);
  await page.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 20_000 });
  return { context, page };
}

/** Screenshots of `page` at a phone's 360×640 and a desk's 1366×768, if
 *  DEADLINE_SCREENSHOTS names a folder; the page is left at `back`. */
async function shots(page, name, back) {
  if (!SHOTS) return;
  for (const [width, height] of [[360, 640], [1366, 768]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(back);
}

const PHONE = { width: 360, height: 640 };
const DESK = { width: 1366, height: 768 };

/** The desk's incident page of the only thread. */
async function openThread(page) {
  await page.getByTestId('inbox-line').first().getByTestId('line-open').click();
  await page.getByTestId('thread').waitFor();
}

const deadline = (page, rule) => page.locator(`[data-testid=deadline][data-rule=${rule}]`);

/** A 较大 (3 dead) 首报 at `place`, of an event `minutesAgo`, as her phone sends it. */
function graveFirst(place, minutesAgo) {
  return {
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'general_incident',
    template_version: 1,
    answers: { ...STORED, place, occurred_at: beijing(Date.now() - minutesAgo * 60_000), dead: '3' },
    written_at: new Date().toISOString(),
    photos: [],
  };
}

/** Stores `report` as the reporter's: 201. */
async function post(report) {
  const res = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }, REPORTER);
  assert.equal(res.status, 201, await res.text());
}

test('written in time, delivered two hours late: the desk says so; a logged call meets the phone deadline apart; another rules file counts other deadlines', { timeout: 180_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  // The national rules, from the server, and the district's duty number.
  await page.locator('[data-testid=rules][data-rules=national]').waitFor({ timeout: 20_000 });

  // No signal; the phone's clock two hours back: "two hours ago".
  await context.setOffline(true);
  await page.evaluate((shift) => { globalThis.__phoneShiftMs = shift; }, -TWO_HOURS_MS);
  const phoneNow = await page.evaluate(() => Date.now());
  assert.ok(Math.abs(phoneNow - (Date.now() - TWO_HOURS_MS)) < 60_000, 'the phone lives two hours ago');

  // A 较大 incident (3 dead), 10 minutes old when written.
  await home(page).newReport();
  await form(page).fill({ ...ANSWERS, 发生时间: beijing(phoneNow - 10 * 60_000), 死亡人数: '3' });
  await form(page).waitSaved();
  // Written within the hour, not yet received: running, not met.
  await page.locator('[data-testid=deadlines] [data-rule=written][data-state=left]').waitFor();
  await shots(page, 'phone-draft', PHONE);
  // 较大 needs its picture (evidence rule).
  await page.locator('#gallery-photos').setInputFiles([{ name: 'slope.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 320, 240) }]);
  await page.getByTestId('photo').first().waitFor({ timeout: 20_000 });
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('waiting', 1);

  // The call, from the report's page: the duty number is dialled and the
  // call logged as its own record, offline.
  await page.getByTestId('report-item').first().click();
  const call = page.getByTestId('call-office');
  assert.equal(await call.getAttribute('href'), `tel:${DUTY_PHONE.replace('-', '')}`);
  assert.match(await call.innerText(), /电话报告值班室/);
  // Headless Chromium has no dialler: keep the page, let the app log it.
  await page.evaluate(() => document.addEventListener('click', (e) => {
    if (e.target.closest('a[href^="tel:"]')) e.preventDefault();
  }, true));
  await call.click();
  await page.getByTestId('calls-logged').filter({ hasText: '已记录电话报告 1 次' }).waitFor();
  // The call meets the phone deadline; the written one still runs (the
  // office has nothing yet).
  await page.locator('[data-testid=deadlines] [data-rule=phone][data-state=met]').waitFor();
  await page.locator('[data-testid=deadlines] [data-rule=written][data-state=left]').waitFor();
  await shots(page, 'phone-offline', PHONE);

  // Two hours later the signal returns.
  await page.evaluate(() => { globalThis.__phoneShiftMs = 0; });
  await context.setOffline(false);
  await page.goto(`${server.url}/#/`);
  // The list shows threads: one, delivered; the server holds both records.
  await home(page).waitForCount('delivered', 1, 30_000);
  for (let i = 0; (await server.reports()).length < 2; i += 1) {
    assert.ok(i < 100, 'the call arrives too');
    await page.waitForTimeout(200);
  }
  const reports = await server.reports();
  assert.equal(reports.length, 2, 'the 首报 and the call');
  const first = reports.find((r) => r.report.stage.kind === 'initial');
  const logged = reports.find((r) => r.report.stage.kind === 'call');
  assert.ok(first && logged);
  assert.equal(logged.report.thread, first.report.id);
  assert.equal(logged.report.answers.office_number, DUTY_PHONE);
  const late = Date.parse(first.receipt.received_at) - Date.parse(first.report.written_at);
  assert.ok(late > TWO_HOURS_MS - 120_000, `received ${late} ms after it was written`);
  assert.ok(Math.abs(first.report.clock_offset_ms ?? 0) < 60_000, 'the clock offset was measured as nothing before');

  // The phone, with its receipt: delivered late, not written late.
  await page.getByTestId('report-item').filter({ hasText: '其他突发事件' }).first().click();
  await page.locator('[data-testid=deadlines] [data-rule=written][data-state=delivered_late]').waitFor();
  await page.locator('[data-testid=deadlines] [data-rule=phone][data-state=met]').waitFor();
  await shots(page, 'phone-delivered', PHONE);

  // The desk says the same.
  const desk = await openDesk();
  await openThread(desk.page);
  const written = deadline(desk.page, 'written');
  assert.equal(await written.getAttribute('data-state'), 'delivered_late');
  assert.match(await written.innerText(), /按时填写、送达迟.*（无信号）/);
  assert.doesNotMatch(await written.innerText(), /填写已迟/);
  assert.equal(await deadline(desk.page, 'phone').getAttribute('data-state'), 'clear');
  assert.match(await deadline(desk.page, 'phone').innerText(), /（国家规定）/);
  const stages = await desk.page.getByTestId('chain-stage').allInnerTexts();
  assert.deepEqual(stages, ['首报', '电话报告']);
  await shots(desk.page, 'desk-incident', DESK);

  // The officer logs a call he took himself: the same record kind. The
  // page redrawn meanwhile (he acknowledges the report; a report arriving
  // anywhere in his area does the same) keeps what he typed.
  await desk.page.getByLabel('来电人').fill('李秀英（村支书代打）');
  await desk.page.getByLabel('通话要点（选填）').fill('报告人补充：仍有 1 人失联');
  const redrawn = desk.page.waitForResponse((r) => r.url().includes('/api/threads/'), { timeout: 20_000 });
  await desk.page.getByTestId('ack-button').click();
  await redrawn;
  await desk.page.locator('[data-testid=ack-state][data-state=yes]').waitFor();
  assert.equal(await desk.page.getByLabel('来电人').inputValue(), '李秀英（村支书代打）');
  assert.equal(await desk.page.getByLabel('通话要点（选填）').inputValue(), '报告人补充：仍有 1 人失联');
  await desk.page.getByTestId('call-button').click();
  await desk.page.waitForFunction(() => document.querySelectorAll('[data-testid=chain-stage]').length === 3, null, { timeout: 20_000 });
  // Logged: the next call's form opens afresh, once the desk has its
  // answer (the stream may show the call a moment before).
  await desk.page.waitForFunction(() => document.querySelector('#call-note')?.value === '', null, { timeout: 10_000 });
  const calls = (await server.reports()).filter((r) => r.report.stage.kind === 'call');
  assert.deepEqual(calls.map((r) => r.report.stage.n).sort(), [1, 2]);
  // His call is no report he has not seen: the acknowledgement made before
  // it still covers the latest stage, here and on the inbox line.
  await desk.page.getByTestId('ack-button').filter({ hasText: '再次确认收到' }).waitFor({ timeout: 10_000 });
  assert.doesNotMatch(await desk.page.getByTestId('ack-state').innerText(), /之前的阶段/);
  const acked = (await (await server.fetch('/api/office/inbox')).json()).threads.find((t) => t.acknowledged);
  assert.ok(Date.parse(acked.latest_received_at) <= Date.parse(acked.acknowledged.at), `${acked.latest_received_at} after ${acked.acknowledged.at}`);

  // Another rules file, no rebuild: the provincial example.
  await desk.context.close();
  await server.restart({ KUAIBAO_RULES: PROVINCIAL_RULES });
  const inbox = await (await server.fetch('/api/office/inbox')).json();
  const rules = inbox.threads[0].deadlines.map((d) => d.rule);
  assert.ok(rules.includes('written_major') && rules.includes('follow_up_daily'), rules.join(', '));
  assert.ok(!rules.includes('written'), 'the national written rule is the province\'s for 较大');
  const province = await openDesk();
  await openThread(province.page);
  assert.match(await deadline(province.page, 'follow_up_daily').first().innerText(), /每日续报（8时、17时）.*（省级规定）/);
  await shots(province.page, 'desk-provincial', DESK);

  // A 重大隐患 under supervision, to be rectified in three days: the
  // ledger warns of it a week ahead (the days are counted from today
  // here and on the desk a moment later).
  await awayFromBeijingMidnight(30_000);
  const inThreeDays = new Date(Date.now() + 8 * 3_600_000 + 3 * 86_400_000).toISOString().slice(0, 10);
  const major = await server.fetch('/api/reports', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      id: uuidv7(),
      stage: { kind: 'initial' },
      template_id: 'hazard',
      template_version: 2,
      written_at: new Date().toISOString(),
      answers: {
        place: '青石村水库大坝', theme: 'drowning', description: '坝体渗水，下游 30 户', major: 'yes', supervisor: '县应急管理局',
        responsible: '青石村村委会', rectify_by: inThreeDays, reporter: '李秀英', phone: '13800001234',
      },
      photos: [{ id: uuidv7(), blank: 'photos', sha256: 'a'.repeat(64), size: 1000, mime: 'image/jpeg' }],
    }),
  }, REPORTER);
  assert.equal(major.status, 201, await major.text());

  // The accountability ledger: the written report delivered late, with
  // its evidence; the major hazard with the days left.
  await province.page.getByTestId('nav-accountability').click();
  const entry = province.page.locator('[data-testid=accountability-entry][data-kind=delivered_late]');
  await entry.first().waitFor();
  assert.match(await entry.first().getByTestId('accountability-evidence').innerText(), /填写 .* · 接收 .*/);
  const warned = province.page.locator('[data-testid=accountability-entry][data-kind=major_hazard_due_soon]');
  await warned.waitFor();
  assert.match(await warned.innerText(), /重大隐患整改将到期[\s\S]*县应急管理局挂牌督办[\s\S]*还剩 3 天/);
  await shots(province.page, 'desk-accountability', DESK);
  await province.context.close();
});

test('a phone whose clock is two hours slow, once measured, counts its deadlines by the server\'s clock', { timeout: 90_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await page.evaluate((shift) => { globalThis.__phoneShiftMs = shift; }, -TWO_HOURS_MS);
  try {
    // A pass measures the phone's clock against the server's.
    await home(page).sendNow.click();
    await page.getByTestId('clock-offset').filter({ hasText: '手机时间比服务器慢 120 分钟' }).waitFor({ timeout: 20_000 });
    // A 较大 incident (3 dead) that happened 5 minutes ago by the server's
    // clock: 55 minutes of the written report's hour are left, not 2 h 55.
    // (The server now counts the provincial example's rules: its written
    // report for 较大 is `written_major`, an hour as the national one.)
    await home(page).newReport();
    await form(page).fill({ ...ANSWERS, 发生时间: beijing(Date.now() - 5 * 60_000), 死亡人数: '3' });
    const written = page.locator('[data-testid=deadlines] :is([data-rule=written], [data-rule=written_major])[data-state=left]');
    await written.waitFor();
    const standing = await written.locator('.standing').innerText();
    assert.match(standing, /^还剩 5\d 分/, standing);
    assert.doesNotMatch(standing, /小时/, standing);
  } finally {
    await page.evaluate(() => { globalThis.__phoneShiftMs = 0; });
  }
});

test('a call logged from a 首报 draft keeps the draft: 删除草稿 goes, or the call would reach the office alone', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill({ ...ANSWERS, 发生时间: beijing(Date.now() - 5 * 60_000), 死亡人数: '3' });
  await form(page).waitSaved();
  const discard = page.getByTestId('discard');
  assert.equal(await discard.isVisible(), true, 'a draft alone may be thrown away');
  await page.evaluate(() => document.addEventListener('click', (e) => {
    if (e.target.closest('a[href^="tel:"]')) e.preventDefault();
  }, true));
  await page.getByTestId('call-office').first().click();
  await page.getByTestId('calls-logged').first().filter({ hasText: '已记录电话报告 1 次' }).waitFor();
  // On this very page, without leaving it.
  await discard.waitFor({ state: 'hidden' });
});

test('a 续报 that finds a 较大 event 一般 leaves the phone report missed before it on the desk, the phone and the ledger, no longer owed', { timeout: 120_000 }, async () => {
  // 较大 (3 dead), the event 40 minutes ago and no call: its phone report
  // fell due 10 minutes ago. The 首报, then a 续报 finding no one dead, as
  // her phone sends them.
  const place = '青石村四组桥头';
  const first = graveFirst(place, 40);
  await post(first);
  await post({ ...first, id: uuidv7(), thread: first.id, stage: { kind: 'follow_up', n: 1 }, answers: { ...first.answers, dead: '0' }, written_at: new Date().toISOString() });

  const desk = await openDesk();
  await desk.page.goto(`${server.url}/office/#/thread/${first.id}`);
  const missed = desk.page.locator('[data-testid=deadline][data-state=lapsed]');
  await missed.first().waitFor({ timeout: 20_000 });
  assert.equal(await missed.count(), 1, 'the phone report alone: the written one was met by the 首报');
  assert.match(await missed.innerText(), /^电话报告.*逾期 \d+ 分 \d+ 秒 未报（其后降级，不再需要）$/);
  await shots(desk.page, 'desk-lapsed', DESK);
  await desk.context.close();
  const ledger = await (await server.fetch('/api/office/accountability')).json();
  const entries = ledger.entries.filter((e) => e.thread_id === first.id);
  assert.deepEqual(entries.map((e) => e.kind), ['missed']);
  assert.match(entries[0].what_zh, /^电话报告.*（其后降级，不再需要）$/);

  // A new phone of hers reads the thread back: the 续报's deadlines say
  // the same.
  const other = await openPhone();
  try {
    const { page } = other;
    await openApp(page, server.url);
    const item = page.getByTestId('report-item').filter({ hasText: place }).first();
    await item.waitFor({ timeout: 30_000 });
    await item.getByRole('link').click();
    const line = page.locator('[data-testid=deadlines] [data-state=lapsed]');
    await line.first().waitFor({ timeout: 20_000 });
    assert.match(await line.first().innerText(), /其后降级，不再需要；降级前已逾期 \d+ 分 \d+ 秒/);
    await shots(page, 'phone-lapsed', PHONE);
  } finally {
    await other.close();
  }
});

test('a lesser 续报 on its way does not lift the phone report the office still holds owed: the phone shows it running, and over the next draft with the call button', { timeout: 120_000 }, async () => {
  // 较大 (3 dead), the event 10 minutes ago: the phone report is due in 20.
  const place = '青石村六组渡口';
  await post(graveFirst(place, 10));

  // Her new phone reads the thread back; without signal she files 续报一
  // finding no one dead: it waits on the phone, the office holds 较大.
  const other = await openPhone();
  try {
    const { page, context } = other;
    await openApp(page, server.url);
    const item = page.getByTestId('report-item').filter({ hasText: place }).first();
    await item.waitFor({ timeout: 30_000 });
    await item.getByRole('link').click();
    await page.getByRole('button', { name: '报送续报一' }).click();
    await page.locator('#blank-dead').fill('0');
    await form(page).waitSaved();
    await context.setOffline(true);
    await form(page).submit.click();
    await home(page).waitForCount('waiting', 1);

    // The thread: the phone report runs on, owed still (under whichever
    // rules file the server now reads: an earlier test restarts it with
    // the provincial one, whose 较大 line is `phone_major`).
    await page.getByTestId('report-item').filter({ hasText: place }).first().getByRole('link').click();
    const phoneLine = page.locator('[data-testid=deadlines] [data-rule^=phone]');
    await phoneLine.first().waitFor({ timeout: 20_000 });
    assert.equal(await phoneLine.first().getAttribute('data-state'), 'left', await phoneLine.first().innerText());
    assert.match(await phoneLine.first().innerText(), /还剩 1\d 分/);
    // The next draft opens under the call button and the clock.
    await page.getByRole('button', { name: '报送续报二' }).click();
    await page.getByTestId('urgent').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('[data-testid=deadlines-urgent] [data-rule^=phone][data-state=left]').count(), 1);
    assert.equal(await page.getByTestId('urgent').getByTestId('call-office').count(), 1);
    await shots(page, 'phone-owed-while-on-its-way', PHONE);
  } finally {
    await other.close();
  }
});
