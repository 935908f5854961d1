// HEIC photo; 12 MP processing time; many photos at once.
import { startServer, openPhone, openApp, home, form, noiseJpeg } from './helpers.mjs';
import { shot, text } from './_audit_phone_lib.mjs';
const server = await startServer();
const phone = await openPhone();
try {
  let { page } = phone;
  await openApp(page, server.url);
  await home(page).newReport('其他突发事件');
  // A HEIC as many Android phones now save (fake bytes with a real ftyp heic header)
  const heic = Buffer.concat([Buffer.from([0,0,0,0x18]), Buffer.from('ftypheic'), Buffer.alloc(12), Buffer.alloc(5000, 7)]);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'IMG_20261207_0930.heic', mimeType: 'image/heic', buffer: heic }]);
  await page.waitForTimeout(2000);
  console.log('heic note:', await page.getByTestId('photo-note').innerText());
  await page.getByTestId('photo-note').scrollIntoViewIfNeeded();
  await shot(page, '110-heic');
  const big = await noiseJpeg(page, 4000, 3000);
  const t = Date.now();
  await page.locator('#gallery-photos').setInputFiles([1, 2, 3].map((i) => ({ name: `IMG_${i}.jpg`, mimeType: 'image/jpeg', buffer: big })));
  const notes = new Set();
  while (await page.getByTestId('photo').count() < 3 && Date.now() - t < 60000) { notes.add(await page.getByTestId('photo-note').innerText()); await page.waitForTimeout(100); }
  console.log('3×12MP took', Date.now() - t, 'ms; notes seen:', [...notes]);
  // submit while processing?
} finally {
  await phone.close();
  await server.stop();
}
