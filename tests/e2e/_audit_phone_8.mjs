// Minimal crash: type in a blank, press the phone's Back.
import { startServer, openPhone, openApp, home, form } from './helpers.mjs';
import { shot, text } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
const tpl = process.env.T || '其他突发事件';
const wait = Number(process.env.W ?? 1500);
try {
  let { page, context } = phone;
  page.on('console', (m) => { if (/panicked/.test(m.text())) console.log('PANIC:', m.text().split('\n').slice(0, 2).join(' ')); });
  await openApp(page, server.url);
  await home(page).newReport(tpl);
  const field = page.locator(process.env.F || '#blank-place');
  await field.fill('后山滑坡处');
  if (wait) await page.waitForTimeout(wait);
  await page.goBack();
  await page.waitForTimeout(1500);
  const crashed = await page.getByTestId('crash-overlay').count();
  console.log(tpl, process.env.F || '#blank-place', 'wait', wait, crashed ? 'CRASHED' : 'ok', page.url());
  if (crashed) {
    await shot(page, `80-crash-back-${tpl}`);
    await page.getByRole('button', { name: /重新载入/ }).click();
    await page.waitForTimeout(3000);
    console.log('after reload url', page.url());
    await shot(page, `81-after-crash-reload-${tpl}`);
    await page.goto(`${server.url}/#/`);
    await home(page).newReportButton.waitFor({ timeout: 15000 });
    await page.waitForTimeout(1000);
    console.log('after reload items:', await home(page).items.allInnerTexts());
    await home(page).items.first().getByRole('link').click();
    await page.getByTestId('save-state').waitFor();
    console.log('place after crash+reload:', JSON.stringify(await page.locator('#blank-place').inputValue()));
  }
} finally {
  await phone.close();
  await server.stop();
}
