// Reporting upward from the duty office, against the real server: the
// statistics table (area × day × category) with its level and period, the
// neighbouring township seeing none of it; an officer signs an
// earthquake's written report (签发: recipient and reviewer named at their
// fields first) and prints the whole thread, 首报 and 续报 with the photo,
// Beijing times and who signed. Screenshots at 1366×768 and 360×640 go to
// $OFFICE_SCREENSHOTS when it is set.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer, openDesk as openDeskAt, noiseJpeg, uuidv7, OFFICER, REPORTER } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.OFFICE_SCREENSHOTS;

/** The duty officer of 东桥街道, a township beside the reporter's. */
const NEIGHBOUR = { username: 'dq-duty', password: 'dongqiao-duty-2026', name: '东桥街道值班室' };

let server;
let browser;
let earthquake;
let followUp;

/** Beijing wall-clock time `minutes` from now, as a DateTime blank takes it. */
function beijing(minutes) {
  const t = new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000);
  return t.toISOString().slice(0, 16);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A 一般 work-safety accident `minutes` from now (negative: ago), with
 *  `answers` (its unit, place, what happened, the injured). */
function workSafetyAccident(minutes, answers) {
  return {
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'work_safety',
    template_version: 1,
    written_at: new Date().toISOString(),
    answers: {
      occurred_at: beijing(minutes),
      kind: 'industry_trade',
      dead: '0',
      reporter: REPORTER.name,
      phone: '13800001234',
      ...answers,
    },
  };
}

async function send(report) {
  const res = await server.fetch('/api/reports', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-kuaibao-clock': String(Date.now()) },
    body: JSON.stringify(report),
  }, REPORTER);
  assert.ok(res.status === 201 || res.status === 200, `${report.template_id}: ${res.status} ${await res.text()}`);
}

/** Uploads `bytes` as photo `id` over tus, in one PATCH. */
async function upload(id, bytes) {
  const b64 = (s) => Buffer.from(s).toString('base64');
  const create = await server.fetch('/api/uploads', {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': `photo_id ${b64(id)},sha256 ${b64(sha256(bytes))},filetype ${b64('image/jpeg')}`,
    },
  }, REPORTER);
  assert.equal(create.status, 201, await create.text());
  const patch = await server.fetch(create.headers.get('location'), {
    method: 'PATCH',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: bytes,
  }, REPORTER);
  assert.equal(patch.status, 204, await patch.text());
}

/** A desk at `width`×`height` (1366×768 by default), logged in as `who`. */
function openDesk(who, width = 1366, height = 768) {
  return openDeskAt(browser, server.url, who, { width, height });
}

