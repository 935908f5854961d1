// The duty office (值班室) at a desk, against the real server: a reporter's
// phone files a report offline and sends it when the signal returns, and
// the district officer's open inbox shows it live, without a reload; he
// acknowledges it and asks for a follow-up; a 续报 arrives live on the
// incident page with what it changed; the filters narrow the inbox and
// name each bad field; an officer of a neighbouring township sees nothing;
// a rectified hazard is verified and closed (验收销号) on the desk, with a
// photo taken at the verification.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, openDesk as openDeskAt, home, form, login, thread, noiseJpeg, shiftClock, ANSWERS, OFFICER, REPORTER } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The duty officer of 东桥街道, a township beside the reporter's. */
const NEIGHBOUR = { username: 'dq-duty', password: 'dongqiao-duty-2026', name: '东桥街道值班室' };

let server;
let phone;
let browser;
let desk;
let neighbour;

/** A desk: a plain browser context at 1024×768, as a duty office screen. */
function openDesk(who) {
  return openDeskAt(browser, server.url, who);
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
  phone = await openPhone();
});

after(async () => {
  await desk?.context.close();
  await neighbour?.context.close();
  await browser?.close();
  await phone?.close();
  await server?.stop();
});

/** A UUIDv7, as the phone makes record ids. */
function uuidv7() {
  const b = randomBytes(16);
  let ms = BigInt(Date.now());
  for (let i = 5; i >= 0; i -= 1) { b[i] = Number(ms & 0xffn); ms >>= 8n; }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const lines = (page) => page.getByTestId('inbox-line');

/** Opens the inbox's first line: its thread's id. */
async function openFirstThread(page) {
  await lines(page).first().getByTestId('line-open').click();
  await page.getByTestId('thread').waitFor();
  return page.getByTestId('thread').getAttribute('data-thread');
}

test('the office page is its own build: no phone app, no inline script, its own fallback', async () => {
  const res = await fetch(`${server.url}/office/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /快报 · 值班室/);
  assert.doesNotMatch(html, /<script type="module">/, 'the loader is a file, not inline');
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  const deep = await fetch(`${server.url}/office/some/deep/link`);
  assert.equal(deep.status, 200);
  assert.match(await deep.text(), /快报 · 值班室/, 'a deep link under /office/ gets the office, not the phone app');
  const phoneApp = await (await fetch(`${server.url}/`)).text();
  assert.doesNotMatch(phoneApp, /值班室/);
});

test('a report filed offline reaches the open inbox live; the neighbouring township sees nothing', { timeout: 120_000 }, async () => {
  desk = await openDesk(OFFICER);
  neighbour = await openDesk(NEIGHBOUR);
  await desk.page.getByTestId('inbox-empty').waitFor();
  await neighbour.page.getByTestId('inbox-empty').waitFor();
  // Marks the page: a reload would lose it.
  await desk.page.evaluate(() => { window.__noReload = true; });

  const { page, context } = phone;
  await openApp(page, server.url, REPORTER);
  await context.setOffline(true);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await page.getByTestId('outbox-count').waitFor();
  await page.waitForTimeout(1_000);
  assert.equal(await lines(desk.page).count(), 0, 'nothing arrived while the phone was offline');

  await context.setOffline(false);
  const line = lines(desk.page).first();
  await line.waitFor({ timeout: 30_000 });
  assert.equal(await desk.page.evaluate(() => window.__noReload), true, 'the inbox updated without a reload');
  assert.equal(await line.getByTestId('line-open').innerText(), '其他突发事件');
  // Told apart at a glance: where, the people figures, when it happened.
  assert.equal(await line.getByTestId('line-place').innerText(), ANSWERS['地点']);
  assert.equal(await line.getByTestId('line-casualties').innerText(), `死 ${ANSWERS['死亡人数']} · 伤 ${ANSWERS['受伤人数']} · 失踪 ${ANSWERS['失踪人数']}`);
  assert.match(await line.getByTestId('line-age').innerText(), /^11-23 09:41（\d+ 天 \d+ 小时前）$/);
  assert.equal(await line.getByTestId('line-area').innerText(), REPORTER.area);
  assert.equal(await line.getByTestId('line-reporter').innerText(), REPORTER.name);
  assert.match(await line.getByTestId('line-stage').innerText(), /首报/);
  assert.equal(await line.getByTestId('line-ack').getAttribute('data-state'), 'no');
  assert.match(await line.getByTestId('grade-badge').innerText(), /一般/);
  // A 一般 event: no national reporting deadline applies.
  assert.match(await line.getByTestId('line-deadline').innerText(), /无报送时限/);
  if (process.env.OFFICE_SCREENSHOTS) await desk.page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/inbox.png` });

  // The neighbour's open inbox heard nothing, and his API says the same.
  await neighbour.page.waitForTimeout(1_500);
  assert.equal(await lines(neighbour.page).count(), 0);
  await neighbour.page.getByTestId('inbox-empty').waitFor();
  const res = await server.fetch('/api/office/inbox', {}, NEIGHBOUR);
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).threads, []);
});

