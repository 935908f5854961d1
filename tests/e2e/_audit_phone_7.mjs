// Reproduce the crash: find the step.
import { startServer, openPhone, openApp, home, form, login, ANSWERS, REPORTER } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
const variant = process.env.V || 'a';
try {
  let { page, context } = phone;
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text().slice(0, 600)); });
  const crashed = async (step) => { const c = await page.getByTestId('crash-overlay').count(); console.log(step, c ? 'CRASHED' : 'ok'); return c; };
  await openApp(page, server.url);
  await context.setOffline(true);
  await home(page).newReport('其他突发事件');
  const { 纬度, 经度, ...rest } = ANSWERS;
  await form(page).fill(rest);
  await form(page).waitSaved();
  await crashed('filled');
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await page.waitForTimeout(1000);
  await crashed('submitted');
  await home(page).newReport('火灾');
  await page.waitForTimeout(1000);
  await crashed('new fire draft');
  await page.locator('#blank-place').fill('某地');
  await form(page).waitSaved();
  await crashed('typed place');
  if (variant === 'a') await page.goto(`${server.url}/#/`);
  else if (variant === 'b') await page.getByRole('link', { name: '返回列表' }).click();
  else if (variant === 'c') { await page.goBack(); await page.waitForTimeout(1000); console.log('url after back', page.url()); await crashed('after back'); await page.goBack(); }
  else if (variant === 'd') await page.evaluate(() => { location.hash = '#/'; });
  else if (variant === 'e') { await page.locator('#blank-place').blur(); await page.goto(`${server.url}/#/`); }
  await home(page).newReportButton.waitFor();
  await page.waitForTimeout(1500);
  await crashed('home');
  await context.setOffline(false);
  await page.waitForTimeout(3000);
  await crashed('online');
  await shot(page, `70-crash-${variant}`);
  if (await page.getByTestId('crash-overlay').count()) console.log(await page.getByTestId('crash-overlay').innerText());
} finally {
  await phone.close();
  await server.stop();
}