before(async () => {
  server = await startServer();
  await server.admin('area', 'add', 'xh-dq', '--name', '东桥街道', '--level', 'township', '--parent', 'xh');
  await server.adminInput(`${NEIGHBOUR.password}\n`, 'user', 'add', NEIGHBOUR.username, '--role', 'officer', '--area', 'xh-dq', '--name', NEIGHBOUR.name);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });

  // An earthquake: a 首报 with a photo, then a 续报 with more dead; and a
  // general incident. Both an hour ago, in the reporter's grid.
  const maker = await browser.newPage();
  const photo = await noiseJpeg(maker, 320, 240, 0.7);
  await maker.close();
  const photoRef = { id: uuidv7(), blank: 'photos', sha256: sha256(photo), size: photo.length, mime: 'image/jpeg' };
  const base = {
    template_id: 'earthquake',
    template_version: 1,
    written_at: new Date().toISOString(),
  };
  const answers = {
    occurred_at: beijing(-60),
    place: '青石村三组',
    magnitude: '4.8',
    what_happened: '村内多处房屋倒塌，道路开裂',
    dead: '1',
    injured: '4',
    houses_collapsed: '6',
    direct_loss: '120.5',
    reporter: REPORTER.name,
    phone: '13800001234',
  };
  earthquake = { ...base, id: uuidv7(), stage: { kind: 'initial' }, answers, photos: [photoRef] };
  await send(earthquake);
  await upload(photoRef.id, photo);
  followUp = {
    ...base,
    id: uuidv7(),
    thread: earthquake.id,
    stage: { kind: 'follow_up', n: 1 },
    answers: { ...answers, dead: '2', measures: '已转移安置群众 30 人' },
    photos: [photoRef],
  };
  await send(followUp);
  await send({
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'general_incident',
    template_version: 1,
    written_at: new Date().toISOString(),
    answers: {
      occurred_at: beijing(-50),
      place: '青石村三组后山',
      category: 'accident',
      what_happened: '山体滑坡冲毁道路',
      dead: '0',
      injured: '2',
      missing: '1',
      reporter: REPORTER.name,
      phone: '13800001234',
    },
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = (page) => page.getByTestId('stats-row');

test('statistics by area, day and category: each incident once with its latest figures, rolled up by level', { timeout: 90_000 }, async () => {
  const desk = await openDesk(OFFICER);
  const { page } = desk;
  await page.getByTestId('nav-statistics').click();
  await rows(page).first().waitFor({ timeout: 20_000 });
  assert.equal(await rows(page).count(), 2, 'the earthquake and the general incident, in the grid');
  const quake = page.locator('[data-testid=stats-row][data-category=earthquake]');
  assert.equal(await quake.getByTestId('stats-threads').innerText(), '1', 'two records, one incident');
  const quakeText = await quake.innerText();
  assert.match(quakeText, /青石村三组/);
  assert.match(quakeText, /\b2\b/, 'the 续报\'s 2 dead, not the 首报\'s 1');
  assert.match(quakeText, /120\.5/);
  const total = page.getByTestId('stats-total');
  assert.match(await total.innerText(), /合计\s+2/);
  const head = await page.locator('table.stats thead').innerText();
  assert.match(head, /死亡人数（人）/);
  assert.match(head, /直接经济损失（万元）/);
  assert.doesNotMatch(head, /震级/, 'magnitudes are not added up');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/statistics-1366.png`, fullPage: true });

  // Rolled up to the township: one row per category under 城关街道.
  await page.getByLabel('汇总层级').selectOption('township');
  await page.getByTestId('stats-apply').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=stats-row]')].every((r) => r.dataset.area === 'xh-cg'), null, { timeout: 10_000 });
  assert.match(page.url(), /#\/statistics\?level=township/);
  assert.equal(await rows(page).count(), 2);
  await page.reload();
  await rows(page).first().waitFor({ timeout: 20_000 });
  assert.equal(await page.getByLabel('汇总层级').inputValue(), 'township', 'the query survives a reload');

  // A period with none of them; and a backwards one, named at its field.
  await page.getByLabel('事件日期 自').fill('2030-01-02');
  await page.getByLabel('至（含）').fill('2030-01-01');
  await page.getByTestId('stats-apply').click();
  await page.getByTestId('stats-to-error').filter({ hasText: /截止日期不能早于起始日期/ }).waitFor({ timeout: 5_000 });
  await page.getByLabel('至（含）').fill('2030-01-31');
  await page.getByTestId('stats-apply').click();
  await page.getByTestId('stats-empty').waitFor({ timeout: 10_000 });

  // The CSV of the same table, with the officer's token.
  const csv = await server.fetch('/api/exports/statistics.csv?level=township');
  assert.equal(csv.status, 200);
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark first');
  const text = bytes.subarray(3).toString('utf8');
  assert.ok(text.startsWith('事件日期,区域代码,区域,类别代码,类别,事件数,'), text.slice(0, 80));
  assert.match(text, /\r\n合计,,,,,2,/);
  assert.deepEqual(desk.violations, []);

  // The neighbouring township: none of it, on the page or by the API.
  const neighbour = await openDesk(NEIGHBOUR);
  await neighbour.page.goto(`${server.url}/office/#/statistics`);
  await neighbour.page.getByTestId('stats-empty').waitFor({ timeout: 20_000 });
  const theirs = await (await server.fetch('/api/office/statistics', {}, NEIGHBOUR)).json();
  assert.equal(theirs.total_threads, 0);
  await neighbour.context.close();

  // On a phone-sized screen: the form stacks, the table scrolls sideways.
  const small = await openDesk(OFFICER, 360, 640);
  await small.page.goto(`${server.url}/office/#/statistics`);
  await rows(small.page).first().waitFor({ timeout: 20_000 });
  const apply = await small.page.getByTestId('stats-apply').boundingBox();
  assert.ok(apply.height >= 48 && apply.width >= 48, `apply ${JSON.stringify(apply)}`);
  const pageWidth = await small.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(pageWidth <= 360, `the page itself does not scroll sideways (${pageWidth})`);
  if (SHOTS) await small.page.screenshot({ path: `${SHOTS}/statistics-360.png`, fullPage: true });
  await small.context.close();
  await desk.context.close();
});

test('an officer signs the written report at its fields and prints the whole thread', { timeout: 90_000 }, async () => {
  const desk = await openDesk(OFFICER);
  const { page, context } = desk;
  await page.goto(`${server.url}/office/#/thread/${earthquake.id}`);
  await page.getByTestId('sign-form').waitFor({ timeout: 20_000 });
  for (const label of ['报送对象（上级单位）', '审核人']) {
    const box = await page.getByLabel(label).boundingBox();
    assert.ok(box.height >= 48, `${label}: ${box.height}`);
  }
  assert.ok((await page.getByTestId('sign-button').boundingBox()).height >= 48);

  // Empty: each field says what to type, and nothing is sent.
  await page.getByTestId('sign-button').click();
  await page.getByTestId('sign-recipient-error').filter({ hasText: /请填写上级单位/ }).waitFor({ timeout: 5_000 });
  assert.match(await page.getByTestId('sign-reviewer-error').innerText(), /请填写审核人/);
  let stored = await (await server.fetch(`/api/threads/${earthquake.id}/signatures`)).json();
  assert.deepEqual(stored, []);

  await page.getByLabel('报送对象（上级单位）').fill('新河区应急管理局');
  await page.getByLabel('审核人').fill('王建国');
  await page.getByTestId('sign-button').click();
  await page.getByTestId('signature').first().waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('signature').first().innerText(), /新河区值班室 签发，审核人 王建国，报送 新河区应急管理局/);
  stored = await (await server.fetch(`/api/threads/${earthquake.id}/signatures`)).json();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].report_id, followUp.id, 'it covers the latest record');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/incident-sign-1366.png`, fullPage: true });

  // Print: the whole thread in a new tab.
  const [print] = await Promise.all([context.waitForEvent('page'), page.getByTestId('export-written').click()]);
  await print.waitForLoadState('load');
  const text = await print.locator('main').innerText();
  for (const part of ['突发事件信息书面报告', '报送单位', '新河区', '报送对象', '新河区应急管理局', '签发人', '新河区值班室', '审核人', '王建国', '初报 → 续报一']) {
    assert.ok(text.includes(part), `${part} in the print`);
  }
  // An earthquake is a natural disaster: its first record is the 初报.
  assert.deepEqual(await print.locator('section.record h2').allInnerTexts(), ['初报', '续报一'], 'every record, in stage order');
  assert.match(text, /\+08:00/);
  assert.doesNotMatch(text, /T\d\d:\d\d:\d\dZ/, 'no UTC time');
  const images = print.locator('ul.photos img');
  assert.equal(await images.count(), 1, 'the photo once, though the 续报 carried it on');
  assert.match(text, /应到 1 张，已到 1 张；其中 1 张同前，见前面的记录/);
  assert.ok(await images.first().evaluate((img) => img.complete && img.naturalWidth === 320), 'the thumbnail shows');
  if (SHOTS) {
    await print.setViewportSize({ width: 1366, height: 768 });
    await print.screenshot({ path: `${SHOTS}/written-1366.png`, fullPage: true });
    await print.setViewportSize({ width: 360, height: 640 });
    await print.screenshot({ path: `${SHOTS}/written-360.png`, fullPage: true });
    // As printed: A4's width at 96 dpi, print styles.
    await print.emulateMedia({ media: 'print' });
    await print.setViewportSize({ width: 794, height: 1123 });
    await print.screenshot({ path: `${SHOTS}/written-a4-print.png`, fullPage: true });
    await print.pdf({ path: `${SHOTS}/written-a4.pdf`, format: 'A4', preferCSSPageSize: true });
  }
  await print.close();

  // The same page at a phone's size.
  const small = await openDesk(OFFICER, 360, 640);
  await small.page.goto(`${server.url}/office/#/thread/${earthquake.id}`);
  await small.page.getByTestId('signature').first().waitFor({ timeout: 20_000 });
  const width = await small.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scroll (${width})`);
  if (SHOTS) {
    await small.page.getByTestId('sign-form').scrollIntoViewIfNeeded();
    await small.page.screenshot({ path: `${SHOTS}/incident-sign-360.png` });
  }
  await small.context.close();

  // A call the phone delivers after the signing (calls sort right after
  // the 初报, before the record signed): the signing no longer covers the
  // thread, on the desk and in the print.
  assert.doesNotMatch(await page.getByTestId('signature').first().innerText(), /需重新签发/);
  await send({
    id: uuidv7(),
    thread: earthquake.id,
    stage: { kind: 'call', n: 1 },
    template_id: 'call',
    template_version: 1,
    written_at: new Date().toISOString(),
    answers: { called_at: beijing(-55) },
  });
  await page.reload();
  await page.getByTestId('signature').first().filter({ hasText: '（签发后又收到新记录，需重新签发）' }).waitFor({ timeout: 20_000 });
  const [again] = await Promise.all([context.waitForEvent('page'), page.getByTestId('export-written').click()]);
  await again.waitForLoadState('load');
  assert.equal(await again.locator('section.record:has(h2:text-is("电话报告")) .unsigned').count(), 1, 'the call: received after the signing');
  assert.equal(await again.locator('.unsigned').count(), 1, 'only the call');
  await again.close();
  assert.deepEqual(desk.violations, []);
  await context.close();
});

test('a signing for the step up to the city meets that line of regulation 493 on the desk', { timeout: 90_000 }, async () => {
  // A work-safety accident half an hour ago: the county within 1 h, the
  // city 2 h after that (lines the office keeps).
  const accident = workSafetyAccident(-30, { unit_name: '青石建材厂', place: '青石村工业园', what_happened: '搅拌机伤人', injured: '1' });
  await send(accident);
  const desk = await openDesk(OFFICER);
  const { page, context } = desk;
  await page.goto(`${server.url}/office/#/thread/${accident.id}`);
  const city = page.locator('[data-testid=deadline][data-rule=upward_city]');
  await city.waitFor({ timeout: 20_000 });
  assert.equal(await city.getAttribute('data-state'), 'info');
  assert.match(await city.innerText(), /由值班室办理/);

  const step = page.getByLabel('报送层级（493 号条例逐级上报）');
  assert.ok((await step.boundingBox()).height >= 48, 'a touch target');
  assert.deepEqual(await step.locator('option').evaluateAll((os) => os.map((o) => o.value)), ['', 'upward_city'], 'the steps this thread has');
  await page.getByLabel('报送对象（上级单位）').fill('市应急管理局');
  await page.getByLabel('审核人').fill('王建国');
  await step.selectOption('upward_city');
  await page.getByTestId('sign-button').click();
  await page.getByTestId('signature').first().waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('signature').first().innerText(), /报送 市应急管理局.*报送层级：/);
  await page.locator('[data-testid=deadline][data-rule=upward_city][data-state=clear]').waitFor({ timeout: 10_000 });
  assert.match(await city.innerText(), /已按时报送/);
  const stored = await (await server.fetch(`/api/threads/${accident.id}/signatures`)).json();
  assert.equal(stored[0].step, 'upward_city');
  if (SHOTS) {
    await page.getByTestId('sign-form').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/incident-upward-1366.png` });
  }
  const small = await openDesk(OFFICER, 360, 640);
  await small.page.goto(`${server.url}/office/#/thread/${accident.id}`);
  await small.page.locator('[data-testid=deadline][data-rule=upward_city][data-state=clear]').waitFor({ timeout: 20_000 });
  if (SHOTS) {
    await small.page.getByLabel('报送层级（493 号条例逐级上报）').scrollIntoViewIfNeeded();
    await small.page.screenshot({ path: `${SHOTS}/incident-upward-360.png` });
  }
  await small.context.close();
  assert.deepEqual(desk.violations, []);
  await context.close();
});

