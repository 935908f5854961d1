// A natural disaster as the statistics system (2020) counts it, from the
// phone: the reporter's profile fills 报告人, 所在单位, 职务 and 联系电话; the
// grade says 未定级 until its figures are in; two figures that contradict
// each other are marked at both blanks; a flood runs 初报 → 续报一 → a daily
// report saying 「无变化」 → 核报, the phone offering the daily report while
// the thread is open; the duty office's desk shows the chain with those
// names and the daily report's deadline met. The national rules ask daily
// reports of grave (重特大) disasters only; this county asks them of every
// disaster (its rules file, `KUAIBAO_RULES`), so a 一般 flood owes them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, home, form, login, thread, phoneRecords, awayFromBeijingMidnight, OFFICER, REPORTER } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.BLANKS_SCREENSHOTS;
const PROFILE = { phone: '138 0000 1234', unit: '青石村村民委员会', post: '网格员' };

let server;
let phone;
let browser;

/** A county's rules: the national set, its daily report asked of every
 *  natural disaster. */
const EVERY_DISASTER_DAILY = {
  id: 'county-every-disaster-daily',
  name: { 'zh-CN': '县级：所有自然灾害每日9时前报灾情日报', en: 'County: a daily report of every natural disaster by 09:00' },
  extends: 'national',
  rules: [{
    id: 'disaster_daily',
    label: { 'zh-CN': '灾情日报（次日9时前，截至前一日24时）', en: 'Disaster daily report (by 09:00, figures to 24:00 the day before)' },
    obligation: 'daily_report',
    applies: { natural_disaster: true },
    daily_at: ['09:00'],
    source: { document: '县级灾情报送规定（测试）/ A county\'s rules (test)', jurisdiction: 'county' },
  }],
};