test('the incident page: chain, times, clock offset; acknowledge and ask; a 续报 arrives live with what it changed', { timeout: 90_000 }, async () => {
  const { page } = desk;
  const threadId = await openFirstThread(page);
  const items = page.getByTestId('chain-item');
  assert.equal(await items.count(), 1);
  // What was reported comes before what the office answers.
  assert.ok(await page.evaluate(() => {
    const chain = document.querySelector('[data-testid=chain]');
    const answers = document.querySelector('section.answers');
    return Boolean(chain && answers && chain.compareDocumentPosition(answers) & Node.DOCUMENT_POSITION_FOLLOWING);
  }), 'the chain before the answers');
  assert.equal(await items.first().getByTestId('chain-stage').innerText(), '首报');
  assert.equal(await items.first().getByTestId('time-occurred').innerText(), '2026-11-23 09:41');
  assert.match(await items.first().getByTestId('time-written').innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$/);
  assert.match(await items.first().getByTestId('time-received').innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(await items.first().getByTestId('clock-offset').innerText(), /手机.*服务器|未测得/);
  // The account it came under, whoever was typed as 报告人.
  assert.equal(await items.first().getByTestId('record-author').innerText(), `${REPORTER.name}（信息员，${REPORTER.username}）`);
  assert.match(await items.first().getByTestId('sentence').innerText(), /青石村三组后山/);
  // 报告人 as typed on the report, with a number to call back.
  assert.match(await page.getByTestId('thread-reporter').innerText(), new RegExp(`^${ANSWERS['报告人']} ${ANSWERS['联系电话']}（账号 `));
  assert.equal(await page.getByTestId('thread-reporter-phone').getAttribute('href'), `tel:${ANSWERS['联系电话']}`);

  // 确认收到. The page then reloads the thread with it (the button asks
  // again): wait for that redraw, so the ask below is not redrawn under
  // the test's hands.
  await page.getByTestId('ack-button').click();
  await page.locator('[data-testid=ack-state][data-state=yes]').waitFor();
  await page.getByTestId('ack-button').filter({ hasText: '再次确认收到' }).waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId('ack-state').innerText(), new RegExp(OFFICER.name));

  // 请求续报: an empty message is refused at its field, then one is sent.
  await page.getByTestId('ask-button').click();
  // The error is drawn in the click's reaction: wait for it, not a moment.
  await page.getByTestId('ask-message-error').filter({ hasText: /请写明/ }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#ask-message').evaluate((el) => el === document.activeElement), true);
  // A paste over the 500 characters it takes is kept whole and said, not
  // cut unseen.
  const long = '请续报'.repeat(200);
  await page.getByLabel('请求续报：需要报告人补充什么').fill(long);
  assert.equal((await page.locator('#ask-message').inputValue()).length, 600, 'kept whole');
  await page.getByTestId('ask-button').click();
  await page.getByTestId('ask-message-error').filter({ hasText: /不能超过 500 字（现有 600 字），请删减后再发/ }).waitFor({ timeout: 5_000 });
  await page.getByLabel('请求续报：需要报告人补充什么').fill('请续报伤亡人数和转移群众情况');
  await page.getByTestId('ask-button').click();
  await page.getByTestId('open-request').first().waitFor();
  assert.match(await page.getByTestId('open-request').first().innerText(), /请续报伤亡人数/);
  const asked = await (await server.fetch('/api/requests', {}, REPORTER)).json();
  assert.equal(asked.length, 1);
  assert.equal(asked[0].message, '请续报伤亡人数和转移群众情况');
  assert.equal(asked[0].thread_id, threadId);

  // A 续报 from the reporter (straight to the API), shown live.
  const first = (await thread(server, threadId)).records[0].report;
  const followUp = {
    ...first,
    id: uuidv7(),
    thread: threadId,
    stage: { kind: 'follow_up', n: 1 },
    answers: { ...first.answers, injured: '5', progress: '又有 3 人受伤，已送医' },
    written_at: new Date().toISOString(),
  };
  delete followUp.clock_offset_ms;
  // The 首报's thread key proves its id only: a later record carries none.
  delete followUp.thread_key;
  const sent = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-kuaibao-clock': String(Date.now()) }, body: JSON.stringify(followUp) }, REPORTER);
  assert.ok(sent.status === 200 || sent.status === 201, `follow-up: ${sent.status} ${await sent.text()}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain-item]').length === 2, null, { timeout: 20_000 });
  const second = items.nth(1);
  assert.equal(await second.getByTestId('chain-stage').innerText(), '续报一');
  const change = second.locator('[data-testid=change][data-blank=injured]');
  assert.match(await change.innerText(), /受伤人数.*2.*→.*5/);
  assert.equal(await second.getByTestId('change').count(), 2, 'only the changed answers are listed: the figure and the progress');
  // The 续报 is newer than the acknowledgement: it may be acknowledged again.
  assert.equal(await page.getByTestId('ack-button').innerText(), '确认收到');

  if (process.env.OFFICE_SCREENSHOTS) await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/incident.png`, fullPage: true });
  // Back in the inbox the line says asked, and acknowledged before the
  // 续报 came, as the incident page does.
  await page.getByTestId('back').click();
  const line = lines(page).first();
  await line.waitFor();
  assert.equal(await line.getByTestId('line-ack').getAttribute('data-state'), 'earlier');
  assert.equal(await line.getByTestId('line-ack').innerText(), '已确认（之前的阶段）');
  if (process.env.OFFICE_SCREENSHOTS) {
    for (const [width, height] of [[1366, 768], [360, 640]]) {
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/inbox-acked-${width}.png` });
    }
    await page.setViewportSize({ width: 1024, height: 768 });
  }
  assert.match(await line.getByTestId('line-stage').innerText(), /续报一/);
});

test('a reload that cannot reach the server keeps the thread on screen, said to be stale', { timeout: 60_000 }, async () => {
  const { page } = desk;
  const threadId = await openFirstThread(page);
  const items = page.getByTestId('chain-item');
  const before = await items.count();
  const records = (await thread(server, threadId)).records;
  const latest = records[records.length - 1].report;
  const followUp = (n) => ({ ...latest, id: uuidv7(), stage: { kind: 'follow_up', n }, written_at: new Date().toISOString() });
  const send = async (report) => {
    delete report.clock_offset_ms;
    // A thread key proves the id of the 首报 it made, and no other record's.
    delete report.thread_key;
    const sent = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }, REPORTER);
    assert.equal(sent.status, 201, await sent.text());
  };
  // The link to the server drops as a 续报 arrives: the page's reload fails.
  await page.route('**/api/threads/**', (route) => route.abort('connectionreset'));
  await send(followUp(latest.stage.n + 1));
  const note = page.getByTestId('stale-note');
  await note.waitFor({ timeout: 20_000 });
  assert.match(await note.innerText(), /^未能刷新，下面是之前读取的内容。连不上服务器/);
  assert.equal(await items.count(), before, 'what was shown is still shown');
  assert.match(await page.getByTestId('thread-reporter').innerText(), new RegExp(ANSWERS['联系电话']));
  // Back: the next change brings everything, and the note goes.
  await page.unroute('**/api/threads/**');
  await send(followUp(latest.stage.n + 2));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=chain-item]').length === n, before + 2, { timeout: 20_000 });
  assert.equal(await note.count(), 0);
  await page.getByTestId('back').click();
});

test('filters narrow the inbox, and a bad value names its field', { timeout: 60_000 }, async () => {
  const { page } = desk;
  await page.goto(`${server.url}/office/#/`);
  await lines(page).first().waitFor();

  await page.getByLabel('等级').selectOption('III');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('inbox-empty').waitFor();
  assert.match(page.url(), /grade=III/);
  // The filter is in the URL: a reload keeps it.
  await page.reload();
  await page.getByTestId('inbox-empty').waitFor();
  assert.equal(await page.getByLabel('等级').inputValue(), 'III');

  await page.getByTestId('filter-clear').click();
  await lines(page).first().waitFor();
  await page.getByLabel('类别').selectOption('fire');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('inbox-empty').waitFor();
  await page.getByLabel('类别').selectOption('general_incident');
  await page.getByLabel('阶段').selectOption('open');
  await page.getByTestId('filter-apply').click();
  await lines(page).first().waitFor();
  assert.equal(await lines(page).count(), 1);

  await page.getByTestId('filter-clear').click();
  await page.getByLabel('区域代码（含下级）').fill('xh-cg-qs');
  await page.getByTestId('filter-apply').click();
  await page.waitForFunction(() => location.hash.includes('area=xh-cg-qs'));
  await lines(page).first().waitFor();
  // Another township's area is outside the district? No: it is below it,
  // and empty. An area that does not exist is refused, at its field.
  await page.getByLabel('区域代码（含下级）').fill('xh-dq');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('inbox-empty').waitFor();
  await page.getByLabel('区域代码（含下级）').fill('nowhere');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('filter-area-error').filter({ hasText: /\S/ }).waitFor();
  // Back: the URL's filter comes back into the form.
  await page.goBack();
  await page.waitForFunction(() => location.hash.includes('area=xh-dq'));
  await page.waitForFunction(() => document.getElementById('filter-area').value === 'xh-dq');
  await page.getByTestId('inbox-empty').waitFor();

  // Until before since: refused before anything is sent.
  await page.getByTestId('filter-clear').click();
  await page.getByLabel('接收时间起').fill('2026-11-23T10:00');
  await page.getByLabel('接收时间止').fill('2026-11-23T09:00');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('filter-until-error').filter({ hasText: /截止时间须晚于起始时间/ }).waitFor({ timeout: 5_000 });

  // A bad value typed into the URL names its field too.
  await page.goto(`${server.url}/office/#/?grade=V`);
  await page.getByTestId('filter-grade-error').filter({ hasText: /\S/ }).waitFor();
  assert.match(await page.getByTestId('filter-grade-error').innerText(), /等级须为/);
  // And no export is offered while it stands: it would be of everything.
  assert.equal(await page.getByTestId('export-csv').count(), 0);
  await page.getByTestId('filter-clear').click();
  await page.getByTestId('export-csv').waitFor();
});

test('exports download with the token; the neighbour exports nothing of ours; no CSP violation', { timeout: 60_000 }, async () => {
  const { page } = desk;
  await page.goto(`${server.url}/office/#/`);
  await lines(page).first().waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  assert.match(download.suggestedFilename(), /^kuaibao-reports-\d{8}-\d{4}\.csv$/);
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
  assert.match(bytes.toString('utf8'), /青石村三组后山/);

  const [geo] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-geojson').click()]);
  const collection = JSON.parse(await readFile(await geo.path(), 'utf8'));
  assert.equal(collection.type, 'FeatureCollection');
  assert.equal(collection.features.length, 1);

  await neighbour.page.goto(`${server.url}/office/#/`);
  await neighbour.page.getByTestId('inbox-empty').waitFor();
  const [theirs] = await Promise.all([neighbour.page.waitForEvent('download'), neighbour.page.getByTestId('export-geojson').click()]);
  assert.equal(JSON.parse(await readFile(await theirs.path(), 'utf8')).features.length, 0);

  assert.deepEqual(desk.violations, []);
  assert.deepEqual(neighbour.violations, []);
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const b64 = (text) => Buffer.from(text).toString('base64');

/** Uploads one photo over tus as the reporter's phone would. */
async function uploadPhoto(photo) {
  const created = await server.fetch('/api/uploads', {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(photo.bytes.length),
      'Upload-Metadata': `photo_id ${b64(photo.id)},sha256 ${b64(sha256(photo.bytes))},filetype ${b64('image/jpeg')}`,
    },
  }, REPORTER);
  assert.equal(created.status, 201, await created.text());
  const location = new URL(created.headers.get('location'), server.url).pathname;
  const patched = await server.fetch(location, {
    method: 'PATCH',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: photo.bytes,
  }, REPORTER);
  assert.equal(patched.status, 204, await patched.text());
}

test('a hazard\'s photos: "照片 1/2 已到" while one is on its way, thumbnails, then 2/2 live', { timeout: 60_000 }, async () => {
  const { page } = desk;
  const photos = [
    { id: uuidv7(), bytes: await noiseJpeg(page, 320, 240) },
    { id: uuidv7(), bytes: await noiseJpeg(page, 240, 320) },
  ];
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const hazard = {
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'hazard',
    template_version: 1,
    answers: {
      place: '青石村堰塘东岸',
      theme: 'drowning',
      description: '护栏损坏 20 米，放学后常有儿童下水',
      responsible: '青石村村委会',
      rectify_by: inAWeek,
      reporter: REPORTER.name,
      phone: '13800001234',
    },
    written_at: new Date().toISOString(),
    photos: photos.map(({ id, bytes }) => ({ id, blank: 'photos', sha256: sha256(bytes), size: bytes.length, mime: 'image/jpeg' })),
  };
  await page.goto(`${server.url}/office/#/`);
  await lines(page).first().waitFor();
  const sent = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hazard) }, REPORTER);
  assert.equal(sent.status, 201, await sent.text());
  const line = page.locator(`[data-testid=inbox-line][data-thread="${hazard.id}"]`);
  await line.waitFor({ timeout: 20_000 });
  assert.equal(await line.getByTestId('line-photos').innerText(), '0/2');
  assert.match(await line.getByTestId('grade-badge').innerText(), /隐患/);
  await uploadPhoto(photos[0]);
  await page.waitForFunction((id) => document.querySelector(`[data-testid=inbox-line][data-thread="${id}"] [data-testid=line-photos]`)?.textContent === '1/2', hazard.id, { timeout: 20_000 });

  await line.getByTestId('line-open').click();
  await page.getByTestId('thread').waitFor();
  assert.equal(await page.getByTestId('chain-stage').first().innerText(), '发现隐患');
  assert.match(await page.getByTestId('photos-count').innerText(), /照片 1\/2 已到/);
  await page.getByTestId('photo-waiting').waitFor();
  const thumb = page.getByTestId('photo-thumb');
  await thumb.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=photo-thumb]')?.naturalWidth > 0);
  assert.match(await page.getByTestId('rectification').innerText(), /整改期限/);
  assert.equal(await page.getByTestId('ask-button').count(), 0, 'a hazard is acknowledged, not asked for a 续报');

  await uploadPhoto(photos[1]);
  await page.locator('[data-testid=photos-count][data-arrived="2"]').waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId('photos-count').innerText(), /照片 2\/2 全部已到/);
  // The count comes with the thread; each thumbnail is fetched after it.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-thumb]').length === 2, null, { timeout: 20_000 });
  assert.equal(await page.getByTestId('photo-waiting').count(), 0);
  if (process.env.OFFICE_SCREENSHOTS) await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/hazard.png`, fullPage: true });
});

test('the hazard ledger opens, and a reporter is turned away from the office', { timeout: 60_000 }, async () => {
  const { page } = desk;
  await page.getByTestId('nav-hazards').click();
  await page.getByTestId('ledger').waitFor();
  const area = page.locator('[data-testid=ledger-area][data-area=xh-cg-qs-3]');
  await area.waitFor();
  assert.equal(await area.getByTestId('ledger-hazard').count(), 1);
  assert.equal(await area.getByTestId('ledger-hazard').getAttribute('data-state'), 'open');
  // Listed by its kind, place and who must fix it.
  const row = area.getByTestId('ledger-hazard');
  assert.equal(await row.getByTestId('ledger-title').innerText(), '防溺水隐患');
  assert.ok((await row.getByTestId('ledger-place').innerText()).length > 0);
  assert.equal(await row.getByTestId('ledger-responsible').innerText(), '青石村村委会');
  if (process.env.OFFICE_SCREENSHOTS) await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/ledger.png` });
  // The inbox names it by its kind too, not only 风险隐患.
  await page.getByTestId('nav-inbox').click();
  const hazardLine = page.locator('[data-testid=inbox-line][data-grade=hazard]').first();
  await hazardLine.waitFor();
  assert.match(await hazardLine.getByTestId('line-open').innerText(), /隐患$/);
  assert.notEqual(await hazardLine.getByTestId('line-open').innerText(), '风险隐患');
  await page.getByTestId('nav-hazards').click();

  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' });
  const reporterDesk = await context.newPage();
  await reporterDesk.goto(`${server.url}/office/`);
  await login(reporterDesk).as(REPORTER);
  await reporterDesk.getByTestId('not-officer').waitFor();
  await context.close();
});

