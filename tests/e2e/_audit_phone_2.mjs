// Incident: empty submit, partial fill, reload mid-draft, offline submit, waiting page, online delivered, 续报, 终报.
import { startServer, openPhone, openApp, home, form, noiseJpeg } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
const b = (page, id) => page.locator(`#blank-${id.replace('.', '\\.')}`);
try {
  let { page, context } = phone;
  await context.grantPermissions(['geolocation'], { origin: server.url });
  await context.setGeolocation({ latitude: 30.6586, longitude: 104.0648, accuracy: 15 });
  await openApp(page, server.url);
  await home(page).newReport('地质灾害');
  await page.waitForTimeout(1500);
  await shotParts(page, '10-geo-form');
  await audit(page, 'geo form');
  console.log('--- geo form:\n', await text(page));
  // submit empty
  const t = Date.now();
  await form(page).submit.click();
  await page.waitForTimeout(800);
  console.log('focused:', await page.evaluate(() => document.activeElement?.id), 'scrollY', await page.evaluate(() => scrollY));
  await shot(page, '11-empty-submit');
  const errs = await page.locator('.error:not(:empty), .form-error').allInnerTexts();
  console.log('errors after empty submit:', JSON.stringify(errs));
  // partial fill and reload
  await b(page, 'place').fill('青石村三组后山');
  await b(page, 'what_happened').fill('后山滑坡');
  await page.getByRole('button', { name: '现在' }).first().click();
  await page.waitForTimeout(300);
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  await page.waitForTimeout(1000);
  console.log('after reload place=', await b(page, 'place').inputValue(), 'what=', await b(page, 'what_happened').inputValue(), 'occurred=', await b(page, 'occurred_at').inputValue());
  await shot(page, '12-after-reload');
  // fill rest
  console.log('selects:', await page.locator('select').evaluateAll((s) => s.map((x) => x.id + ':' + [...x.options].map((o) => o.value + '=' + o.text).join('|'))));
  await page.waitForTimeout(200);
  await shotParts(page, '13-geo-form-after-empty-submit');
} finally {
  await phone.close();
  await server.stop();
}