before(async () => {
  const rules = path.join(await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-rules-')), 'rules.json');
  await writeFile(rules, JSON.stringify(EVERY_DISASTER_DAILY));
  server = await startServer({ KUAIBAO_RULES: rules });
  await server.admin('user', 'profile', REPORTER.username, '--phone', PROFILE.phone, '--unit', PROFILE.unit, '--post', PROFILE.post);
  phone = await openPhone();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await phone?.close();
  await server?.stop();
});

const blank = (page, id) => page.locator(`#blank-${id.replace('.', '\\.')}`);

/** Beijing wall-clock time `minutes` from now, as the datetime input takes it. */
const beijingMinute = (minutes) => new Date(Date.now() + minutes * 60_000 + 8 * 3600_000).toISOString().slice(0, 16);

async function openLatest(page) {
  await page.getByTestId('report-item').first().getByRole('link').click();
  await page.getByTestId('chain').waitFor();
}

async function submit(page) {
  await form(page).waitSaved();
  await page.getByRole('button', { name: '提交报告' }).click();
  await page.getByTestId('outbox-count').waitFor();
}

/** A screenshot at the phone's 360×640 and at a desk's 1366×768. */
async function shots(page, name) {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/${name}-360.png`, fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.screenshot({ path: `${SHOTS}/${name}-1366.png`, fullPage: true });
  await page.setViewportSize({ width: 360, height: 640 });
}

/** A 一般 flood's 初报: when, where, what, and every deciding figure. */
async function fillMinorFlood(page) {
  await blank(page, 'occurred_at').fill(beijingMinute(-20));
  await blank(page, 'place').fill('青石村三组河堤');
  await blank(page, 'kind').selectOption('flash_flood');
  await blank(page, 'what_happened').fill('山洪冲毁河堤，三组低洼处进水');
  for (const [id, value] of Object.entries({ dead: '0', missing: '0', injured: '1', direct_loss: '35', affected: '120', needs_relief: '20', collapsed_households: '2', collapsed_rooms: '5' })) {
    await blank(page, id).fill(value);
  }
}

/** The labels of the next-step buttons on a submitted record's page. */
async function nextSteps(page) {
  return page.locator('.actions.next button').allInnerTexts();
}

test('a flood: 初报 → 续报一 → 日报（无变化） → 核报 from the phone, and the desk shows the chain by those names', { timeout: 240_000 }, async () => {
  // The days a 日报 is owed are read when it starts and when it ends.
  await awayFromBeijingMidnight(90_000);
  const { page } = phone;
  await openApp(page, server.url);

  // 初报: the profile is prefilled, editable.
  await home(page).newReport('洪涝灾害');
  assert.equal(await blank(page, 'reporter').inputValue(), REPORTER.name);
  assert.equal(await blank(page, 'phone').inputValue(), PROFILE.phone);
  assert.equal(await blank(page, 'reporter_unit').inputValue(), PROFILE.unit);
  assert.equal(await blank(page, 'reporter_post').inputValue(), PROFILE.post);
  assert.equal(await page.getByTestId('stage').innerText(), '初报');
  // An empty form is not 一般: 未定级 until the figures are in.
  assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'none');
  assert.match(await page.getByTestId('grade-panel').innerText(), /未定级：请填写死亡人数、失踪人数、直接经济损失/);

  await shots(page, 'phone-initial-empty');
  await fillMinorFlood(page);
  assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'IV', 'every deciding figure filled');

  // More evacuated than affected: once the one is left, both blanks say so.
  await blank(page, 'evacuated').fill('300');
  await blank(page, 'evacuated').blur();
  for (const id of ['evacuated', 'affected']) {
    await page.locator(`#error-${id}`, { hasText: '请核对这两项' }).waitFor();
  }
  assert.match(await page.locator('#error-evacuated').innerText(), /紧急转移安置人数（300）不能多于受灾人口（120）/);
  await shots(page, 'phone-initial-crosscheck');
  await blank(page, 'evacuated').fill('30');
  await page.waitForFunction(() => ['evacuated', 'affected'].every((id) => document.getElementById(`error-${id}`).innerText.trim() === ''));
  await submit(page);

  // The daily report is due by 09:00 tomorrow and offered next.
  await openLatest(page);
  await page.locator('[data-testid=deadlines] [data-rule=disaster_daily]').first().waitFor();
  const steps = await nextSteps(page);
  assert.equal(steps.length, 3, steps.join(' | '));
  assert.equal(steps[0], '报送续报一');
  assert.match(steps[1], /^报送日报（\d+月\d+日）$/);
  assert.equal(steps[2], '报送核报');
  await shots(page, 'phone-initial-submitted');

  // 续报一: what progressed. Tapped twice in a hurry: one draft, or the
  // second would hide every next step after the first is sent.
  await page.getByRole('button', { name: '报送续报一' }).dblclick();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.getByTestId('stage').innerText(), '续报一');
  await blank(page, 'progress').fill('低洼处 30 人已转移至村委会');
  await blank(page, 'affected').fill('150');
  await submit(page);

  // The daily report: the totals carried over, 「无变化」 said explicitly.
  await openLatest(page);
  await page.getByRole('button', { name: /^报送日报/ }).click();
  await page.getByTestId('save-state').waitFor();
  assert.match(await page.getByTestId('stage').innerText(), /^日报（\d+月\d+日）$/);
  assert.equal(await blank(page, 'affected').inputValue(), '150', 'the totals so far');
  assert.equal(await blank(page, 'reporter_unit').inputValue(), PROFILE.unit);
  await blank(page, 'change').selectOption('no_change');
  await shots(page, 'phone-daily');
  await submit(page);

  // Today's daily report is in: only a 续报 or the 核报 is offered now.
  await openLatest(page);
  assert.deepEqual(await nextSteps(page), ['报送续报二', '报送核报']);
  await page.locator('[data-testid=deadlines] [data-rule=disaster_daily][data-state=met]').first().waitFor();

  // 核报: the verified figures, the outcome and the next steps.
  await page.getByRole('button', { name: '报送核报' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.getByTestId('stage').innerText(), '核报');
  await blank(page, 'measures').fill('转移群众 30 人，抢修河堤 120 米');
  await blank(page, 'outcome').fill('险情排除，转移群众已返家');
  await blank(page, 'next_steps').fill('汛期内每日巡查河堤');
  await submit(page);

  await openLatest(page);
  await shots(page, 'phone-chain');
  const chain = await page.getByTestId('chain-item').locator('.stage').allInnerTexts();
  assert.equal(chain.length, 4);
  assert.deepEqual([chain[0], chain[1], chain[3]], ['初报', '续报一', '核报']);
  assert.match(chain[2], /^日报（\d+月\d+日）$/);
  assert.deepEqual(await nextSteps(page), [], 'nothing after the 核报, no daily report either');
  // One thread on the list, delivered whole.
  await page.goto(`${server.url}/#/`);
  await home(page).waitForCount('delivered', 1, 30_000);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=report-item] [data-testid=report-status]:not([data-state=delivered])').length === 0);

  // The server keeps the chain, the daily report with its day.
  const records = await phoneRecords(page);
  const threadId = records.find((r) => r.stage.kind === 'initial').id;
  const onServer = await thread(server, threadId);
  assert.deepEqual(onServer.records.map((r) => r.report.stage.kind), ['initial', 'follow_up', 'daily', 'final']);
  const daily = onServer.records[2].report;
  assert.match(daily.stage.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(daily.template_id, 'disaster_daily');
  assert.equal(daily.answers.change, 'no_change');
  assert.equal(onServer.records[0].report.answers.reporter_post, PROFILE.post);

  // The desk: the chain by the statistics system's names.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const desk = await context.newPage();
  await desk.goto(`${server.url}/office/`);
  await login(desk).form.waitFor();
  await login(desk).as(OFFICER);
  const line = desk.getByTestId('inbox-line').first();
  await line.waitFor({ timeout: 20_000 });
  assert.match(await line.getByTestId('line-stage').innerText(), /核报/);
  await line.getByTestId('line-open').click();
  await desk.getByTestId('chain').waitFor();
  await desk.waitForFunction(() => document.querySelectorAll('[data-testid=chain-stage]').length === 4);
  const stages = await desk.getByTestId('chain-stage').allInnerTexts();
  assert.deepEqual([stages[0], stages[1], stages[3]], ['初报', '续报一', '核报']);
  assert.match(stages[2], /^日报（\d+月\d+日）$/);
  assert.match(await desk.locator('#chain-title').innerText(), /初报 → 续报 → 日报 → 核报/);
  await desk.locator('[data-testid=deadline][data-rule=disaster_daily]').first().waitFor();
  assert.equal(await desk.locator('[data-testid=deadline][data-rule=disaster_daily]').first().getAttribute('data-state'), 'clear', 'met: nothing pending');
  // The statistics table counts the disaster once, by its latest figures
  // (the 续报's 150 affected, carried on to the 核报; not the 初报's 120).
  await desk.getByTestId('nav-statistics').click();
  const row = desk.locator('[data-testid=stats-row][data-category=flood]');
  await row.waitFor({ timeout: 20_000 });
  assert.equal(await row.getByTestId('stats-threads').innerText(), '1', 'four records, one disaster');
  const heads = await desk.locator('table.stats thead th').allInnerTexts();
  const cells = await row.locator('td, th').allInnerTexts();
  const at = (label) => cells[heads.findIndex((h) => h.startsWith(label))];
  assert.equal(at('受灾人口'), '150');
  assert.equal(at('紧急转移安置'), '30');
  assert.equal(at('需紧急生活救助'), '20');
  assert.equal(at('倒塌房屋户数'), '2', heads.join('|'));
  await desk.goBack();
  if (SHOTS) {
    await desk.screenshot({ path: `${SHOTS}/desk-chain-1366.png`, fullPage: true });
    await desk.setViewportSize({ width: 360, height: 640 });
    await desk.screenshot({ path: `${SHOTS}/desk-chain-360.png` });
  }
  await context.close();
});