test('a step up to the city signed after its deadline is the office\'s own entry in its accountability ledger, with when it was signed', { timeout: 90_000 }, async () => {
  // A work-safety accident five hours ago: its step up to the city is
  // past due when the office signs for it.
  const accident = workSafetyAccident(-300, { unit_name: '青石砖厂', place: '青石村砖厂', what_happened: '窑顶坍塌', injured: '2' });
  await send(accident);
  const sign = await server.fetch(`/api/threads/${accident.id}/signatures`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: randomUUID(), report_id: accident.id, recipient: '市应急管理局', reviewer: '王建国', step: 'upward_city' }),
  }, OFFICER);
  assert.equal(sign.status, 201, await sign.text());
  for (const [width, height] of [[1366, 768], [360, 640]]) {
    const desk = await openDesk(OFFICER, width, height);
    await desk.page.getByTestId('nav-accountability').click();
    const entry = desk.page.locator(`[data-testid=accountability-entry][data-kind=forwarded_late][data-thread="${accident.id}"]`);
    await entry.waitFor({ timeout: 20_000 });
    assert.match(await entry.innerText(), /上报迟（签发晚于时限）[\s\S]*值班室（签发上报）/);
    assert.match(await entry.getByTestId('accountability-evidence').innerText(), /^签发 \d{4}-\d\d-\d\d \d\d:\d\d/);
    if (SHOTS) {
      await entry.scrollIntoViewIfNeeded();
      await desk.page.screenshot({ path: `${SHOTS}/accountability-forwarded-${width}.png` });
    }
    await desk.context.close();
  }
});
