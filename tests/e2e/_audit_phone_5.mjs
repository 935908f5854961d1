// Photos stuck after the text is delivered; logout offline; login offline; another user.
import { startServer, startProxy, openPhone, openApp, home, form, login, noiseJpeg, fillHazard, REPORTER } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
let cutUploads = true;
const proxy = await startProxy(server.url, ({ text }) => (cutUploads && /^(PATCH|POST) \/api\/uploads/m.test(text) ? 'cut' : 'pass'));
const phone = await openPhone();
try {
  let { page, context } = phone;
  await openApp(page, proxy.url);
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'a.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 1600, 1200) }]);
  await page.getByTestId('photo').first().waitFor();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('delivered', 30000);
  await page.waitForTimeout(6000);
  await shot(page, '50-home-text-delivered-photo-stuck');
  console.log('--- home (photo upload cut):\n', (await text(page)).slice(0, 400));
  await home(page).items.first().getByRole('link').click();
  await page.getByTestId('chain').waitFor();
  await page.waitForTimeout(500);
  await shot(page, '51-report-photo-stuck');
  await page.getByTestId('photo').first().scrollIntoViewIfNeeded();
  await shot(page, '52-report-photo-stuck-thumb');
  console.log('--- report (photo stuck):\n', (await text(page)).slice(0, 600));
  console.log('thumb:', await page.getByTestId('photo').allInnerTexts());
  // logout while the photo is still waiting, offline
  await page.goto(`${proxy.url}/#/`);
  await home(page).newReportButton.waitFor();
  await context.setOffline(true);
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForTimeout(300);
  await page.getByRole('button', { name: '退出登录' }).scrollIntoViewIfNeeded().catch(() => {});
  await page.getByTestId('account').scrollIntoViewIfNeeded();
  await shot(page, '53-logout-confirm-offline');
  console.log('--- logout confirm:\n', await page.getByTestId('account').innerText());
  await page.getByRole('button', { name: '确定退出' }).click();
  await page.waitForTimeout(1500);
  await shot(page, '54-after-logout-offline');
  console.log('--- after logout offline:\n', await text(page));
  // try login offline
  await login(page).as(REPORTER);
  await page.waitForTimeout(1500);
  await shot(page, '55-login-offline');
  console.log('--- login offline:\n', await text(page));
  await context.setOffline(false);
  cutUploads = false;
  await login(page).as(REPORTER);
  await home(page).newReportButton.waitFor();
  await page.waitForTimeout(5000);
  console.log('--- back in:\n', (await text(page)).slice(0, 400));
  await shot(page, '56-back-in');
} finally {
  await phone.close();
  await proxy.stop();
  await server.stop();
}
