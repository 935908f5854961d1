// Stages and threads, in each screen language: a full 首报 → 续报 → 终报
// chain with grading and deadlines, and a hazard found, rectifying and
// rectified, filed offline and then synced (its 验收销号 is the duty
// office's, never offered to the reporter); the server returns each chain
// in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, thread, phoneRecords, noiseJpeg, awayFromBeijingMidnight, ANSWERS, STORED } from './helpers.mjs';

// What the user reads, per language.
const WORDS = {
  'zh-CN': {
    other: '其他突发事件', hazard: '风险隐患', submit: '提交报告', toggle: 'English',
    initial: '首报', followUp1: '续报一', final: '终报', fileFollowUp1: '报送续报一', fileFinal: '报送终报',
    was0: '上次为：0', crossing: '死亡人数 + 失踪人数 5 ≥ 3 → 较大（Ⅲ级）',
    progress: '已搜救出 2 名被困群众', outcome: '被困人员全部救出，险情已排除', nextSteps: '继续监测后山裂缝', chosen: '确定等级', reasonLabel: '改定理由', reasonError: '理由',
    reason: '涉及危化品运输车辆，社会影响大',
    found: '发现隐患', rectifying: '整改中', rectified: '已整改',
    steps: ['报送整改中', '报送已整改'], closeStep: '报送已验收销号', awaitsOffice: /辖区值班员到现场验收销号/, overdue: /整改逾期（天） 1/,
    notBySms: /^只有首报可以用短信发送/, noPosition: /^未获定位权限，请手动填写经纬度$/,
  },
  en: {
    other: 'Other incident', hazard: 'Hazard', submit: 'Submit report', toggle: '中文',
    initial: 'Initial report', followUp1: 'Follow-up 1', final: 'Final report', fileFollowUp1: 'File Follow-up 1', fileFinal: 'File Final report',
    was0: 'was: 0', crossing: 'Dead + Missing 5 ≥ 3 → Major (III)',
    progress: 'Two trapped people rescued', outcome: 'Everyone trapped is out; the danger is over', nextSteps: 'Keep watching the crack above the village', chosen: 'Grade to report', reasonLabel: 'Reason for another grade', reasonError: 'reason',
    reason: 'A tanker of hazardous goods is involved',
    found: 'Found', rectifying: 'Rectifying', rectified: 'Rectified',
    steps: ['File Rectifying', 'File Rectified'], closeStep: 'File Verified and closed', awaitsOffice: /duty officer verifies it on site/, overdue: /Rectification overdue \(days\) 1/,
    notBySms: /^Only a first report goes by SMS/, noPosition: /^No permission to take the position: type the latitude and longitude$/,
  },
};

let server;
let phone;
// The county's rules: the 10-minute verbal report besides the national ones.
const COUNTY_RULES = new URL('../../rules/county-example.json', import.meta.url).pathname;

before(async () => { server = await startServer({ KUAIBAO_RULES: COUNTY_RULES }); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

const blank = (page, id) => page.locator(`#blank-${id.replace('.', '\\.')}`);

/** Opens the newest thread's latest record from the list. */
async function openLatest(page) {
  await page.getByTestId('report-item').first().getByRole('link').click();
  await page.getByTestId('chain').waitFor();
}

async function submit(page, w) {
  await page.getByRole('button', { name: w.submit }).click();
  await page.getByTestId('outbox-count').waitFor();
}

/** Switches the screen language if needed; it must survive a reload. */
async function useLanguage(page, lang) {
  const now = await page.evaluate(() => document.documentElement.lang);
  if (now !== lang) {
    await page.getByRole('button', { name: WORDS[now].toggle }).click();
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    await page.reload();
    await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 10_000 });
  }
}

async function delivered(page, threads) {
  await page.goto(`${server.url}/#/`);
  await home(page).waitForCount('delivered', threads, 30_000);
}

let threadsSoFar = 0;

