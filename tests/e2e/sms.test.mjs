// 短信首报 in real browsers, against the real server (issue 18): a worker
// with no data submits a 首报 and finds it ready as one SMS (`sms:` to the
// office's number, the text carrying the record itself); the duty officer
// pastes the text at the desk (a cut text is refused, naming it) and the
// record is stored as the worker's, under its id, received when the text
// was; when the phone's data returns its own copy is the same report —
// one record, the receipt saying it came by SMS first. The text is sealed
// by the phone's session, so an SMS gateway's copy is taken too, and a
// forged seal is not; an unsealed text (an app from before the seal) is
// refused by the gateway, and pasted at the desk it is marked 未验证. Screenshots at
// 360×640 and 1366×768 go to $SMS_SCREENSHOTS when it is set.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, openDesk, home, form, thread, OFFICER } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.SMS_SCREENSHOTS;
const SMS_NUMBER = '106 5550 1234';
const GATEWAY_TOKEN = 'e2e-gateway-secret-0123456789abcdef0123';

/** With no data, a 首报 filled and submitted: it waits, and its page is open. */
async function submitOffline(page, context) {
  await context.setOffline(true);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await home(page).items.first().getByRole('link').click();
}

/** The text of the first report's SMS offer, once the phone makes it. */
async function smsText(page) {
  const send = page.getByTestId('sms-send');
  await send.waitFor();
  return decodeURIComponent((await send.getAttribute('href')).split('&body=')[1]);
}

/** The phone back at its list, a new 首报 submitted with no data, and its
 *  SMS: the text, its lines before the code line, the code line's fields
 *  (#KB2, checksum, seal, id, …) and the record's id. */
async function anotherOffline() {
  const { page, context } = phone;
  await page.goto(server.url);
  await submitOffline(page, context);
  const text = await smsText(page);
  const lines = text.split('\n');
  const code = lines.pop().split(' ');
  return { text, lines, code, id: code[3] };
}

/** Pastes `text` at the desk `d` and waits for its thread to open. */
async function paste(d, text, id) {
  await d.getByLabel('短信原文').fill(text);
  await d.getByTestId('sms-submit').click();
  await d.waitForURL(new RegExp(`#/thread/${id}$`));
}

/** Forwards `text` as the SMS gateway would. */
function forward(text, from) {
  return fetch(`${server.url}/api/sms/gateway`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, from }),
  });
}

