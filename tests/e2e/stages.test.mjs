// Stages and threads: a full 首报 → 续报 → 终报 chain with grading and
// deadlines (in Chinese), and a hazard's whole life (in English), filed
// offline and then synced; the server returns each chain in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, field, thread, phoneRecords, ANSWERS } from './helpers.mjs';

let server;
let phone;
before(async () => { server = await startServer(); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

/** Opens the newest thread's latest record from the list. */
async function openLatest(page) {
  await page.getByTestId('report-item').first().getByRole('link').click();
  await page.getByTestId('chain').waitFor();
}

async function submitAndWait(page) {
  await page.getByRole('button', { name: /提交报告|Submit report/ }).click();
  await page.getByTestId('outbox-count').waitFor();
}

test('an incident: 首报, 续报一 with what changed and the grade it points to, 终报 with an override, all offline, then synced in order', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);

  // 首报: fast; the event happened 20 minutes ago.
  await home(page).newReport('其他突发事件');
  await form(page).fill();
  const occurred = await page.evaluate(() => {
    const t = new Date(Date.now() - 20 * 60_000 + 8 * 3600_000);
    return t.toISOString().slice(0, 16);
  });
  await field(page, '发生时间').fill(occurred);
  await form(page).waitSaved();
  assert.equal(await page.getByTestId('stage').innerText(), '首报');
  assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'IV');
  // The verbal-report deadline (10 min) has passed: overdue, counting.
  await page.locator('[data-testid=deadlines] [data-rule=verbal][data-state=overdue]').waitFor();
  await submitAndWait(page);

  // 续报一: starts from the 首报's answers and shows what changed.
  await openLatest(page);
  await page.getByRole('button', { name: '报送续报一' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.getByTestId('stage').innerText(), '续报一');
  assert.equal(await field(page, '地点').inputValue(), ANSWERS['地点'], 'pre-filled from the 首报');
  await field(page, '死亡人数').fill('4');
  await page.locator('.blank.changed', { hasText: '上次为：0' }).waitFor();
  assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'III');
  assert.match(await page.getByTestId('grade-panel').innerText(), /死亡人数 4 ≥ 3 → 较大（Ⅲ级）/);
  // 较大: the phone (30 min) and written (1 h) deadlines apply; the 首报
  // was written within the hour, so the written one is met.
  await page.locator('[data-testid=deadlines] [data-rule=written][data-state=met]').waitFor();
  await form(page).waitSaved();
  await submitAndWait(page);

  // 终报: every required blank; the officer reports 重大 instead, with a reason.
  await openLatest(page);
  await page.getByRole('button', { name: '报送终报' }).click();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await page.getByTestId('stage').innerText(), '终报');
  await page.getByLabel('确定等级').selectOption('II');
  await page.getByRole('button', { name: '提交报告' }).click();
  await page.locator('#error-grade_reason', { hasText: '理由' }).waitFor();
  await page.getByLabel('改定理由').fill('涉及危化品运输车辆，社会影响大');
  await form(page).waitSaved();
  await submitAndWait(page);

  // The chain on the phone, in order, before any signal.
  await openLatest(page);
  const chain = await page.getByTestId('chain-item').locator('.stage').allInnerTexts();
  assert.deepEqual(chain, ['首报', '续报一', '终报']);
  assert.equal((await server.reports()).length, 0, 'nothing sent while offline');

  // Signal returns: all three arrive, and the server keeps the chain.
  await context.setOffline(false);
  await page.goto(`${server.url}/#/`);
  await home(page).waitForCount('delivered', 1, 30_000);
  const records = await phoneRecords(page);
  const first = records.find((r) => r.stage.kind === 'initial' && r.template_id === 'general_incident');
  const onServer = await thread(server.url, first.id);
  assert.deepEqual(onServer.records.map((r) => r.report.stage), [{ kind: 'initial' }, { kind: 'follow_up', n: 1 }, { kind: 'final' }]);
  const final = onServer.records[2].report;
  assert.deepEqual(final.grade, { suggested: 'III', chosen: 'II', reason: '涉及危化品运输车辆，社会影响大' });
  assert.equal(final.answers.dead, '4');
  for (const r of onServer.records) {
    assert.ok(r.receipt.received_at, 'each record has its server receipt time');
    assert.ok(r.report.written_at, 'and its phone writing time');
  }
});

test('a hazard: found (overdue), rectifying, rectified, closed — in English, offline, then synced in order', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByTestId('new-report').filter({ hasText: 'New report' }).waitFor();
  await page.reload();
  await page.getByTestId('new-report').filter({ hasText: 'New report' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'the language is remembered');
  await context.setOffline(true);

  await home(page).newReport('Hazard');
  await field(page, 'Place').fill('Qingshi village pond, east bank');
  await field(page, 'Kind of hazard').selectOption('drowning');
  await field(page, 'Problem').fill('Fence broken over 20 m; children swim here after school');
  await field(page, 'Responsible party').fill('Qingshi village committee');
  const yesterday = await page.evaluate(() => new Date(Date.now() - 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10));
  await field(page, 'Rectify by').fill(yesterday);
  await field(page, 'Reporter').fill('Li Xiuying');
  await field(page, 'Phone').fill('13800001234');
  await form(page).waitSaved();
  await submitAndWait(page);
  await page.getByTestId('rectify-overdue').waitFor();
  assert.match(await page.getByTestId('rectify-overdue').innerText(), /Rectification overdue \(days\) 1/);

  for (const [step, fill] of [
    ['File Rectifying', async () => field(page, 'Measures').fill('Temporary fence and warning signs put up')],
    ['File Rectified', async () => field(page, 'What was done').fill('New fence, 25 m, and a life buoy')],
    ['File Verified and closed', async () => field(page, 'Verified by').fill('Wang Jun, township safety office')],
  ]) {
    await openLatest(page);
    await page.getByRole('button', { name: step }).click();
    await page.getByTestId('save-state').waitFor();
    assert.equal(await field(page, 'Reporter').inputValue(), 'Li Xiuying', 'the reporter carries over');
    await fill();
    await form(page).waitSaved();
    await submitAndWait(page);
  }
  assert.equal(await page.getByTestId('rectify-overdue').count(), 0, 'rectified: no longer overdue');
  await openLatest(page);
  assert.deepEqual(await page.getByTestId('chain-item').locator('.stage').allInnerTexts(), ['Found', 'Rectifying', 'Rectified', 'Verified and closed']);

  await context.setOffline(false);
  await page.goto(`${server.url}/#/`);
  await home(page).waitForCount('delivered', 2, 30_000);
  const records = await phoneRecords(page);
  const found = records.find((r) => r.template_id === 'hazard');
  const onServer = await thread(server.url, found.id);
  assert.deepEqual(onServer.records.map((r) => r.report.template_id), ['hazard', 'hazard_rectifying', 'hazard_rectified', 'hazard_closed']);
  assert.deepEqual(onServer.records.map((r) => r.report.stage.kind), ['initial', 'rectifying', 'rectified', 'closed']);
});