for (const lang of ['zh-CN', 'en']) {
  const w = WORDS[lang];

  test(`[${lang}] an incident: 首报, 续报 with what changed and its grade, 终报 with an override; offline, then synced in order`, { timeout: 90_000 }, async () => {
    const { page, context } = phone;
    await openApp(page, server.url);
    await useLanguage(page, lang);
    // The county's rules reached the phone with its first pass.
    await page.locator('[data-testid=rules][data-rules=county-example]').waitFor();
    await context.setOffline(true);

    // 首报, fast: the event happened 20 minutes ago.
    await home(page).newReport(w.other);
    // The form asks for the position as it opens; this browser may not
    // give it, and says so in the worker's language.
    await page.locator('fieldset.geo .note').filter({ hasText: w.noPosition }).waitFor();
    for (const [id, value] of Object.entries(STORED)) {
      if (id === 'category') await blank(page, id).selectOption(value);
      else await blank(page, id).fill(value);
    }
    const occurred = await page.evaluate(() => new Date(Date.now() - 20 * 60_000 + 8 * 3600_000).toISOString().slice(0, 16));
    await blank(page, 'occurred_at').fill(occurred);
    // Known as it happened: the clocks start then, not when the draft was
    // opened.
    await blank(page, 'known_at').fill(occurred);
    await form(page).waitSaved();
    assert.equal(await page.getByTestId('stage').innerText(), w.initial);
    // What is not anything yet at a 首报 is not asked: no 处置结果, 后续措施
    // or 最新进展; the sentence reads on without them.
    for (const id of ['outcome', 'next_steps', 'progress']) assert.equal(await page.locator(`#blank-${id}`).count(), 0, `${id} not asked at the 首报`);
    assert.equal(await blank(page, 'measures').count(), 1);
    assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'IV');
    // The verbal-report deadline (10 min) has passed: overdue, counting.
    await page.locator('[data-testid=deadlines] [data-rule=verbal][data-state=overdue]').waitFor();
    // Owed and running: the clock, in words, and the call button at the top.
    const urgent = page.getByTestId('urgent');
    await urgent.locator('[data-rule=verbal][data-state=overdue]').waitFor();
    assert.match(await urgent.innerText(), lang === 'en' ? /overdue by \d+ min \d+ s/ : /已超时 \d+ 分 \d+ 秒/);
    assert.equal(await urgent.getByTestId('call-office').count(), 1);
    assert.ok((await urgent.boundingBox()).y < 200, 'at the top of the form');
    // While a blank is typed in, the pinned box leaves the form most of the
    // screen: its clocks a line each, the call, not the note under it.
    await blank(page, 'place').focus();
    const pinned = (await urgent.boundingBox()).height;
    assert.ok(pinned < 0.3 * page.viewportSize().height, `the pinned box is ${pinned} px tall`);
    await submit(page, w);

    // 续报一 starts from the 首报's answers and shows what changed.
    await openLatest(page);
    await page.getByRole('button', { name: w.fileFollowUp1 }).click();
    await page.getByTestId('save-state').waitFor();
    assert.equal(await page.getByTestId('stage').innerText(), w.followUp1);
    assert.equal(await blank(page, 'place').inputValue(), ANSWERS['地点'], 'pre-filled from the 首报');
    await blank(page, 'dead').fill('4');
    // A 续报 says what progressed (required at follow-ups).
    await blank(page, 'progress').fill(w.progress);
    assert.equal(await page.locator('#blank-outcome').count(), 0, 'no outcome at a 续报');
    await page.locator('.blank.changed', { hasText: w.was0 }).waitFor();
    assert.equal(await page.getByTestId('grade-suggested').getAttribute('data-grade'), 'III');
    assert.ok((await page.getByTestId('grade-panel').innerText()).includes(w.crossing));
    // 较大: the phone (30 min) and written (1 h) deadlines now apply. The
    // 首报 was written within the hour but has not reached the office (no
    // signal), and no call is logged: both still run.
    await page.locator('[data-testid=deadlines] [data-rule=written][data-state=left]').waitFor();
    await page.locator('[data-testid=deadlines] [data-rule=phone][data-state=left]').waitFor();
    // 较大 needs its picture (evidence rule), at each stage so graded.
    await page.locator('#gallery-photos').setInputFiles([{ name: 'slope.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 320, 240) }]);
    await page.getByTestId('photo').first().waitFor();
    await form(page).waitSaved();
    await submit(page, w);

    // 终报: reported as 重大 instead, which needs a reason.
    await openLatest(page);
    await page.getByRole('button', { name: w.fileFinal }).click();
    await page.getByTestId('save-state').waitFor();
    assert.equal(await page.getByTestId('stage').innerText(), w.final);
    // A 终报 (required): the outcome and the next steps.
    await blank(page, 'outcome').fill(w.outcome);
    await blank(page, 'next_steps').fill(w.nextSteps);
    // No picture of its own: the 续报's counts for the event (the phone
    // and the server judge the thread's evidence, not the record's).
    assert.equal(await page.getByTestId('photo').count(), 0);
    await page.getByLabel(w.chosen).selectOption('II');
    await page.getByRole('button', { name: w.submit }).click();
    await page.locator('#error-grade_reason', { hasText: w.reasonError }).waitFor();
    await page.getByLabel(w.reasonLabel).fill(w.reason);
    await form(page).waitSaved();
    await submit(page, w);

    // The chain on the phone, in order, before any signal.
    await openLatest(page);
    assert.deepEqual(await page.getByTestId('chain-item').locator('.stage').allInnerTexts(), [w.initial, w.followUp1, w.final]);
    // No SMS for a 终报, said in the worker's language.
    assert.match(await page.getByTestId('sms-not-sendable').innerText(), w.notBySms);

    // Signal returns: all three arrive, and the server keeps the chain.
    await context.setOffline(false);
    threadsSoFar += 1;
    await delivered(page, threadsSoFar);
    const records = await phoneRecords(page);
    const final = records.find((r) => r.stage.kind === 'final' && r.grade?.reason === w.reason);
    const onServer = await thread(server, final.thread);
    assert.deepEqual(onServer.records.map((r) => r.report.stage), [{ kind: 'initial' }, { kind: 'follow_up', n: 1 }, { kind: 'final' }]);
    assert.deepEqual(onServer.records[2].report.grade, { suggested: 'III', chosen: 'II', reason: w.reason });
    assert.deepEqual(onServer.records.map((r) => r.report.photos?.length ?? 0), [0, 1, 0], 'the 续报\'s picture stands for the 终报 too');
    assert.equal(onServer.records[2].report.answers.dead, '4');
    for (const r of onServer.records) {
      assert.ok(r.receipt.received_at && r.report.written_at, 'each record keeps its phone and server times');
    }
  });

  test(`[${lang}] a hazard: found (overdue), rectifying, rectified, and no closing for the reporter; offline, then synced in order`, { timeout: 150_000 }, async () => {
    // "Yesterday" is read here and the days overdue after the submit.
    await awayFromBeijingMidnight(60_000);
    const { page, context } = phone;
    await openApp(page, server.url);
    await useLanguage(page, lang);
    await context.setOffline(true);

    await home(page).newReport(w.hazard);
    await blank(page, 'place').fill('青石村堰塘东岸');
    await blank(page, 'theme').selectOption('drowning');
    await blank(page, 'description').fill('护栏损坏 20 米，放学后常有儿童下水');
    await blank(page, 'responsible').fill('青石村村委会');
    const yesterday = await page.evaluate(() => new Date(Date.now() - 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10));
    await blank(page, 'rectify_by').fill(yesterday);
    await blank(page, 'reporter').fill('李秀英');
    await blank(page, 'phone').fill('13800001234');
    await page.locator('#gallery-photos').setInputFiles([{ name: 'pond.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 800, 600) }]);
    await page.getByTestId('photo').waitFor();
    await form(page).waitSaved();
    await submit(page, w);
    const overdue = page.getByTestId('report-item').first().getByTestId('rectify-overdue');
    await overdue.waitFor();
    assert.match(await overdue.innerText(), w.overdue);

    const fills = [
      () => blank(page, 'measures').fill('已设临时围挡和警示牌'),
      async () => {
        await blank(page, 'done').fill('新建护栏 25 米，配救生圈');
        await page.locator('#gallery-after_photos').setInputFiles([{ name: 'fence.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 800, 600) }]);
        await page.getByTestId('photo').waitFor();
      },
    ];
    for (const [i, step] of w.steps.entries()) {
      await openLatest(page);
      await page.getByRole('button', { name: step }).click();
      await page.getByTestId('save-state').waitFor();
      assert.equal(await blank(page, 'reporter').inputValue(), '李秀英', 'the reporter carries over');
      // It names the hazard it continues.
      assert.match(await page.getByTestId('thread-about').innerText(), /青石村堰塘东岸$/);
      await fills[i]();
      await form(page).waitSaved();
      await submit(page, w);
    }
    assert.equal(await page.getByTestId('report-item').first().getByTestId('rectify-overdue').count(), 0, 'rectified: no longer overdue');
    await openLatest(page);
    assert.deepEqual(await page.getByTestId('chain-item').locator('.stage').allInnerTexts(), [w.found, w.rectifying, w.rectified]);
    // 验收销号 is the duty office's: the reporter is not offered it, and is
    // told who closes it.
    assert.equal(await page.getByRole('button', { name: w.closeStep }).count(), 0);
    assert.match(await page.getByTestId('awaits-office').innerText(), w.awaitsOffice);

    await context.setOffline(false);
    threadsSoFar += 1;
    await delivered(page, threadsSoFar);
    const records = await phoneRecords(page);
    const rectified = records.filter((r) => r.template_id === 'hazard_rectified').at(-1);
    const onServer = await thread(server, rectified.thread);
    assert.deepEqual(onServer.records.map((r) => r.report.template_id), ['hazard', 'hazard_rectifying', 'hazard_rectified']);
    assert.deepEqual(onServer.records.map((r) => r.report.stage.kind), ['initial', 'rectifying', 'rectified']);
    assert.deepEqual(onServer.records.map((r) => r.report.photos?.length ?? 0), [1, 0, 1], 'the found and rectified records carry their photos');
  });
}

test('a work-safety accident is not offered a grade below its figures; one chosen before the figures rose is refused at the grade, saying to correct a wrong figure; graver is taken', { timeout: 60_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await useLanguage(page, 'zh-CN');
  await home(page).newReport('火灾');
  const select = page.locator('#blank-grade');
  const offered = () => select.locator('option:not([disabled])').evaluateAll((os) => os.map((o) => o.value));
  // One dead: 一般 suggested, and every grade offered (graver ones need a reason).
  await blank(page, 'dead').fill('1');
  await blank(page, 'serious_injured').fill('0');
  await blank(page, 'direct_loss').fill('5');
  await page.locator('[data-testid=grade-suggested][data-grade="IV"]').waitFor();
  assert.deepEqual(await offered(), ['I', 'II', 'III', 'IV']);
  await select.selectOption('III');
  await blank(page, 'grade_reason').fill('影响较大');
  // The figures rise to 重大's: the 较大 chosen is now below them and no
  // lesser grade is offered.
  await blank(page, 'dead').fill('10');
  await page.locator('[data-testid=grade-suggested][data-grade="II"]').waitFor();
  assert.deepEqual(await offered(), ['I', 'II']);
  assert.equal(await select.inputValue(), 'III', 'what she chose is still shown, not changed behind her back');
  await form(page).waitSaved();
  await form(page).submit.click();
  const error = page.locator('#error-grade');
  await error.waitFor();
  assert.match(await error.innerText(), /不能低于所填数字对应的重大（Ⅱ级）；如果数字有误，请改正数字/);
  assert.equal(await select.getAttribute('aria-invalid'), 'true');
  // Said at the grade, not again in the list of errors no blank shows.
  assert.equal(await page.locator('#errors-elsewhere').filter({ hasText: '493' }).count(), 0);
  if (process.env.KUAIBAO_SHOTS) await page.getByTestId('grade-panel').screenshot({ path: `${process.env.KUAIBAO_SHOTS}/grade-493-360.png` });
  // 特别重大 (graver) is the reporter's to choose: no error at the grade.
  await select.selectOption('I');
  await form(page).waitSaved();
  await form(page).submit.click();
  await page.waitForFunction(() => !document.querySelector('#error-grade')?.textContent);
});
