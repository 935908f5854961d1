// The phone's outbox finishes after the server dies: reports with photos
// queued offline, the server killed with SIGKILL in the middle of the sync
// (once while the texts go, once while the photos go) and started again on
// the same port and data. The phone shows every report delivered with all
// its photos; the server holds each report once, with the receipt the phone
// keeps, and each photo byte-identical. And after the server is restored
// from a backup, the phone sends again what it delivered since.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { mkdtemp, cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { adminCommand, openPhone, openApp, openDesk, home, form, noiseJpeg, phonePhotos, phoneRecords, fillHazard, REPORTER, OFFICER } from './helpers.mjs';

const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

/** A port free now, below the ephemeral range: while the server is down no
 *  outgoing connection takes it, so the server gets it back. */
async function freePort() {
  for (let i = 0; i < 500; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port');
}

/** The server binary on a fixed port and a data dir of its own, which the
 *  test may kill and start again; the reporter's account made by its
 *  command line. */
async function killableServer() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-faults-data-'));
  const staticDir = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-faults-dist-'));
  await cp(process.env.KUAIBAO_DIST, staticDir, { recursive: true });
  const port = await freePort();
  const env = { ...process.env, KUAIBAO_ADDR: `127.0.0.1:${port}`, KUAIBAO_DATA_DIR: dataDir, KUAIBAO_STATIC_DIR: staticDir, RUST_LOG: 'warn' };
  let parent = null;
  for (const [code, level, name] of [['xh', 'district', '新河区'], ['xh-cg', 'township', '城关街道'], ['xh-cg-qs', 'village', '青石村'], ['xh-cg-qs-3', 'grid', '青石村三组']]) {
    await adminCommand(env, ['area', 'add', code, '--name', name, '--level', level, ...(parent ? ['--parent', parent] : [])]);
    parent = code;
  }
  await adminCommand(env, ['user', 'add', REPORTER.username, '--role', 'reporter', '--area', 'xh-cg-qs-3', '--name', REPORTER.name], `${REPORTER.password}\n`);

  let child = null;
  const launch = (moreEnv) => new Promise((resolve) => {
    const c = spawn(process.env.KUAIBAO_SERVER_BIN, [], { env: { ...env, ...moreEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => { c.kill('SIGKILL'); resolve(null); }, 20_000);
    c.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('listening on http://')) { clearTimeout(timer); resolve(c); }
    });
    c.once('exit', () => { clearTimeout(timer); resolve(null); });
  });
  const server = {
    url: `http://127.0.0.1:${port}`,
    /** The settings its admin command line runs with. */
    env,
    /** Starts it, with `moreEnv` over its settings (another data dir). */
    async start(moreEnv = {}) {
      // The port may be held a moment longer by the process just killed.
      for (let i = 0; i < 50 && !child; i++) {
        child = await launch(moreEnv);
        if (!child) await new Promise((r) => setTimeout(r, 100));
      }
      if (!child) throw new Error('the server does not start');
    },
    /** SIGKILL: no shutdown, no goodbye. */
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    /** An API session of the reporter's own, as a device of its own. */
    async token() {
      const res = await fetch(`${this.url}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: REPORTER.username, password: REPORTER.password, device_id: crypto.randomUUID() }),
      });
      assert.equal(res.status, 201, 'the API login');
      return (await res.json()).token;
    },
    async stop() {
      await this.kill();
      await rm(dataDir, { recursive: true, force: true });
      await rm(staticDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function attach(page, files) {
  const before = await page.getByTestId('photo').count();
  await page.locator('#gallery-photos').setInputFiles(files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=photo]').length === n, before + files.length, { timeout: 30_000 });
}

/** Resolves once `page` has had an answer to `method path…` with `status`. */
function answered(page, method, prefix, status) {
  return new Promise((resolve) => {
    const seen = async (request) => {
      if (request.method() !== method || !new URL(request.url()).pathname.startsWith(prefix)) return;
      const response = await request.response();
      if (response?.status() === status) {
        page.off('requestfinished', seen);
        resolve();
      }
    };
    page.on('requestfinished', seen);
  });
}

/** Holds each `method` request to `glob` back `ms` before it goes on, so
 *  that a kill right after one answer lands before the next: on a fast
 *  machine the whole outbox otherwise drains in the moment between an
 *  answer and the kill (CI saw all six photos arrive before it). */
async function paced(page, method, glob, ms) {
  await page.route(glob, async (route) => {
    if (route.request().method() === method) await new Promise((r) => setTimeout(r, ms));
    // The server may be dead by now; the phone then sees the failure.
    await route.continue().catch(() => {});
  });
}

/** `promise`, or a failure after `ms` saying what was awaited and how
 *  things stood (`state()`). */
async function deadline(promise, ms, what, state) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(async () => reject(new Error(`${what}: not within ${ms} ms; ${await state()}`)), ms); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Clicks "send now" until every report is delivered with all its photos
 *  (sparing the test the backoff a phone would sit through). */
async function sendUntilAllDelivered(page, reports, photos, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const states = await home(page).statuses();
    const progress = await page.getByTestId('photo-progress').allInnerTexts();
    const whole = progress.filter((t) => { const m = t.match(/(\d+)\/(\d+)$/); return m && m[1] === m[2]; });
    if (states.length === reports && states.every((s) => s === 'delivered') && progress.length === photos && whole.length === photos) return;
    await page.getByRole('button', { name: '立即发送' }).click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(500);
  }
  throw new Error(`not all delivered within ${timeoutMs} ms: ${await home(page).statuses()}; photos ${await page.getByTestId('photo-progress').allInnerTexts()}`);
}

test('the outbox finishes after the server is killed mid-sync: all delivered, each stored once, photos byte-identical', { timeout: 150_000 }, async () => {
  const server = await killableServer();
  cleanup.push(() => server.stop());
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  const { page, context } = phone;
  await openApp(page, server.url);

  // No signal: three hazards with two photos each, and one general report.
  await context.setOffline(true);
  const places = ['青石村堰塘东岸', '青石村二组河堤', '青石村三组水库'];
  for (const [n, place] of places.entries()) {
    await home(page).newReport('风险隐患');
    await fillHazard(page, place);
    // Of different sizes, so no two are the same bytes (each must be sent).
    for (let i = 0; i < 2; i++) await attach(page, [{ name: `p${i}.jpg`, mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 1000 + 20 * n + 10 * i, 750) }]);
    await form(page).waitSaved();
    await form(page).submit.click();
    await home(page).newReportButton.waitFor();
  }
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('waiting', 4);
  const queued = await phoneRecords(page);
  const photos = await phonePhotos(page);
  assert.equal(queued.length, 4);
  assert.equal(photos.length, 6);
  assert.equal(new Set(photos.map((p) => p.sha256)).size, 6, 'six different photos');
  assert.ok(photos.every((p) => p.size > 256 * 1024), `each takes more than one chunk: ${photos.map((p) => p.size)}`);

  // What the phone asked and was answered, for a failure's message.
  const log = [];
  page.on('requestfinished', async (r) => log.push(`${r.method()} ${new URL(r.url()).pathname} ${(await r.response())?.status()}`));
  page.on('requestfailed', (r) => log.push(`${r.method()} ${new URL(r.url()).pathname} failed`));
  const state = async () => `reports ${await home(page).statuses()}; photos ${await page.getByTestId('photo-progress').allInnerTexts()}; requests: ${log.slice(-12).join(', ')}`;

  // Signal: the server dies as soon as the first text is stored, and
  // again as soon as a photo's chunk is stored.
  await paced(page, 'POST', '**/api/reports', 400);
  await paced(page, 'PATCH', '**/api/uploads/**', 400);
  const firstText = answered(page, 'POST', '/api/reports', 201);
  await context.setOffline(false);
  await deadline(firstText, 30_000, 'the first report, once back online', state);
  await server.kill();
  // The phone is kept from the server while it starts again and is
  // counted, so that its retries cannot finish the outbox unseen before
  // the second kill is armed.
  await context.setOffline(true);
  await page.waitForTimeout(1_000);
  await deadline(server.start(), 30_000, 'the server, started again', state);
  const token = await server.token();
  const api = (p) => fetch(`${server.url}${p}`, { headers: { Authorization: `Bearer ${token}` } });
  const storedAtFirstKill = (await (await api('/api/reports')).json()).length;

  const firstChunk = answered(page, 'PATCH', '/api/uploads/', 204);
  await context.setOffline(false);
  // Back online the phone sends by itself; the button is a nudge and is
  // not waited for (it is disabled while a sync runs).
  page.getByRole('button', { name: '立即发送' }).click({ timeout: 2_000 }).catch(() => {});
  await deadline(firstChunk, 30_000, 'a photo\'s first chunk', state);
  await server.kill();
  await page.waitForTimeout(1_000);
  await deadline(server.start(), 30_000, 'the server, started again', state);
  let arrivedAtSecondKill = 0;
  for (const r of await (await api('/api/reports')).json()) arrivedAtSecondKill += r.photos.arrived;

  await sendUntilAllDelivered(page, 4, 3);
  assert.ok(storedAtFirstKill >= 1 && storedAtFirstKill < 4, `the first kill came mid-sync (${storedAtFirstKill} of 4 texts stored)`);
  assert.ok(arrivedAtSecondKill < 6, `the second kill came mid-sync (${arrivedAtSecondKill} of 6 photos arrived); ${log.join(", ")}`);

  // The server holds each report once, with the receipt the phone shows.
  const stored = await (await api('/api/reports')).json();
  const local = await phoneRecords(page);
  assert.equal(stored.length, 4, 'four reports stored');
  assert.deepEqual(new Set(stored.map((s) => s.report.id)).size, 4, 'none twice');
  assert.deepEqual(stored.map((s) => s.report.id).sort(), local.map((r) => r.id).sort(), 'the phone\'s reports, no other');
  for (const s of stored) {
    const mine = local.find((r) => r.id === s.report.id);
    // Lists carry receipts without the seal the submit's answer adds.
    const { seal, ...kept } = mine.status.receipt;
    assert.ok(seal, `report ${s.report.id}: the phone keeps the sealed receipt`);
    assert.deepEqual(kept, s.receipt, `report ${s.report.id}: the phone keeps the server's receipt`);
    assert.equal(s.photos.arrived, s.photos.expected, `report ${s.report.id}: every photo arrived`);
  }
  assert.equal(stored.reduce((n, s) => n + s.photos.expected, 0), 6);
  for (const p of photos) {
    const res = await api(`/api/photos/${p.sha256}`);
    assert.equal(res.status, 200);
    const sha = createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    assert.equal(sha, p.sha256, 'byte-identical on the server');
  }
});

