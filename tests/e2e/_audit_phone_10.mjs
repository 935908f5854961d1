// Date input under a Chinese browser UI; disabled select colour; photo reload mid-processing.
import { startServer, openPhone, openApp, home, form, noiseJpeg, fillHazard } from './helpers.mjs';
import { shot, text } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone({ args: ['--lang=zh-CN'] });
try {
  let { page, context } = phone;
  await openApp(page, server.url);
  await home(page).newReport('其他突发事件');
  await page.getByRole('button', { name: '现在' }).first().click();
  await page.waitForTimeout(500);
  await shot(page, '100-date-input-zh-lang');
  // reload in the middle of adding a big photo
  await page.goto(`${server.url}/#/`);
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  await form(page).waitSaved();
  const big = await noiseJpeg(page, 4000, 3000);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'IMG_1.jpg', mimeType: 'image/jpeg', buffer: big }]);
  await page.waitForTimeout(150);
  console.log('note while processing:', await page.getByTestId('photo-note').innerText(), 'photos', await page.getByTestId('photo').count());
  await page.getByTestId('photo-note').scrollIntoViewIfNeeded();
  await shot(page, '101-photo-processing');
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  await page.waitForTimeout(3000);
  console.log('after reload mid-photo: photos', await page.getByTestId('photo').count(), 'note', await page.getByTestId('photo-note').innerText());
  // submitted view: disabled select colour
  await page.locator('#gallery-photos').setInputFiles([{ name: 'IMG_2.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 800, 600) }]);
  await page.getByTestId('photo').first().waitFor();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('delivered', 30000);
  await home(page).items.first().getByRole('link').click();
  await page.getByTestId('chain').waitFor();
  const c = await page.locator('#blank-theme').evaluate((e) => ({ color: getComputedStyle(e).color, bg: getComputedStyle(e).backgroundColor, opacity: getComputedStyle(e).opacity, value: e.options[e.selectedIndex].text }));
  console.log('disabled select', c);
  await page.locator('#blank-theme').scrollIntoViewIfNeeded();
  await shot(page, '102-readonly-select');
} finally {
  await phone.close();
  await server.stop();
}
