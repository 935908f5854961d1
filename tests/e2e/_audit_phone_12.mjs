// Logout with a report waiting: what the login page says; back online while logged out.
import { startServer, openPhone, openApp, home, form, login, ANSWERS, REPORTER } from './helpers.mjs';
import { shot, text } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
try {
  let { page, context } = phone;
  await openApp(page, server.url);
  await context.setOffline(true);
  await home(page).newReport('其他突发事件');
  const { 纬度, 经度, ...rest } = ANSWERS;
  await form(page).fill(rest);
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByTestId('account').scrollIntoViewIfNeeded();
  await shot(page, '120-logout-confirm-with-waiting');
  console.log('--- confirm:\n', await page.getByTestId('account').innerText());
  await page.getByRole('button', { name: '确定退出' }).click();
  await login(page).form.waitFor();
  await context.setOffline(false);
  await page.waitForTimeout(5000);
  await shot(page, '121-login-page-waiting-online');
  console.log('--- login page (online, 1 waiting):\n', await text(page));
  console.log('server has', (await server.reports()).length, 'reports');
} finally {
  await phone.close();
  await server.stop();
}