test('under the national rules a 一般 flood owes no daily report: the phone offers none, the desk lists none and names no 日报 in its chain', { timeout: 90_000 }, async () => {
  const national = await startServer();
  await national.admin('user', 'profile', REPORTER.username, '--phone', PROFILE.phone);
  const phone2 = await openPhone();
  try {
    const { page } = phone2;
    await openApp(page, national.url);
    await home(page).newReport('洪涝灾害');
    await fillMinorFlood(page);
    await submit(page);
    await home(page).waitForCount('delivered', 1, 30_000);
    await openLatest(page);
    await page.locator('[data-testid=deadlines] [data-rule=disaster_initial]').first().waitFor();
    assert.deepEqual(await nextSteps(page), ['报送续报一', '报送核报']);
    assert.equal(await page.locator('[data-testid=deadlines] [data-rule=disaster_daily]').count(), 0);

    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const desk = await context.newPage();
    await desk.goto(`${national.url}/office/`);
    await login(desk).form.waitFor();
    await login(desk).as(OFFICER);
    await desk.getByTestId('inbox-line').first().getByTestId('line-open').click();
    await desk.getByTestId('chain').waitFor();
    await desk.locator('[data-testid=deadline][data-rule=disaster_initial]').first().waitFor();
    assert.equal(await desk.locator('[data-testid=deadline][data-rule=disaster_daily]').count(), 0);
    assert.equal(await desk.locator('#chain-title').innerText(), '报送全过程：初报 → 续报 → 核报');
    await context.close();
  } finally {
    await phone2.close();
    await national.stop();
  }
});