let server;
let phone;
let browser;
before(async () => {
  server = await startServer({ KUAIBAO_SMS_NUMBER: SMS_NUMBER, KUAIBAO_SMS_GATEWAY_TOKEN: GATEWAY_TOKEN });
  phone = await openPhone();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => { await browser?.close(); await phone?.close(); await server?.stop(); });

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

test('a 短信首报 pasted at the desk and the app\'s later sync are one report', { timeout: 120_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await submitOffline(page, context);

  // No data: the record is offered as one SMS to the office's number.
  const send = page.getByTestId('sms-send');
  await send.waitFor();
  await send.scrollIntoViewIfNeeded();
  await shot(page, 'sms-phone');
  const href = await send.getAttribute('href');
  assert.match(href, /^sms:10655501234\?&body=/);
  assert.equal(await page.getByTestId('sms-no-number').count(), 0, 'a number is set: nothing to type');
  const text = decodeURIComponent(href.split('&body=')[1]);
  assert.match(text, /^【快报】首报：/);
  assert.match(text, /地点：青石村三组后山/);
  // Sealed by this phone's session (#KB2: checksum, seal, id …).
  assert.match(text, /\n#KB2 [0-9a-f]{8} [0-9a-f]{16} [0-9a-f-]{36} /);
  assert.match(await send.innerText(), /约 \d+ 条短信/);
  assert.equal(await page.getByTestId('sms-text').textContent(), text, 'the text shown is the text sent');
  const id = text.split('\n').at(-1).split(' ')[3];

  const desk = await openDesk(browser, server.url, OFFICER, { width: 1366, height: 768 });
  const d = desk.page;
  await d.getByTestId('sms-paste').locator('summary').click();
  // Cut short on the way: refused at the text, nothing stored.
  await d.getByLabel('短信原文').fill(text.slice(0, -30));
  await d.getByTestId('sms-submit').click();
  await d.getByTestId('sms-text-error').filter({ hasText: /不完整|校验码/ }).waitFor();
  await shot(d, 'sms-desk-refused');
  assert.equal((await server.reports()).length, 0, 'nothing stored from a cut text');

  await paste(d, text, id);
  // The phone's text is sealed: the desk says it came from her phone.
  const sealed = d.getByText('（短信首报，已验证为报告人手机发出）').first();
  await sealed.waitFor();
  await sealed.scrollIntoViewIfNeeded();
  await shot(d, 'sms-desk-thread');
  const bySms = await thread(server, id);
  assert.equal(bySms.records.length, 1);
  assert.equal(bySms.records[0].receipt.via_sms, true);
  assert.equal(bySms.records[0].report.answers.place, '青石村三组后山');

  // Data returns: the phone's own copy is the same report.
  await context.setOffline(false);
  const status = page.getByTestId('report-status').first();
  await page.locator('[data-testid=report-status][data-state=delivered]').first().waitFor({ timeout: 30_000 });
  assert.match(await status.innerText(), /短信先到/);
  await assert.rejects(page.getByTestId('sms-send').waitFor({ timeout: 1_000 }), 'no SMS offered once delivered');
  const after = await thread(server, id);
  assert.equal(after.records.length, 1, 'one record, not two');
  assert.equal(after.records[0].receipt.seq, bySms.records[0].receipt.seq);
  assert.equal(after.records[0].receipt.received_at, bySms.records[0].receipt.received_at);
  assert.equal((await server.reports()).filter((r) => r.report.id === id).length, 1);
  await desk.context.close();
});

test('the phone\'s text, sealed by its session, is taken from the gateway; the same text with its seal changed is not', { timeout: 120_000 }, async () => {
  const { page, context } = phone;
  const { text, lines, code, id } = await anotherOffline();

  // A forger's copy: the same words with another seal (its checksum holds).
  code[2] = code[2] === '0123456789abcdef' ? 'fedcba9876543210' : '0123456789abcdef';
  const forged = [...lines, code.join(' ')].join('\n');
  let res = await forward(forged, '+86 138 0000 1234');
  assert.equal(res.status, 403);
  const refusal = await res.json();
  assert.equal(refusal.fields[0].field, 'text');
  assert.match(refusal.fields[0].message_zh, /验证码[\s\S]*值班台粘贴录入/);
  assert.equal((await server.reports()).filter((r) => r.report.id === id).length, 0, 'nothing stored');

  res = await forward(text, '+86 138 0000 1234');
  assert.equal(res.status, 201, await res.clone().text());
  assert.equal((await res.json()).via_sms, true);

  await context.setOffline(false);
  await page.locator('[data-testid=report-status][data-state=delivered]').first().waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('report-status').first().innerText(), /短信先到/);
  assert.equal((await server.reports()).filter((r) => r.report.id === id).length, 1, 'one record');
});

test('an unsealed text (an app from before the seal) is refused by the gateway; pasted at the desk it is stored and marked 未验证', { timeout: 120_000 }, async () => {
  // The same text as an older app wrote it: #KB1, no seal; the checksum
  // covers the same lines and fields.
  const { lines, code, id } = await anotherOffline();
  const unsealed = [...lines, ['#KB1', code[1], ...code.slice(3)].join(' ')].join('\n');
  const res = await forward(unsealed, '+86 138 0000 1234');
  assert.equal(res.status, 403);
  assert.equal((await server.reports()).filter((r) => r.report.id === id).length, 0, 'nothing stored');

  const desk = await openDesk(browser, server.url, OFFICER, { width: 1366, height: 768 });
  const d = desk.page;
  await d.getByTestId('sms-paste').locator('summary').click();
  await paste(d, unsealed, id);
  const unverified = d.getByText('（短信首报，未验证：应已电话核实）').first();
  await unverified.waitFor();
  await unverified.scrollIntoViewIfNeeded();
  await shot(d, 'sms-desk-unsealed');
  assert.equal((await thread(server, id)).records[0].receipt.sms_sealed, undefined, 'not sealed (absent when false)');
  await phone.context.setOffline(false);
  await desk.context.close();
});

test('the phone at 360×640 and the paste form at a phone-sized desk fit the screen', { timeout: 60_000 }, async () => {
  const desk = await openDesk(browser, server.url, OFFICER, { width: 360, height: 640 });
  await desk.page.getByTestId('sms-paste').locator('summary').click();
  const box = await desk.page.getByLabel('短信原文').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the text area fits: ${JSON.stringify(box)}`);
  const button = await desk.page.getByTestId('sms-submit').boundingBox();
  assert.ok(button.height >= 48, `a 48 px target: ${button.height}`);
  await shot(desk.page, 'sms-desk-phone');
  await desk.context.close();
});
