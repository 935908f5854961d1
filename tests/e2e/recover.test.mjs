// A worker's threads on a new phone, or on one whose storage the browser
// cleared: once she logs in with signal, the phone reads her threads back
// from the server (`GET /api/threads`), and she goes on with them there —
// the 续报 she files from it joins its thread at the office. And what was
// filed in her threads elsewhere (`GET /api/thread-records`), by the office
// or on her other phone, reaches her phone, as do the threads she began there.
//
// KUAIBAO_SHOTS=<dir> also writes the new phone's list at 360×640 and
// 1366×768, and the office's records in her threads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { startServer, openPhone, openApp, home, form, thread, phoneRecords, noiseJpeg, uuidv7, ANSWERS, STORED, OFFICER, REPORTER } from './helpers.mjs';

const SHOTS = process.env.KUAIBAO_SHOTS;
const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });
before(async () => { if (SHOTS) await mkdir(SHOTS, { recursive: true }); });

test('a new phone reads back the worker\'s open thread with its receipt, and her 续报 from it joins the thread', { timeout: 120_000 }, async () => {
  const server = await startServer();
  cleanup.push(() => server.stop());
  // Her phone: a 首报, delivered.
  const old = await openPhone();
  cleanup.push(() => old.close());
  await openApp(old.page, server.url);
  await home(old.page).newReport();
  await form(old.page).fill();
  await old.page.locator('#gallery-photos').setInputFiles([{ name: 'slope.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(old.page, 320, 240) }]);
  await old.page.getByTestId('photo').first().waitFor();
  await form(old.page).waitSaved();
  await form(old.page).submit.click();
  await home(old.page).waitForCount('delivered', 1);
  const [first] = await server.reports();

  // A new phone (or the same one, its storage cleared): nothing on it
  // until she logs in; then her thread, as delivered, with its receipt.
  const fresh = await openPhone();
  cleanup.push(() => fresh.close());
  const { page } = fresh;
  await openApp(page, server.url);
  await home(page).waitForCount('delivered', 1, 30_000);
  const item = page.getByTestId('report-item').first();
  const said = await item.innerText();
  assert.match(said, new RegExp(ANSWERS['地点']), 'the place as typed');
  assert.match(said, new RegExp(`回执号 ${first.receipt.seq}`), 'the office\'s receipt number');
  const kept = await phoneRecords(page);
  assert.deepEqual(kept.map((r) => [r.id, r.status.state, r.author?.username, r.recovered]), [[first.report.id, 'delivered', server.reporter.username, true]]);
  if (SHOTS) {
    await page.screenshot({ path: path.join(SHOTS, 'recovered-360.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'recovered-1366.png') });
    await page.setViewportSize({ width: 360, height: 640 });
  }

  // She goes on with it: its photo is said to be at the office (this
  // phone never had it), and its 续报 starts from its answers and joins it.
  await item.getByRole('link').click();
  assert.equal(await page.getByTestId('photo-count').first().innerText(), '已有照片 1（在值班室，本机没有原图）');
  await page.getByRole('button', { name: '报送续报一' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.locator('#blank-place').inputValue(), ANSWERS['地点'], 'pre-filled from the 首报');
  await page.locator('#blank-progress').fill('已疏散全部群众');
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=report-item] [data-state=waiting], [data-testid=report-item] [data-state=sending]').length === 0, null, { timeout: 30_000 });
  const records = (await thread(server, first.report.id)).records;
  assert.deepEqual(records.map((r) => r.report.thread ?? null), [null, first.report.id], 'one thread at the office');
  assert.equal((await server.reports()).length, 2, 'nothing stored twice');

  // Read back once: after a reload the phone does not ask again, and
  // neither doubles nor drops anything.
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/threads') asked.push(r.url()); });
  const passed = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/requests', { timeout: 20_000 });
  await page.reload();
  await home(page).newReportButton.waitFor();
  // A whole pass ran (it ends by reading the office's requests).
  await passed;
  assert.deepEqual(asked, [], 'not asked again');
  assert.equal((await phoneRecords(page)).length, 2);
  assert.equal(await page.getByTestId('report-item').count(), 1);
});

/** Beijing time `ms` as a date-time blank holds it (YYYY-MM-DDTHH:MM). */
function beijing(ms) {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** A photo announced in blank `blank`; its bytes never follow. */
function announced(blank) {
  return { id: uuidv7(), blank, sha256: randomBytes(32).toString('hex'), size: 1234, mime: 'image/jpeg' };
}

/** Posts `report` as `who`; its id. */
async function filed(server, report, who) {
  const res = await server.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ written_at: new Date().toISOString(), ...report }) }, who);
  assert.equal(res.status, 201, `POST /api/reports as ${who.username}: ${res.status} ${await res.text()}`);
  return report.id;
}

test('what the office filed in her threads reaches her phone: its logged call meets her phone deadline, its closing finishes her hazard, its 续报 takes a number; so does what she filed on her other phone, and the thread she began there', { timeout: 150_000 }, async () => {
  const server = await startServer();
  cleanup.push(() => server.stop());
  const tenMinutesAgo = Date.now() - 10 * 60_000;
  // Hers: a 较大 incident (3 dead) and a hazard she rectified.
  const incident = await filed(server, {
    id: uuidv7(),
    template_id: 'general_incident',
    template_version: 1,
    answers: { ...STORED, occurred_at: beijing(tenMinutesAgo), dead: '3' },
    grade: { suggested: 'III', chosen: 'III' },
  }, REPORTER);
  const person = { reporter: REPORTER.name, phone: '13800001234' };
  const hazard = await filed(server, {
    id: uuidv7(),
    template_id: 'hazard',
    template_version: 2,
    answers: { place: '青石村堰塘东岸', theme: 'drowning', description: '护栏缺失', major: 'no', responsible: '青石村村委会', rectify_by: '2026-12-31', ...person },
    photos: [announced('photos')],
  }, REPORTER);
  await filed(server, {
    id: uuidv7(), thread: hazard, stage: { kind: 'rectified' }, template_id: 'hazard_rectified', template_version: 1,
    answers: { done: '已加装护栏和警示牌', ...person },
    photos: [announced('after_photos')],
  }, REPORTER);
  // The office's: the call it took from her, and the closing.
  const officeSays = { reporter: OFFICER.name, phone: '0838-2222110' };
  await filed(server, {
    id: uuidv7(), thread: incident, stage: { kind: 'call', n: 1 }, template_id: 'call', template_version: 1,
    answers: { called_at: beijing(Date.now() - 5 * 60_000), note: '报告人电话报告：3 人死亡', ...officeSays },
  }, OFFICER);
  await filed(server, {
    id: uuidv7(), thread: hazard, stage: { kind: 'closed' }, template_id: 'hazard_closed', template_version: 2,
    answers: { verifier: '区应急局 王科长', ...officeSays },
    photos: [announced('after_photos')],
  }, OFFICER);

  // A new phone: her threads read back, then the office's records in them.
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  const { page } = phone;
  await openApp(page, server.url);
  await home(page).waitForCount('delivered', 2, 30_000);
  const office = async () => (await phoneRecords(page)).filter((r) => r.by_office);
  for (let i = 0; (await office()).length < 2; i += 1) {
    assert.ok(i < 100, 'the office\'s records arrive');
    await page.waitForTimeout(200);
  }
  for (const r of await office()) {
    assert.equal(r.by_office, OFFICER.name);
    assert.equal(r.author ?? null, null, 'not sent under her account, ever');
    assert.equal(r.status.state, 'delivered');
  }

  // The hazard: closed, nothing awaited of the office.
  await page.getByTestId('report-item').filter({ hasText: '青石村堰塘东岸' }).getByRole('link').click();
  await page.getByTestId('chain').waitFor();
  const closing = page.getByTestId('chain-item').filter({ hasText: '已验收销号' });
  assert.match(await closing.innerText(), new RegExp(`值班室[\\s\\S]*登记人 ${OFFICER.name}`));
  assert.equal(await page.getByTestId('awaits-office').count(), 0, 'nothing left for the office');
  if (SHOTS) {
    await page.screenshot({ path: path.join(SHOTS, 'office-closed-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: path.join(SHOTS, 'office-closed-1366.png') });
    await page.setViewportSize({ width: 360, height: 640 });
  }

  // The incident: the call the office logged meets her phone deadline.
  await page.goto(`${server.url}/#/`);
  await page.getByTestId('report-item').filter({ hasText: ANSWERS['地点'] }).getByRole('link').click();
  await page.locator('[data-testid=deadlines] [data-rule=phone][data-state=met]').waitFor({ timeout: 20_000 });
  assert.match(await page.getByTestId('chain-item').filter({ hasText: '电话报告' }).innerText(), /值班室/);
  await page.getByRole('button', { name: '报送续报一' }).waitFor();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'office-call-360.png'), fullPage: true });

  // Later the office files 续报一 for her: her next pass brings it, and
  // she is offered 续报二.
  await filed(server, {
    id: uuidv7(), thread: incident, stage: { kind: 'follow_up', n: 1 }, template_id: 'general_incident', template_version: 1,
    answers: { ...STORED, occurred_at: beijing(tenMinutesAgo), dead: '3', injured: '4', ...officeSays },
    grade: { suggested: 'III', chosen: 'III' },
  }, OFFICER);
  await page.reload();
  for (let i = 0; (await office()).length < 3; i += 1) {
    assert.ok(i < 100, 'the office\'s 续报 arrives');
    await page.waitForTimeout(200);
  }
  await page.getByRole('button', { name: '报送续报二' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByRole('button', { name: '报送续报一' }).count(), 0);
  await page.getByRole('button', { name: '报送续报二' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.locator('#blank-injured').inputValue(), '4', 'from the office\'s figures');
  assert.equal(await page.locator('#blank-reporter').inputValue(), REPORTER.name, 'her name, not the office\'s');
  await page.locator('#blank-injured').fill('6');
  await form(page).waitSaved();

  // Meanwhile she files 续报二 on her other phone: this one brings it as
  // hers, and files its own draft as 续报三.
  const other = await filed(server, {
    id: uuidv7(), thread: incident, stage: { kind: 'follow_up', n: 2 }, template_id: 'general_incident', template_version: 1,
    answers: { ...STORED, occurred_at: beijing(tenMinutesAgo), dead: '3', injured: '5', ...person },
    grade: { suggested: 'III', chosen: 'III' },
  }, REPORTER);
  const held = async () => (await phoneRecords(page)).find((r) => r.id === other);
  // A pass runs as the app starts: the draft stays open where it was.
  await page.reload();
  for (let i = 0; !(await held()); i += 1) {
    assert.ok(i < 100, 'her other phone\'s 续报 arrives');
    await page.waitForTimeout(200);
  }
  // Opened again, the draft is headed with the number it will go under.
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.locator('#blank-injured').inputValue(), '6', 'the draft as typed');
  assert.equal(await page.getByTestId('stage').innerText(), '续报三');
  const hers = await held();
  assert.equal(hers.author?.username, REPORTER.username, 'hers, sendable under her account');
  assert.equal(hers.by_office ?? null, null);
  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  let onServer = [];
  for (let i = 0; i < 100 && onServer.length < 2; i += 1) {
    onServer = (await server.reports()).filter((r) => r.report.stage.kind === 'follow_up' && r.author?.username === REPORTER.username);
    if (onServer.length < 2) await page.waitForTimeout(200);
  }
  assert.deepEqual(onServer.map((r) => r.report.stage.n).sort(), [2, 3], 'hers went as 续报三');
  // Nothing of the office's went back to the server under her account.
  assert.equal((await server.reports()).length, 8);

  // She begins an incident on her other phone, and files its 续报一 there:
  // this phone lists it as hers and offers 续报二. (Before, only threads
  // already on this phone were added to: she could not go on with it here,
  // and would have begun it again.)
  const elsewhere = { ...STORED, place: '青石村五组河堤', occurred_at: beijing(Date.now() - 5 * 60_000), dead: '0', injured: '0', missing: '0' };
  const begun = await filed(server, {
    id: uuidv7(), template_id: 'general_incident', template_version: 1, answers: elsewhere,
    grade: { suggested: 'IV', chosen: 'IV' },
  }, REPORTER);
  await filed(server, {
    id: uuidv7(), thread: begun, stage: { kind: 'follow_up', n: 1 }, template_id: 'general_incident', template_version: 1,
    answers: { ...elsewhere, injured: '1' }, grade: { suggested: 'IV', chosen: 'IV' },
  }, REPORTER);
  await page.goto(`${server.url}/#/`);
  await page.reload();
  const there = page.getByTestId('report-item').filter({ hasText: '青石村五组河堤' });
  await there.first().waitFor({ timeout: 30_000 });
  const begunHere = (await phoneRecords(page)).filter((r) => r.id === begun || r.thread === begun);
  assert.deepEqual(begunHere.map((r) => [r.author?.username, r.status.state]), [[REPORTER.username, 'delivered'], [REPORTER.username, 'delivered']]);
  await there.first().getByRole('link').click();
  await page.getByRole('button', { name: '报送续报二' }).waitFor({ timeout: 20_000 });
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'other-phone-thread-360.png'), fullPage: true });
  assert.equal((await server.reports()).length, 10, 'nothing sent again');
});
