// First visit on a weak link (≈ 2G/weak 3G): what the worker sees, and when she can log in.
import { startServer, openPhone, login, home, REPORTER } from './helpers.mjs';
import { shot, text } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
try {
  const { page, context } = phone;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 600, downloadThroughput: 50 * 1024 / 8 * 8 / 8 * 4, uploadThroughput: 20 * 1024 });
  const t0 = Date.now();
  await page.goto(server.url, { waitUntil: 'commit' });
  await login(page).form.waitFor({ timeout: 60000 });
  console.log('form at', Date.now() - t0);
  await login(page).username.fill(REPORTER.username);
  await login(page).password.fill(REPORTER.password);
  await shot(page, '130-slow-first-visit');
  console.log('button text:', await page.locator('#boot button, [data-testid=login-form] button').first().innerText());
  await page.locator('[data-testid=login-form] button').first().click().catch((e) => console.log('click', e.message.slice(0, 100)));
  await page.waitForTimeout(2000);
  await shot(page, '131-slow-after-tap');
  console.log('after tap:', (await text(page)).slice(0, 300));
  await home(page).newReportButton.waitFor({ timeout: 120000 });
  console.log('home at', Date.now() - t0);
} finally {
  await phone.close();
  await server.stop();
}