test('an officer who logs in on the phone app gets a link to the office, already logged in there', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await page.goto(server.url);
  await login(page).form.waitFor();
  await login(page).as(OFFICER);
  const link = page.getByTestId('office-link');
  await link.waitFor();
  assert.equal(await link.innerText(), '进入值班室');
  // Once the phone's service worker controls the page, /office/ must still
  // be the office, not the phone app's shell.
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await link.click();
  await page.waitForURL(/\/office\/$/);
  await page.getByTestId('inbox').or(page.getByTestId('inbox-empty')).waitFor();
  assert.equal(await login(page).form.count(), 0, 'one login serves both pages');
  assert.match(await page.getByTestId('who').innerText(), new RegExp(OFFICER.name));
  await page.reload();
  await page.getByTestId('inbox').or(page.getByTestId('inbox-empty')).waitFor();
  await context.close();
});

/** Sends `report` to the server as `who`, as a phone would; asserts it is stored. */
async function send(report, who = REPORTER) {
  const res = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-kuaibao-clock': String(Date.now()) }, body: JSON.stringify(report) }, who);
  assert.ok(res.status === 201 || res.status === 200, `${report.template_id}: ${res.status} ${await res.text()}`);
}

/** A hazard found by the reporter (its photo announced, not uploaded). */
function foundHazard(place) {
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  return {
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'hazard',
    template_version: 1,
    answers: { place, theme: 'drowning', description: '护栏损坏 20 米', responsible: '青石村村委会', rectify_by: inAWeek, reporter: REPORTER.name, phone: '13800001234' },
    written_at: new Date().toISOString(),
    photos: [{ id: uuidv7(), blank: 'photos', sha256: sha256(randomBytes(8)), size: 1000, mime: 'image/jpeg' }],
  };
}

