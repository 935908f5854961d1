// The duty office asks for a follow-up: the reporter's phone shows the
// request when it next syncs, keeps showing it offline, and drops it once
// the 续报 is written — on the phone at once, on the server when it arrives.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openPhone, openApp, home, form, uuidv7, OFFICER } from './helpers.mjs';

let server;
let phone;
before(async () => { server = await startServer(); phone = await openPhone(); });
after(async () => { await phone?.close(); await server?.stop(); });

const MESSAGE = '请续报失联人员搜救进展和转移群众人数';

test('a request reaches the phone on its next sync, stays offline, and a 续报 answers it', { timeout: 90_000 }, async () => {
  const { page, context } = phone;
  await openApp(page, server.url);
  await home(page).newReport();
  const f = form(page);
  await f.fill();
  await f.waitSaved();
  await f.submit.click();
  const h = home(page);
  await h.waitForCount('delivered', 1);
  const [stored] = await server.reports();
  const threadId = stored.report.id;

  // The officer asks. (The pass that delivered the report may read it
  // still; the next one surely does.)
  const asked = await server.fetch(`/api/threads/${threadId}/requests`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: uuidv7(), message: MESSAGE }),
  }, OFFICER);
  assert.equal(asked.status, 201, await asked.text());

  // Signal drops and comes back: the pass that follows reads the request.
  await context.setOffline(true);
  await context.setOffline(false);
  await page.getByTestId('office-asked').waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('office-asked').innerText(), '待续报');

  // Offline, after a reload, the thread still shows what the office asked.
  await context.setOffline(true);
  await page.reload();
  await page.getByTestId('office-asked').waitFor({ timeout: 10_000 });
  await h.items.first().getByRole('link').click();
  const request = page.getByTestId('office-request');
  await request.waitFor();
  assert.match(await request.innerText(), /值班室请求续报/);
  assert.match(await request.innerText(), new RegExp(MESSAGE));
  assert.match(await request.innerText(), new RegExp(OFFICER.name));

  // The reporter files the 续报 offline: the request is answered here.
  await page.getByRole('button', { name: '报送续报一' }).click();
  await page.getByLabel('失踪人数', { exact: false }).fill('0');
  await page.getByLabel('最新进展', { exact: false }).fill('失踪 1 人已找到，平安');
  await f.waitSaved();
  await f.submit.click();
  await page.getByTestId('outbox-count').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=office-asked]').length === 0, null, { timeout: 10_000 });

  // Online again: the 续报 arrives and the server counts the request answered.
  await context.setOffline(false);
  await h.waitForCount('delivered', 1, 30_000);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=report-item] [data-testid=report-status][data-state=waiting]').length === 0, null, { timeout: 30_000 });
  const mine = await (await server.fetch('/api/requests', {}, server.reporter)).json();
  assert.equal(mine.length, 1);
  assert.equal(mine[0].answered, true);
  assert.equal(await page.getByTestId('office-asked').count(), 0);
});
