// The app runs under the server's strict, static Content-Security-Policy
// (no inline script, so no hash: the build moves the wasm loader and the
// crash recorder into files): the loader, the service worker, the photo worker, photo
// thumbnails from object URLs and the sync all work, and the browser
// reports no violation of the policy anywhere on the way.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, noiseJpeg, fillHazard } from './helpers.mjs';

const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

test('the app runs under the CSP with no violation', { timeout: 120_000 }, async () => {
  const server = await startServer();
  cleanup.push(() => server.stop());
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  const { page, context } = phone;

  // Every violation the page sees, from the DOM's own event (the init
  // script runs through the debugging protocol, which the policy does not
  // govern), and every console line that speaks of the policy, workers'
  // included.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const consoleViolations = [];
  const watch = (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) consoleViolations.push(text);
  };
  page.on('console', watch);
  context.on('serviceworker', (worker) => worker.on('console', watch));
  page.on('worker', (worker) => worker.on('console', watch));

  const first = await page.goto(server.url);
  const csp = first.headers()['content-security-policy'];
  assert.ok(csp, 'the page comes with a policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await first.text();
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, 'no inline script in the page');

  // Log in, wait for the service worker, write and send a report.
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('delivered', 1);

  // A hazard with a photo: the photo worker shrinks it and its thumbnail
  // shows from an object URL; then it is uploaded.
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  const jpeg = await noiseJpeg(page, 1200, 900);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
  await page.getByTestId('photo').first().locator('img').waitFor();
  const shown = await page.getByTestId('photo').first().locator('img').evaluate((img) => img.complete && img.naturalWidth > 0);
  assert.ok(shown, 'the thumbnail is shown');
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('delivered', 2);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await page.getByTestId('photo-progress').first().innerText().catch(() => '');
    if (text.endsWith('1/1')) break;
    assert.ok(Date.now() < deadline, `the photo is not uploaded: ${text}`);
    await page.getByRole('button', { name: '立即发送' }).click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(500);
  }

  // Offline start: the service worker serves the app, under the policy too.
  await context.setOffline(true);
  await page.reload();
  await home(page).newReportButton.waitFor();
  await context.setOffline(false);

  const violations = await page.evaluate(() => window.__cspViolations);
  assert.deepEqual(violations, [], 'no violation reported in the page');
  assert.deepEqual(consoleViolations, [], 'no violation in any console');
});
