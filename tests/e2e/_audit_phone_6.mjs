// Waiting report + logout; another worker on the same phone; revoked session prompt.
import { startServer, openPhone, openApp, home, form, login, ANSWERS, REPORTER } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
const OTHER = { username: 'wangwu', password: 'wangwu-2026', name: '王五' };
try {
  await server.adminInput(`${OTHER.password}\n`, 'user', 'add', OTHER.username, '--role', 'reporter', '--area', 'xh-cg-qs-3', '--name', OTHER.name);
  let { page, context } = phone;
  await openApp(page, server.url);
  // a draft with content, and a waiting report (offline)
  await context.setOffline(true);
  await home(page).newReport('其他突发事件');
  const { 纬度, 经度, ...rest } = ANSWERS;
  await form(page).fill(rest);
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await home(page).newReport('火灾');
  await page.locator('#blank-place').fill('李秀英的私人草稿地点');
  await form(page).waitSaved();
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).newReportButton.waitFor();
  await context.setOffline(false);
  await page.waitForTimeout(300);
  await context.setOffline(true);
  // logout
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('button', { name: '确定退出' }).click();
  await login(page).form.waitFor();
  await context.setOffline(false);
  await page.waitForTimeout(1000);
  await shot(page, '60-login-with-waiting');
  console.log('--- login page with 1 waiting (online):\n', await text(page));
  console.log('server has', (await server.reports()).length, 'reports while logged out');
  // Another worker logs in on the same phone
  await login(page).as(OTHER);
  await home(page).newReportButton.waitFor();
  await page.waitForTimeout(4000);
  await shot(page, '61-other-user-home');
  await shotParts(page, '61-other-user-home-full');
  console.log('--- other user home:\n', await text(page));
  console.log('server has', (await server.reports()).length, 'reports');
  // can the other user open and submit Li's draft?
  const draft = home(page).items.filter({ hasText: '草稿' });
  if (await draft.count()) {
    await draft.first().getByRole('link').click();
    await page.getByTestId('save-state').waitFor();
    await page.waitForTimeout(500);
    await shot(page, '62-other-user-opens-li-draft');
    console.log('reporter field in Li draft opened by Wang:', await page.locator('#blank-reporter').inputValue());
  }
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).newReportButton.waitFor();
  // revoke the session → prompt
  await server.admin('user', 'revoke', OTHER.username);
  await home(page).newReport('其他突发事件');
  await form(page).fill(rest);
  await form(page).waitSaved();
  await form(page).submit.click();
  await page.getByTestId('session-prompt').waitFor({ timeout: 20000 }).catch(() => console.log('no session prompt'));
  await page.waitForTimeout(1000);
  await shot(page, '63-revoked-prompt');
  console.log('--- revoked:\n', (await text(page)).slice(0, 900));
} finally {
  await phone.close();
  await server.stop();
}
