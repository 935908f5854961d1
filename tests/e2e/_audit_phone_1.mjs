import { startServer, openPhone, login, home, REPORTER } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
try {
  const { page, context } = phone;
  const t0 = Date.now();
  await page.goto(server.url);
  await login(page).form.waitFor();
  console.log('login form visible after', Date.now() - t0, 'ms');
  await shot(page, '01-login');
  await audit(page, 'login');
  console.log(await text(page));
  // wrong password
  await login(page).as(REPORTER, 'wrong');
  await page.waitForTimeout(1500);
  await shot(page, '02-login-wrong');
  console.log('--- wrong pw:\n', await text(page));
  await login(page).as(REPORTER);
  await home(page).newReportButton.waitFor();
  console.log('home after', Date.now() - t0, 'ms');
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await page.waitForTimeout(800);
  await shot(page, '03-home-empty');
  await shot(page, '03-home-empty-full', true);
  await audit(page, 'home');
  console.log('--- home:\n', await text(page));
  await home(page).newReportButton.click();
  await page.getByTestId('choice').first().waitFor();
  await shot(page, '04-picker');
  await shot(page, '04-picker-full', true);
  await audit(page, 'picker');
  console.log('--- picker:\n', await text(page));
  await page.getByRole('button', { name: '其他突发事件', exact: true }).first().click();
  await page.getByTestId('save-state').waitFor();
  await page.waitForTimeout(1500);
  await shot(page, '05-incident-form');
  await shotParts(page, '05-incident-form');
  await audit(page, 'incident form');
  console.log('--- incident form:\n', await text(page));
} finally {
  await phone.close();
  await server.stop();
}
