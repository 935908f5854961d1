// A full phone loses nothing (issue 21): when IndexedDB refuses writes
// with QuotaExceededError, typing goes on, the draft's text stays on
// screen, the worker is told in Chinese what to do, and the edit is written
// by itself once there is room again — nothing already stored is touched.
// The refusal is the browser's own error, raised by a shim on the store's
// writes: Chromium 156 applies the DevTools quota override
// (Storage.overrideQuotaForOrigin) only to a database made after it, not
// to the app's, which exists from the first start (tried).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, field, phoneRecords } from './helpers.mjs';

let server;
let phone;
before(async () => {
  server = await startServer();
  phone = await openPhone();
  // While `__full` is set, every write to IndexedDB fails as on a full
  // phone.
  await phone.context.addInitScript(() => {
    for (const name of ['put', 'add']) {
      const original = IDBObjectStore.prototype[name];
      IDBObjectStore.prototype[name] = function (...args) {
        if (globalThis.__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return original.apply(this, args);
      };
    }
  });
});
after(async () => { await phone?.close(); await server?.stop(); });

test('a draft typed on a full phone stays on screen, is explained in Chinese, and is saved once there is room', { timeout: 90_000 }, async () => {
  const { page } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  const [saved] = await phoneRecords(page);

  await page.evaluate(() => { globalThis.__full = true; });
  const place = field(page, '地点');
  await place.fill('青石村三组后山 手机存储已满时补充的位置');
  const note = page.locator('[data-testid=save-state][data-state=failed]');
  await note.waitFor({ timeout: 10_000 });
  assert.match(await note.innerText(), /手机存储空间不足/);
  assert.equal(await place.inputValue(), '青石村三组后山 手机存储已满时补充的位置', 'the text stays on screen');
  // Nothing already stored was touched.
  assert.deepEqual(await phoneRecords(page), [saved]);

  // Room again: the edit goes in by itself, no keystroke needed.
  await page.evaluate(() => { globalThis.__full = false; });
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 10_000 });
  const [after] = await phoneRecords(page);
  assert.equal(after.answers.place, '青石村三组后山 手机存储已满时补充的位置');
  // The draft reopens where it was (its route is in the address).
  await page.reload();
  await page.getByTestId('save-state').waitFor();
  assert.equal(await field(page, '地点').inputValue(), '青石村三组后山 手机存储已满时补充的位置', 'kept across a reload');
});
