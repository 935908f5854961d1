// Where the app cannot run (issue 21): a browser without WebAssembly, or
// one that cannot compile the module (an old WebView), shows
// 「此浏览器无法运行快报」 — which browser to use instead, and the paths that
// need no app: a call to the duty office and an SMS, to the numbers of the
// last login on this phone — never a blank page; the duty office's page
// says the same in its own words, with no number to call. Screenshots at 360×640
// and 1366×768 go to $UNSUPPORTED_SCREENSHOTS when it is set.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, openPhone, openApp } from './helpers.mjs';

const SHOTS = process.env.UNSUPPORTED_SCREENSHOTS;
const DUTY_PHONE = '0731-8888 1234';
const SMS_NUMBER = '106 5550 1234';

let server;
before(async () => {
  server = await startServer({ KUAIBAO_SMS_NUMBER: SMS_NUMBER });
  await server.admin('area', 'phone', 'xh', DUTY_PHONE);
});
after(async () => { await server?.stop(); });

/** A desk computer's browser: a 1366×768 screen, no touch. */
const DESK = { options: { viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false } };

async function shot(page, name) {
  if (!SHOTS) return;
  for (const [w, h] of [[360, 640], [1366, 768]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`), fullPage: false });
  }
}

test('without WebAssembly the phone says which browser to use and offers the call and the SMS', { timeout: 90_000 }, async () => {
  const phone = await openPhone();
  try {
    // Logged in once on this phone, as a worker would have been.
    await openApp(phone.page, server.url);
    const page = await phone.context.newPage();
    await page.addInitScript(() => { delete globalThis.WebAssembly; });
    await page.goto(server.url);
    const box = page.getByTestId('unsupported');
    await box.waitFor({ timeout: 20_000 });
    assert.match(await box.innerText(), /此浏览器无法运行快报[\s\S]*This browser cannot run Kuaibao[\s\S]*Chrome/);
    assert.equal(await page.getByTestId('unsupported-call').getAttribute('href'), 'tel:073188881234');
    const sms = await page.getByTestId('unsupported-sms').getAttribute('href');
    assert.ok(sms.startsWith('sms:10655501234?body='), sms);
    assert.match(decodeURIComponent(sms.split('body=')[1]), /^【快报】首报：类别：/);
    for (const link of ['unsupported-call', 'unsupported-sms']) {
      const b = await page.getByTestId(link).boundingBox();
      assert.ok(b.height >= 48, `${link} is a big enough target`);
    }
    assert.equal(await page.getByTestId('login-form').count(), 0, 'no half-started app under it');
    await shot(page, 'unsupported');
  } finally {
    await phone.close();
  }
});

test('a module the engine cannot compile shows the same page, not a blank one', { timeout: 60_000 }, async () => {
  const phone = await openPhone();
  try {
    // A fresh phone (no login, no service worker yet): the wasm it gets is
    // one its engine cannot compile.
    await phone.page.route('**/*_bg.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: Buffer.from('not a wasm module') }));
    await phone.page.goto(server.url);
    const box = phone.page.getByTestId('unsupported');
    await box.waitFor({ timeout: 20_000 });
    assert.match(await box.innerText(), /此浏览器无法运行快报/);
    // No login on this phone: no numbers to offer, and it says whom to call.
    assert.equal(await phone.page.getByTestId('unsupported-call').count(), 0);
    await phone.page.getByTestId('unsupported-no-number').waitFor();
  } finally {
    await phone.close();
  }
});

test('a script the engine cannot parse (one below the floor) shows the same page', { timeout: 60_000 }, async () => {
  const phone = await openPhone();
  try {
    // What an engine older than the floor makes of a script: a
    // SyntaxError before the app runs (as Chromium before 89 made of the
    // loader's top-level await). Played with the loader, the one script
    // the page loads without a subresource-integrity hash to refuse it by.
    await phone.page.route(/\/loader-[0-9a-f]+\.js$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: 'const x = ;\n' }));
    await phone.page.goto(server.url);
    const box = phone.page.getByTestId('unsupported');
    await box.waitFor({ timeout: 20_000 });
    assert.match(await box.innerText(), /此浏览器无法运行快报/);
    assert.equal(await phone.page.locator('#boot').isVisible(), false, 'no login form under it');
  } finally {
    await phone.close();
  }
});

test('the duty office in a browser that cannot run it says to use a newer one, in its own words, and offers no call', { timeout: 60_000 }, async () => {
  const phone = await openPhone(DESK);
  try {
    const page = phone.page;
    await page.addInitScript(() => { delete globalThis.WebAssembly; });
    await page.goto(`${server.url}/office/`);
    const box = page.getByTestId('unsupported');
    await box.waitFor({ timeout: 20_000 });
    assert.match(await box.innerText(), /此浏览器无法运行快报[\s\S]*值班室页面需要较新的浏览器[\s\S]*报告照常送到服务器[\s\S]*The duty office page needs an up-to-date browser/);
    assert.doesNotMatch(await box.innerText(), /微信|急需报告/, 'not the phone\'s words');
    assert.equal(await page.locator('[data-testid=unsupported] a').count(), 0, 'no call or SMS to offer the office itself');
    await shot(page, 'unsupported-desk');
  } finally {
    await phone.close();
  }
});

test('the duty office with a script its engine cannot parse, before its wasm runs, shows that page too, not a blank one', { timeout: 60_000 }, async () => {
  const phone = await openPhone(DESK);
  try {
    const page = phone.page;
    await page.route(/\/office\/loader-[0-9a-f]+\.js$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: 'const x = ;\n' }));
    await page.goto(`${server.url}/office/`);
    const box = page.getByTestId('unsupported');
    await box.waitFor({ timeout: 20_000 });
    assert.match(await box.innerText(), /值班室页面需要较新的浏览器/);
    assert.equal(await page.getByTestId('login-form').count(), 0, 'no half-started desk under it');
  } finally {
    await phone.close();
  }
});