test('a server restored from a backup gets back from the phone what it received after the backup: the text and its photo, once, at the time it was first received', { timeout: 90_000 }, async () => {
  const server = await killableServer();
  cleanup.push(() => server.stop());
  const phone = await openPhone();
  cleanup.push(() => phone.close());
  const { page } = phone;
  // Logged in before the backup, so the login is in it.
  await openApp(page, server.url);
  const work = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-restore-'));
  cleanup.push(() => rm(work, { recursive: true, force: true }));
  const backup = path.join(work, 'backup');
  // The duty office's account, in the backup.
  await adminCommand(server.env, ['user', 'add', OFFICER.username, '--role', 'officer', '--area', 'xh', '--name', OFFICER.name], `${OFFICER.password}\n`);
  await adminCommand(server.env, ['backup', backup]);

  // After the backup: a hazard with a photo, delivered whole.
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  await attach(page, [{ name: 'dam.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 400, 300) }]);
  await form(page).waitSaved();
  await form(page).submit.click();
  await sendUntilAllDelivered(page, 1, 1);
  const [sent] = await phoneRecords(page);
  const [photo] = await phonePhotos(page);

  // The machine is lost: the backup is restored into a new data dir, and
  // the server starts on it at the same address.
  const restoredDir = path.join(work, 'restored');
  await adminCommand({ ...server.env, KUAIBAO_DATA_DIR: restoredDir }, ['restore', backup]);
  // With the server's settings, its seal secret (docs/operations.md).
  await cp(path.join(server.env.KUAIBAO_DATA_DIR, 'sms-seal.secret'), path.join(restoredDir, 'sms-seal.secret'));
  await server.kill();
  await server.start({ KUAIBAO_DATA_DIR: restoredDir });
  const token = await server.token();
  const api = (p) => fetch(`${server.url}${p}`, { headers: { Authorization: `Bearer ${token}` } });
  const stored = async () => (await (await api('/api/reports')).json());
  assert.equal((await stored()).length, 0, 'the restore lost it');

  // The phone's next sync sends it again, and its photo.
  let back = [];
  for (let i = 0; i < 60 && !(back.length === 1 && back[0].photos.arrived === 1); i++) {
    await page.getByRole('button', { name: '立即发送' }).click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(500);
    back = await stored();
  }
  assert.equal(back.length, 1, 'stored again, once');
  assert.equal(back[0].report.id, sent.id);
  assert.equal(back[0].photos.arrived, 1, 'its photo too');
  const res = await api(`/api/photos/${photo.sha256}`);
  assert.equal(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), photo.sha256, 'byte-identical');
  // Shown its first receipt, sealed, the server stored it as first
  // received: its time and clock, under a new number (numbers are the
  // order records reach the database).
  assert.ok(sent.status.receipt.seal, 'the receipt came sealed');
  assert.ok(back[0].receipt.seq > sent.status.receipt.seq + 1000, `${back[0].receipt.seq} after ${sent.status.receipt.seq}`);
  assert.equal(back[0].receipt.received_at, sent.status.receipt.received_at);
  assert.equal(back[0].receipt.clock_offset_ms, sent.status.receipt.clock_offset_ms);
  let kept;
  for (let i = 0; i < 20 && kept?.status?.receipt?.seq !== back[0].receipt.seq; i++) {
    [kept] = await phoneRecords(page);
    await page.waitForTimeout(250);
  }
  const { seal, ...unsealed } = kept.status.receipt;
  assert.ok(seal, 'sealed again');
  assert.deepEqual(unsealed, back[0].receipt, 'the phone keeps the receipt it came back with');

  // The desk says what the restore lost of the office's own work, and
  // that the phones send theirs again.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  cleanup.push(() => browser.close());
  const desk = await openDesk(browser, server.url, OFFICER, { width: 1366, height: 768 });
  const note = desk.page.getByTestId('restored');
  await note.waitFor();
  assert.match(await note.innerText(), /服务器于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 从备份恢复：\d{4}-\d{2}-\d{2} \d{2}:\d{2} 以后值班室做的确认收到、请求续报、签批和在值班台录入的报告可能已丢失，请核对后重新录入。/);
  if (process.env.KUAIBAO_SHOTS) await desk.page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/desk-restored-1366.png` });
  if (process.env.KUAIBAO_SHOTS) {
    await desk.page.setViewportSize({ width: 360, height: 640 });
    await desk.page.screenshot({ path: `${process.env.KUAIBAO_SHOTS}/desk-restored-360.png` });
  }
});
