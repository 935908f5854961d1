// Empty drafts, double taps, deleted-draft back navigation, photo removal, pending 续报 draft.
import { startServer, openPhone, openApp, home, form, noiseJpeg, ANSWERS } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
const b = (page, id) => page.locator(`#blank-${id.replace('.', '\\.')}`);
try {
  let { page, context } = phone;
  await openApp(page, server.url);
  // 1. Tap a category by mistake, go back without typing
  await home(page).newReport('火灾');
  await page.getByRole('link', { name: '返回列表' }).click();
  await home(page).newReportButton.waitFor();
  await page.waitForTimeout(500);
  console.log('items after mistaken tap:', await home(page).items.allInnerTexts());
  await shot(page, '40-home-after-mistaken-tap');
  // 2. double tap on a picker button
  await home(page).newReportButton.click();
  await page.getByRole('button', { name: '火灾', exact: true }).first().dblclick();
  await page.getByTestId('save-state').waitFor();
  await page.waitForTimeout(800);
  await page.goto(`${server.url}/#/`);
  await home(page).newReportButton.waitFor();
  await page.waitForTimeout(500);
  console.log('items after dbl tap:', await home(page).items.allInnerTexts());
  await shot(page, '41-home-after-dbltap');
  await page.getByRole('link', { name: '新建报告' }).click();
  await page.waitForTimeout(500);
  await shot(page, '42-picker-frequent');
  console.log('picker:', (await text(page)).slice(0, 200));
  await page.goto(`${server.url}/#/`);
  // 3. delete a draft and go back (browser back)
  await home(page).items.first().getByRole('link').click();
  await page.getByTestId('save-state').waitFor();
  const draftUrl = page.url();
  await page.getByRole('button', { name: '删除草稿' }).click();
  await page.getByRole('button', { name: '确定删除' }).click();
  await home(page).newReportButton.waitFor();
  await page.goBack();
  await page.waitForTimeout(800);
  console.log('after back to deleted draft url', page.url(), draftUrl, '\n', await text(page));
  await shot(page, '43-back-to-deleted-draft');
  // 4. photo removal: no confirmation?
  await page.goto(`${server.url}/#/`);
  await home(page).newReport('风险隐患');
  await page.locator('#gallery-photos').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 800, 600) },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 600, 800) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo]').length === 2, null, { timeout: 30000 });
  await page.getByTestId('photo').first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await shot(page, '44-hazard-photos');
  await audit(page, 'hazard with photos');
  await page.getByTestId('photo').first().getByRole('button', { name: '删除' }).click();
  await page.waitForTimeout(600);
  console.log('photos after one tap on 删除:', await page.getByTestId('photo').count(), 'dialog?', await page.locator('[role=alert]').allInnerTexts());
  await shot(page, '45-after-photo-delete');
  await shotParts(page, '46-hazard-form');
  console.log('--- hazard form:\n', await text(page));
} finally {
  await phone.close();
  await server.stop();
}
