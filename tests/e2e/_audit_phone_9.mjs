// Urgent sticky panel offline; SMS text; topbar in English.
import { startServer, openPhone, openApp, home, form, ANSWERS } from './helpers.mjs';
import { shot, audit, text, shotParts } from './_audit_phone_lib.mjs';
const COUNTY_RULES = new URL('../../rules/county-example.json', import.meta.url).pathname;
const server = await startServer({ KUAIBAO_RULES: COUNTY_RULES });
const phone = await openPhone();
const b = (page, id) => page.locator(`#blank-${id.replace('.', '\\.')}`);
try {
  let { page, context } = phone;
  await openApp(page, server.url);
  await page.locator('[data-testid=rules][data-rules=county-example]').waitFor({ timeout: 20000 });
  await context.setOffline(true);
  await home(page).newReport('其他突发事件');
  const occurred = await page.evaluate(() => new Date(Date.now() - 20 * 60_000 + 8 * 3600_000).toISOString().slice(0, 16));
  await b(page, 'occurred_at').fill(occurred);
  await b(page, 'known_at').fill(occurred);
  await b(page, 'place').fill('青石村三组后山');
  await page.getByTestId('urgent').waitFor();
  await page.evaluate(() => document.activeElement.blur());
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  await shot(page, '90-urgent-top-offline');
  for (const y of [400, 1200]) {
    await page.evaluate((y) => window.scrollTo(0, y), y);
    await page.waitForTimeout(300);
    await shot(page, `91-urgent-scrolled-${y}-offline`);
    console.log('scroll', y, 'topbar bottom', await page.locator('.topbar').evaluate((e) => e.getBoundingClientRect().bottom), 'urgent top', await page.getByTestId('urgent').evaluate((e) => e.getBoundingClientRect().top));
  }
  console.log('--- urgent text:\n', await page.getByTestId('urgent').innerText());
  // focus a field low on the page as a typing worker would: is it hidden under the sticky bars?
  await b(page, 'phone').scrollIntoViewIfNeeded();
  await b(page, 'measures').click();
  await page.waitForTimeout(300);
  await shot(page, '92-typing-under-urgent');
  console.log('measures box', await b(page, 'measures').boundingBox(), 'urgent box', await page.getByTestId('urgent').boundingBox());
  // submit fully offline
  const { 纬度, 经度, 发生时间, ...rest } = ANSWERS;
  await form(page).fill(rest);
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForStatus('waiting');
  await page.waitForTimeout(500);
  await shot(page, '93-home-waiting-county');
  console.log('--- home:\n', (await text(page)).slice(0, 700));
  await home(page).items.first().getByRole('link').click();
  await page.getByTestId('sms').waitFor();
  await page.locator('.sms summary').click();
  await page.waitForTimeout(300);
  await shot(page, '94-sms');
  console.log('sms href:', await page.getByTestId('sms-send').getAttribute('href').then((h) => h.slice(0, 60)));
  console.log('sms text:\n', await page.getByTestId('sms-text').innerText());
  await page.getByTestId('sms-text').scrollIntoViewIfNeeded();
  await shot(page, '95-sms-text');
  // English
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForTimeout(800);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '96-english-offline');
  console.log('--- english:\n', (await text(page)).slice(0, 800));
  await page.getByRole('button', { name: '中文' }).click();
} finally {
  await phone.close();
  await server.stop();
}