/** The reporter's next step of hazard `found`. */
function hazardStep(found, kind, answers, photos = []) {
  return {
    id: uuidv7(),
    thread: found.id,
    stage: { kind },
    template_id: `hazard_${kind}`,
    template_version: 1,
    answers: { ...answers, reporter: REPORTER.name, phone: '13800001234' },
    written_at: new Date().toISOString(),
    photos,
  };
}

test('验收销号 on the desk: offered once a hazard is rectified, validated at its fields, refused without its verification photo, kept through a lost connection, stored as the officer\'s with the photo uploaded', { timeout: 120_000 }, async () => {
  desk ??= await openDesk(OFFICER);
  const { page, context } = desk;
  // One hazard rectified, one only being rectified, both the reporter's.
  const rectified = foundHazard('青石村堰塘西岸');
  await send(rectified);
  await send(hazardStep(rectified, 'rectifying', { measures: '已设临时围挡和警示牌' }));
  await send(hazardStep(rectified, 'rectified', { done: '新建护栏 25 米，配救生圈' }, [
    { id: uuidv7(), blank: 'after_photos', sha256: sha256(randomBytes(8)), size: 1000, mime: 'image/jpeg' },
  ]));
  const rectifying = foundHazard('青石村小学门口');
  await send(rectifying);
  await send(hazardStep(rectifying, 'rectifying', { measures: '已设临时围挡' }));

  // Not yet rectified: nothing to close.
  await page.goto(`${server.url}/office/#/thread/${rectifying.id}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain-item]').length === 2, null, { timeout: 20_000 });
  assert.equal(await page.getByTestId('close-form').count(), 0);
  assert.equal(await page.getByRole('button', { name: '确认验收销号' }).count(), 0);

  // Rectified: the form, with the officer's name as verifier and reporter.
  await page.goto(`${server.url}/office/#/thread/${rectified.id}`);
  const closeForm = page.getByTestId('close-form');
  await closeForm.waitFor({ timeout: 20_000 });
  assert.deepEqual(await page.getByTestId('chain-stage').allInnerTexts(), ['发现隐患', '整改中', '已整改']);
  assert.equal(await closeForm.getByRole('heading', { name: '验收销号' }).count(), 1);
  assert.equal(await page.getByLabel('验收人', { exact: true }).inputValue(), OFFICER.name);
  assert.equal(await page.getByLabel('报告人', { exact: true }).inputValue(), OFFICER.name);
  assert.equal(await page.getByLabel('联系电话', { exact: true }).inputValue(), '');
  const button = page.getByRole('button', { name: '确认验收销号' });
  for (const box of [await button.boundingBox(), await page.getByLabel('联系电话', { exact: true }).boundingBox()]) {
    assert.ok(box.height >= 48, `touch target ${box.height}px`);
  }

  // Refused before sending: the phone is required, the verifier too.
  // (The page redraws a moment after a click: wait for the words.)
  const says = (testid, text) => page.getByTestId(testid).filter({ hasText: text }).waitFor({ timeout: 5_000 });
  await page.getByLabel('验收人', { exact: true }).fill(' ');
  await button.click();
  await says('close-verifier-error', '请填写验收人');
  await says('close-phone-error', '请填写联系电话');
  // No verification photo yet: said at its blank.
  await says('close-after_photos-error', /^验收照片：/);
  assert.equal(await page.getByTestId('close-reporter-error').innerText(), '');
  assert.equal(await page.locator('#close-verifier').evaluate((el) => el === document.activeElement), true, 'the cursor goes to the first bad blank');
  await page.getByLabel('联系电话', { exact: true }).fill('12');
  await button.click();
  await says('close-phone-error', /^联系电话：请填写 7 到 15 位数字/);
  assert.equal(await thread(server, rectified.id).then((t) => t.records.length), 3, 'nothing was sent');

  await page.getByLabel('验收人', { exact: true }).fill('镇安全办 王军');
  await page.getByLabel('联系电话', { exact: true }).fill('13900002222');
  await page.getByLabel('备注（选填）').fill('护栏牢固，救生圈齐全');
  await page.waitForFunction(() => document.querySelector('[data-testid=close-verifier-error]').textContent === '', null, { timeout: 5_000 });
  // The photo taken at the verification, shrunk and hashed on the desk.
  // Large enough to go in two chunks (128 KiB each), so a cut upload is
  // seen to resume.
  const checkPhoto = await noiseJpeg(page, 1200, 900);
  await page.setInputFiles('#close-after_photos', { name: '验收.jpg', mimeType: 'image/jpeg', buffer: checkPhoto });
  await page.getByTestId('close-photo-preview').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('close-after_photos-error').innerText(), '');
  assert.ok((await page.getByTestId('close-photo-button').boundingBox()).height >= 48, 'the photo button is a touch target');

  // A refusal shows the server's own words. The reporter's attempt to
  // close her hazard gets the server's real 403; the desk is handed the same
  // answer once (an officer of the thread's area is never refused).
  const attempt = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hazardStep(rectified, 'closed', { verifier: REPORTER.name })) }, REPORTER);
  assert.equal(attempt.status, 403);
  const refusal = await attempt.text();
  const refusedWords = JSON.parse(refusal).fields[0].message_zh;
  assert.match(refusedWords, /须由本辖区值班员完成/);
  await page.route('**/api/reports', (route) => route.fulfill({ status: 403, contentType: 'application/json', body: refusal }), { times: 1 });
  await button.click();
  await says('close-error', refusedWords);
  assert.equal(await page.getByLabel('验收人', { exact: true }).inputValue(), '镇安全办 王军');

  // No connection: the top bar stops saying 实时更新中 at once, the
  // refusal is said in Chinese, and what was typed stays.
  await context.setOffline(true);
  await page.locator('[data-testid=live-state][data-state=waiting]').waitFor({ timeout: 5_000 });
  assert.match(await page.getByTestId('live-state').innerText(), /实时更新中断/);
  await button.click();
  await page.getByTestId('close-error').filter({ hasText: /连不上服务器/ }).waitFor();
  assert.match(await page.getByTestId('close-error').innerText(), /请检查网络后再点「确认验收销号」/);
  assert.equal(await page.getByLabel('验收人', { exact: true }).inputValue(), '镇安全办 王军');
  assert.equal(await page.getByLabel('联系电话', { exact: true }).inputValue(), '13900002222');
  assert.equal(await page.getByLabel('备注（选填）').inputValue(), '护栏牢固，救生圈齐全');
  await context.setOffline(false);
  await page.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 30_000 });

  // Text first, the photo after. The live stream shows the closing as
  // soon as its text is stored; the form stays while its photo is on the
  // way, and says so when the photo fails (here its first chunk goes
  // through, its second is held, then the connection drops).
  let patchArrived;
  const secondPatch = new Promise((resolve) => { patchArrived = resolve; });
  const patchedAt = [];
  await page.route('**/api/uploads/**', (route) => {
    if (route.request().method() !== 'PATCH') return route.fallback();
    patchedAt.push(Number(route.request().headers()['upload-offset']));
    return patchedAt.length === 2 ? patchArrived(route) : route.fallback();
  });
  await button.click();
  const heldPatch = await secondPatch;
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chain-item]').length === 4, null, { timeout: 20_000 });
  assert.deepEqual(await page.getByTestId('chain-stage').allInnerTexts(), ['发现隐患', '整改中', '已整改', '已验收销号']);
  assert.equal(await closeForm.count(), 1, 'the form stays while its photo is on its way');
  const sending = page.getByTestId('close-button');
  assert.equal(await sending.innerText(), '正在提交…');
  assert.equal(await sending.isDisabled(), true, 'not offered twice while sending');
  await heldPatch.abort('connectionreset');
  await page.unroute('**/api/uploads/**');
  assert.deepEqual(patchedAt, [0, 131_072], 'a chunk at a time');
  await says('close-error', '验收照片未传完（连不上服务器）。请检查网络后再点「确认验收销号」重新上传（验收记录不会重复）。');
  assert.equal(await page.getByLabel('验收人', { exact: true }).inputValue(), '镇安全办 王军');
  // The record is stored with this photo announced: what it says can no
  // longer change, and the form says so.
  await page.getByTestId('close-stored').waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#close-verifier').evaluate((el) => el.readOnly), true);
  assert.equal(await page.getByTestId('close-photo-button').count(), 0, 'the announced photo cannot be swapped');
  if (process.env.OFFICE_SCREENSHOTS) await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/close-photo-failed.png`, fullPage: true });
  const textOnly = await thread(server, rectified.id);
  assert.equal(textOnly.records.length, 4, 'the text is stored');
  const waiting = await (await server.fetch(`/api/reports/${textOnly.records[3].report.id}/photos`)).json();
  assert.deepEqual([waiting.expected, waiting.arrived], [1, 0], 'its photo is not');

  // Pressed again: the same record (a replay), then the rest of the photo
  // from where the server holds it; the form is gone once both went
  // through.
  const resumedAt = [];
  await page.route('**/api/uploads/**', (route) => {
    if (route.request().method() === 'PATCH') resumedAt.push(Number(route.request().headers()['upload-offset']));
    return route.fallback();
  });
  await button.click();
  await closeForm.waitFor({ state: 'detached', timeout: 20_000 });
  assert.deepEqual(await page.getByTestId('chain-stage').allInnerTexts(), ['发现隐患', '整改中', '已整改', '已验收销号']);
  assert.match(await page.getByTestId('sentence').last().innerText(), /经镇安全办 王军现场验收，整改到位，予以销号。验收照片：1 张。护栏牢固，救生圈齐全/);

  // On the server: the closing record, once, as the officer wrote it.
  const onServer = await thread(server, rectified.id);
  assert.deepEqual(onServer.records.map((r) => r.report.stage.kind), ['initial', 'rectifying', 'rectified', 'closed']);
  const closed = onServer.records[3].report;
  assert.equal(closed.template_id, 'hazard_closed');
  assert.equal(closed.thread, rectified.id);
  assert.deepEqual(closed.answers, { verifier: '镇安全办 王军', note: '护栏牢固，救生圈齐全', reporter: OFFICER.name, phone: '13900002222' });
  assert.match(closed.written_at, /\+08:00$/);
  assert.equal(closed.template_version, 2);
  assert.equal(closed.photos.length, 1);
  assert.equal(closed.photos[0].blank, 'after_photos');
  // Text first, the photo after: it arrives, by tus, as the desk's.
  const photos = await (await server.fetch(`/api/reports/${closed.id}/photos`)).json();
  assert.deepEqual([photos.expected, photos.arrived], [1, 1]);
  assert.ok(closed.photos[0].size > 131_072, `${closed.photos[0].size} bytes: two chunks`);
  assert.equal(resumedAt[0], 131_072, `resumed where the server held it, not from 0: ${resumedAt}`);
  await page.unroute('**/api/uploads/**');
  const officerId = (await (await server.fetch('/api/session')).json()).account.id;
  const stored = (await server.admin('audit')).split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((e) => e.action === 'report.store' && e.subject === closed.id);
  assert.equal(stored.length, 1, 'stored once');
  assert.equal(stored[0].actor_id, officerId, 'written by the officer');
  const reportersOwn = await (await server.fetch('/api/reports', {}, REPORTER)).json();
  assert.equal(reportersOwn.some((r) => r.report.id === closed.id), false, 'not the reporter\'s record');
  if (process.env.OFFICE_SCREENSHOTS) await page.screenshot({ path: `${process.env.OFFICE_SCREENSHOTS}/closed.png`, fullPage: true });
});

test('a form being typed on the incident page stays as it is when the stream reloads (another thread\'s report redraws nothing, this thread\'s keeps the words and the error) and when the officer leaves and comes back', { timeout: 60_000 }, async () => {
  desk ??= await openDesk(OFFICER);
  const { page } = desk;
  await page.goto(`${server.url}/office/#/`);
  await page.locator('[data-testid=inbox-line]:not([data-grade=hazard])').first().getByTestId('line-open').click();
  await page.getByTestId('thread').waitFor();
  const threadId = await page.getByTestId('thread').getAttribute('data-thread');
  const records = (await thread(server, threadId)).records;
  const send = async (report) => {
    delete report.clock_offset_ms;
    // A thread key proves the id of the 首报 it made, and no other record's.
    delete report.thread_key;
    const sent = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }, REPORTER);
    assert.equal(sent.status, 201, await sent.text());
  };

  // Another thread's report: nothing new for this one, so the page is not
  // drawn again. What its boxes hold stays: a failed 确认收到's message,
  // the words being typed, and the cursor.
  await page.route('**/api/threads/*/acknowledgements', (route) => route.abort('connectionreset'), { times: 1 });
  await page.getByTestId('ack-button').click();
  await page.getByTestId('ack-error').filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
  const ackError = await page.getByTestId('ack-error').innerText();
  const box = page.getByLabel('请求续报：需要报告人补充什么');
  await box.fill('请补充');
  // The page reloads on the stream's word: its last read is the signings.
  const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/threads/${threadId}/signatures`, { timeout: 20_000 });
  await send({ ...records[0].report, id: uuidv7(), written_at: new Date().toISOString() });
  await reloaded;
  // (The page draws in the task that read that answer: half a second is
  // ample.)
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.getByTestId('ack-error').innerText(), ackError, 'the failed acknowledgement is still said');
  assert.equal(await page.locator('#ask-message').evaluate((el) => el === document.activeElement), true, 'the cursor stays');
  assert.equal(await box.inputValue(), '请补充');

  // This thread's 续报 redraws the page: what was said of the last press
  // is the page's, and stays; typing again takes it away.
  await box.fill('');
  await page.getByTestId('ask-button').click();
  await page.getByTestId('ask-message-error').filter({ hasText: /请写明/ }).waitFor({ timeout: 5_000 });
  const latest = records[records.length - 1].report;
  const n = latest.stage.kind === 'follow_up' ? latest.stage.n + 1 : 1;
  const before = await page.getByTestId('chain-item').count();
  await send({ ...latest, id: uuidv7(), stage: { kind: 'follow_up', n }, written_at: new Date().toISOString() });
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid=chain-item]').length === count, before + 1, { timeout: 20_000 });
  assert.match(await page.getByTestId('ask-message-error').innerText(), /请写明/);
  await box.fill('请补充转移人数');
  await page.getByTestId('ask-message-error').filter({ hasText: /^$/ }).waitFor({ timeout: 5_000 });

  // Back to the inbox and in again: what was typed is still there.
  await page.getByTestId('back').click();
  await lines(page).first().waitFor();
  await page.goto(`${server.url}/office/#/thread/${threadId}`);
  await page.getByTestId('thread').waitFor();
  assert.equal(await box.inputValue(), '请补充转移人数');

  // A desk shared by the shift: the next officer to log in here starts
  // with none of the last one's words, and they are still the last one's
  // when she is back.
  const NEXT = { username: 'xh-duty-night', password: 'night-shift-2026', name: '新河区值班室夜班' };
  await server.adminInput(`${NEXT.password}\n`, 'user', 'add', NEXT.username, '--role', 'officer', '--area', 'xh', '--name', NEXT.name);
  const shift = async (who) => {
    await page.getByTestId('logout').click();
    await login(page).form.waitFor();
    await login(page).as(who);
    await page.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 20_000 });
    await page.goto(`${server.url}/office/#/thread/${threadId}`);
    await page.getByTestId('thread').waitFor();
  };
  await shift(NEXT);
  assert.equal(await box.inputValue(), '', 'not the last officer\'s words');
  await shift(OFFICER);
  assert.equal(await box.inputValue(), '请补充转移人数', 'hers again');
  await box.fill('');
});

test('a desk PC whose clock runs 20 minutes fast stamps a call by the server\'s clock', { timeout: 60_000 }, async () => {
  desk ??= await openDesk(OFFICER);
  const { page } = desk;
  await shiftClock(page.context(), 20 * 60_000);
  const incident = (await server.reports()).find((r) => r.report.stage.kind === 'initial' && !r.report.template_id.startsWith('hazard'));
  await page.goto(`${server.url}/office/#/thread/${incident.report.id}`);
  await page.reload();
  await page.getByTestId('thread').waitFor();
  assert.ok(Math.abs(await page.evaluate(() => Date.now()) - (Date.now() + 20 * 60_000)) < 60_000, 'the desk runs 20 minutes fast');
  // The call's time starts as now by the server's clock, not the PC's.
  const shown = await page.locator('#call-called_at').inputValue();
  const minutesOff = Math.abs(Date.parse(`${shown}:00Z`) - (Date.now() + 8 * 3_600_000)) / 60_000;
  assert.ok(minutesOff < 2, `通话时间 ${shown}: ${minutesOff.toFixed(0)} minutes from the server's now`);
});

test('a live reload of the inbox draws again only the rows that changed: the row in keyboard focus keeps it', { timeout: 60_000 }, async () => {
  const { page: deskPage } = await openDesk(OFFICER);
  const first = lines(deskPage).first();
  await first.waitFor();
  const before = await lines(deskPage).count();
  const link = first.getByTestId('line-open');
  await link.focus();
  const focused = await link.getAttribute('href');
  // A more urgent report arrives live, from the phone, and sorts above
  // the row in focus: an earthquake's 首报 with no figures yet, not graded
  // (it may be graver than it looks) and so before the 一般 ones.
  await openApp(phone.page, server.url, REPORTER);
  await home(phone.page).newReport('地震');
  const blank = (id) => phone.page.locator(`#blank-${id}`);
  await blank('occurred_at').fill('2026-11-23T09:41');
  await blank('place').fill('青石村三组后山');
  await blank('what_happened').fill('房屋倒塌');
  await blank('reporter').fill('李秀英');
  await blank('phone').fill('13800001234');
  await form(phone.page).waitSaved();
  await form(phone.page).submit.click();
  await deskPage.waitForFunction((n) => document.querySelectorAll('[data-testid=inbox-line]').length > n, before, { timeout: 30_000 });
  assert.notEqual(await lines(deskPage).first().getByTestId('line-open').getAttribute('href'), focused, 'the new report sorts above it');
  assert.equal(await deskPage.evaluate(() => document.activeElement?.getAttribute('href')), focused, 'focus stays on the row it was on');
  await deskPage.context().close();
});
