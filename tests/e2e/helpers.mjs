// Shared helpers for the end-to-end tests: the real server on a random port
// with a fresh data directory and its accounts made by its own command line,
// headless Chromium at a phone's size, and page objects that speak the
// user's language (labels, not CSS).

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { mkdtemp, cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const SERVER_BIN = must('KUAIBAO_SERVER_BIN');
const DIST = must('KUAIBAO_DIST');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function must(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through \`cargo xtask test\``);
  return value;
}

/** The grid worker who uses the phone in every test, in the grid 青石村三组. */
export const REPORTER = { username: 'lixiuying', password: 'qingshi-2026', name: '李秀英', area: '青石村三组' };
/** The district's duty officer: the tests read the server through his eyes. */
export const OFFICER = { username: 'xh-duty', password: 'duty-office-2026', name: '新河区值班室', area: '新河区' };

/** The area tree the accounts live in, top down: [code, level, name]. */
const AREAS = [
  ['xh', 'district', '新河区'],
  ['xh-cg', 'township', '城关街道'],
  ['xh-cg-qs', 'village', '青石村'],
  ['xh-cg-qs-3', 'grid', '青石村三组'],
];

/** Runs the server's admin command line with `env`; `stdin` is its input. */
export function adminCommand(env, args, stdin = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER_BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kuaibao-server ${args.join(' ')} exited ${code}: ${out}`))));
    child.stdin.end(stdin);
  });
}

/** Starts the real server on 127.0.0.1:0 with its own data dir and a copy
 *  of the app build (so a test may "deploy" a new version). Before it
 *  starts, its command line makes the area tree, the reporter (in the grid)
 *  and the duty officer (in the district). */
export async function startServer(extraEnv = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-data-'));
  const staticDir = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-dist-'));
  await cp(DIST, staticDir, { recursive: true });
  const env = { ...process.env, KUAIBAO_ADDR: '127.0.0.1:0', KUAIBAO_DATA_DIR: dataDir, KUAIBAO_STATIC_DIR: staticDir, RUST_LOG: 'warn', ...extraEnv };
  let parent = null;
  for (const [code, level, name] of AREAS) {
    await adminCommand(env, ['area', 'add', code, '--name', name, '--level', level, ...(parent ? ['--parent', parent] : [])]);
    parent = code;
  }
  await adminCommand(env, ['user', 'add', REPORTER.username, '--role', 'reporter', '--area', 'xh-cg-qs-3', '--name', REPORTER.name], `${REPORTER.password}\n`);
  await adminCommand(env, ['user', 'add', OFFICER.username, '--role', 'officer', '--area', 'xh', '--name', OFFICER.name], `${OFFICER.password}\n`);
  let child = null;
  /** Starts the server binary with `runEnv`; its URL once it listens. */
  const launch = async (runEnv) => {
    child = spawn(SERVER_BIN, [], {
      env: runEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = child;
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
      started.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      started.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${out}`)); });
    });
  };
  const url = await launch(env);
  // Tokens of the test's own API sessions, by username; a session may end
  // under the test (short lifetimes, revocation), so a 401 logs in again.
  const tokens = new Map();
  const server = {
    url,
    staticDir,
    dataDir,
    reporter: REPORTER,
    officer: OFFICER,
    /** Logs `who` in over the API, as a device of its own; the token. */
    async login(who = OFFICER) {
      const res = await fetch(`${server.url}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: who.username, password: who.password, device_id: randomUUID() }),
      });
      if (res.status !== 201) throw new Error(`POST /api/session as ${who.username}: ${res.status} ${await res.text()}`);
      const session = await res.json();
      tokens.set(who.username, session.token);
      return session.token;
    },
    /** `fetch` of an API path with `who`'s bearer token. */
    async fetch(pathname, init = {}, who = OFFICER) {
      const send = async (token) => fetch(`${server.url}${pathname}`, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
      let res = await send(tokens.get(who.username) ?? (await server.login(who)));
      if (res.status === 401) res = await send(await server.login(who));
      return res;
    },
    /** Every report the duty officer can see, in arrival order: every
     *  page, following the `Link: <…>; rel="next"` headers. */
    async reports() {
      const all = [];
      let next = '/api/reports';
      while (next) {
        const res = await server.fetch(next);
        if (!res.ok) throw new Error(`GET ${next}: ${res.status}`);
        next = /^<([^>]+)>;\s*rel="next"$/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
        all.push(...(await res.json()));
      }
      return all;
    },
    /** Runs the admin command line against this server's data. */
    admin(...args) {
      return adminCommand(env, args);
    },
    /** The same, with `input` on its standard input (a new password). */
    adminInput(input, ...args) {
      return adminCommand(env, args, input);
    },
    /** Stops the server and starts it again on the same data with
     *  `moreEnv` added (another rules file, say): no rebuild. Its URL
     *  (a new port) is `server.url` from then on. */
    async restart(moreEnv = {}) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      tokens.clear();
      server.url = await launch({ ...env, ...moreEnv });
      return server.url;
    },
    async stop() {
      // A server that already ended (it crashed) sends no more 'exit'.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
      await rm(staticDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Runs and empties `cleanup` (what a test opened, last first): each in
 *  turn, whatever the one before did, so one that fails leaves no browser
 *  or server of the others running. */
export async function closeAll(cleanup) {
  for (const close of cleanup.splice(0).reverse()) {
    try {
      await close();
    } catch (e) {
      console.error('cleanup failed:', e);
    }
  }
}

/** A phone: a persistent Chromium profile (like an installed browser, so the
 *  service worker and installability behave as on a real device). `args`:
 *  more Chromium flags. */
export async function openPhone({ args = [], options = {} } = {}) {
  const profile = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', ...args],
    viewport: { width: 360, height: 640 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...options,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return {
    context,
    page,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the app, logging in as `who` if the phone has no login yet, and
 *  waits until it runs and a service worker controls it. */
export async function openApp(page, url, who = REPORTER) {
  await page.goto(url);
  const start = home(page).newReportButton;
  const form = login(page).form;
  await start.or(form).first().waitFor();
  if (!(await start.isVisible())) {
    await login(page).as(who);
    await start.waitFor();
  }
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/** The login form: on its own page with no login, or in the prompt once
 *  the login has run out. */
export function login(page) {
  const form = page.getByTestId('login-form');
  return {
    form,
    username: form.getByLabel('用户名'),
    password: form.getByLabel('密码'),
    usernameError: page.getByTestId('login-username-error'),
    passwordError: page.getByTestId('login-password-error'),
    general: page.getByTestId('login-error'),
    submit: form.getByRole('button', { name: '登录', exact: true }),
    /** Fills the form as `who` and submits it. */
    async as(who = REPORTER, password = who.password) {
      await this.username.fill(who.username);
      await this.password.fill(password);
      await this.submit.click();
    },
  };
}

/** The start screen. */
export function home(page) {
  return {
    newReportButton: page.getByTestId('new-report'),
    /** Starts a new report of the template with this title. */
    async newReport(title = '其他突发事件') {
      await page.getByTestId('new-report').click();
      // The first: a kind she files often is in 常用 too, the same template.
      await page.getByRole('button', { name: title, exact: true }).first().click();
      await page.getByTestId('save-state').waitFor();
    },
    sendNow: page.getByRole('button', { name: '立即发送' }),
    items: page.getByTestId('report-item'),
    async outboxCount() {
      return Number(await page.getByTestId('outbox-count').locator('strong').innerText());
    },
    async statuses() {
      return page.getByTestId('report-item').getByTestId('report-status').evaluateAll((els) => els.map((e) => e.dataset.state));
    },
    /** Waits until exactly `n` reports on the list are in `state`. */
    async waitForCount(state, n, timeout = 20_000) {
      await said(page, page.waitForFunction(
        ([state, n]) => document.querySelectorAll(`[data-testid=report-item] [data-testid=report-status][data-state=${state}]`).length === n,
        [state, n],
        { timeout },
      ));
    },
    async waitForStatus(state, timeout = 20_000) {
      await said(page, page.locator(`[data-testid=report-item] [data-testid=report-status][data-state=${state}]`).first().waitFor({ timeout }));
    },
  };
}

/** `waiting`, and if it fails, what the phone showed then: the page's
 *  address, each report's state and status line, and the note of the
 *  last send, so that a wait that times out on CI says why. */
async function said(page, waiting) {
  try {
    return await waiting;
  } catch (e) {
    const shown = await page
      .evaluate(() => ({
        url: location.href,
        reports: [...document.querySelectorAll('[data-testid=report-item]')].map((el) => el.innerText.replace(/\s+/g, ' ').slice(0, 160)),
      }))
      .catch((err) => `(the page could not be read: ${err.message})`);
    e.message = `${e.message}\nthe phone showed: ${JSON.stringify(shown)}`;
    throw e;
  }
}

/** A duty office desk: a browser context of `width`×`height` (a desk
 *  screen by default) on the office page, logged in as `who`, its live
 *  stream open. Content-Security-Policy violations are collected in
 *  `violations`. */
export async function openDesk(browser, serverUrl, who, { width = 1024, height = 768 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`desk ${who.username}: page error at ${page.url()}:`, e.message, e.stack));
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
  await page.goto(`${serverUrl}/office/`);
  await login(page).form.waitFor();
  await login(page).as(who);
  await page.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 20_000 });
  return { context, page, violations };
}

/** A worker's answers to the general incident template, by label. */
export const ANSWERS = {
  发生时间: '2026-11-23T09:41',
  地点: '青石村三组后山',
  纬度: '30.658600',
  经度: '104.064800',
  事件经过: '山体滑坡，冲毁两间民房',
  死亡人数: '0',
  受伤人数: '2',
  失踪人数: '1',
  已采取措施: '已疏散 12 户群众',
  报告人: '李秀英',
  联系电话: '13800001234',
};
export const CATEGORY = 'natural_disaster';

/** The same answers as the server stores them, keyed by blank id. */
export const STORED = {
  occurred_at: ANSWERS['发生时间'],
  place: ANSWERS['地点'],
  'gps.lat': ANSWERS['纬度'],
  'gps.lon': ANSWERS['经度'],
  category: CATEGORY,
  what_happened: ANSWERS['事件经过'],
  dead: ANSWERS['死亡人数'],
  injured: ANSWERS['受伤人数'],
  missing: ANSWERS['失踪人数'],
  measures: ANSWERS['已采取措施'],
  reporter: ANSWERS['报告人'],
  phone: ANSWERS['联系电话'],
};

/** The report form. */
export function form(page) {
  return {
    async fill(answers = ANSWERS) {
      for (const [label, value] of Object.entries(answers)) {
        await page.getByLabel(label, { exact: false }).fill(value);
      }
      await page.getByLabel('事件类别').selectOption(CATEGORY);
    },
    async values() {
      const out = {};
      for (const label of Object.keys(ANSWERS)) out[label] = await page.getByLabel(label, { exact: false }).inputValue();
      return out;
    },
    async waitSaved() {
      await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 5_000 });
    },
    submit: page.getByRole('button', { name: '提交报告' }),
  };
}

/** A form field by its exact label, with or without the required mark. */
export function field(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^${escaped}( \\*)?$`));
}

/** Reads every record of a thread from the server, in chain order. */
export async function thread(server, id) {
  const res = await server.fetch(`/api/threads/${id}`);
  if (!res.ok) throw new Error(`GET /api/threads/${id}: ${res.status}`);
  return res.json();
}

/** The records the phone holds, straight from IndexedDB (`store`: another
 *  object store's, e.g. `receipts`). */
export function phoneRecords(page, store = 'reports') {
  return page.evaluate((store) => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction(store).objectStore(store).getAll();
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    };
  }), store);
}

/** A TCP proxy in front of the server, standing in for a weak link. It
 *  counts the bytes the phone sends, and `policy(conn)` may cut, stall or
 *  hold a connection: it is called on every chunk from the phone with
 *  `{sent, since, text}` (bytes so far on all connections, bytes since the
 *  last cut, this chunk as latin1) and answers 'pass', 'cut', 'stall'
 *  (until `release()` drops it) or 'hold' (until `resume()` sends it on,
 *  as a slow link delivers it late). */
export async function startProxy(targetUrl, policy = () => 'pass') {
  const target = new URL(targetUrl);
  const stats = { sent: 0, since: 0, cuts: 0, stalled: [], held: [], patchOffsets: [] };
  const sockets = new Set();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.on('data', (chunk) => client.write(chunk));
    const forward = (chunk) => {
      stats.sent += chunk.length;
      stats.since += chunk.length;
      upstream.write(chunk);
    };
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      for (const m of text.matchAll(/^PATCH [^\r]*\r\n(?:[^\r]*\r\n)*?upload-offset: (\d+)/gim)) stats.patchOffsets.push(Number(m[1]));
      const verdict = policy({ sent: stats.sent, since: stats.since, text, cuts: stats.cuts });
      if (verdict === 'cut') {
        stats.cuts += 1;
        stats.since = 0;
        end();
        return;
      }
      if (verdict === 'stall') {
        client.pause();
        stats.stalled.push(end);
        return;
      }
      if (verdict === 'hold') {
        client.pause();
        stats.held.push(() => { forward(chunk); client.resume(); });
        return;
      }
      forward(chunk);
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    stats,
    /** Drops every stalled connection. */
    release() { for (const end of stats.stalled.splice(0)) end(); },
    /** Sends every held request on. */
    resume() { for (const send of stats.held.splice(0)) send(); },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

/** A JPEG of `width`×`height` full of noise (so it does not compress to
 *  nothing), made by the browser itself. */
export async function noiseJpeg(page, width, height, quality = 0.92) {
  return blobFromPage(page, async ([w, h, q]) => {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(w, h);
    let x = 12345;
    for (let i = 0; i < image.data.length; i += 4) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      image.data[i] = x & 255; image.data[i + 1] = (x >>> 8) & 255; image.data[i + 2] = (i >>> 10) & 255; image.data[i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: q });
  }, [width, height, quality]);
}

/** The bytes of the Blob that `makeBlob(arg)` makes in the page. They cross
 *  into Node as base64: as a JSON array of numbers, the 10 MB of a 12 MP
 *  noise JPEG took over a minute (most of the photo tests' time). */
export async function blobFromPage(page, makeBlob, arg) {
  const blob = await page.evaluateHandle(makeBlob, arg);
  try {
    const b64 = await blob.evaluate((b) => new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result.slice(r.result.indexOf(',') + 1));
      r.onerror = () => reject(r.error);
      r.readAsDataURL(b);
    }));
    return Buffer.from(b64, 'base64');
  } finally {
    await blob.dispose();
  }
}

/** The photo records and the kind of value stored for each blob. */
export function phonePhotos(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao');
    open.onerror = () => reject(open.error);
    open.onsuccess = async () => {
      const db = open.result;
      const all = (store) => new Promise((res, rej) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => res(req.result);
        req.onerror = () => rej(req.error);
      });
      const keys = (store) => new Promise((res, rej) => {
        const req = db.transaction(store).objectStore(store).getAllKeys();
        req.onsuccess = () => res(req.result);
        req.onerror = () => rej(req.error);
      });
      const photos = await all('photos');
      const blobs = await all('blobs');
      const blobKeys = await keys('blobs');
      const out = [];
      for (const p of photos) {
        const blob = blobs[blobKeys.indexOf(p.id)];
        const thumb = blobs[blobKeys.indexOf(`${p.id}/thumb`)];
        let width = null, height = null, sha = null;
        if (blob instanceof Blob) {
          const bitmap = await createImageBitmap(blob);
          width = bitmap.width; height = bitmap.height;
          const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
          sha = Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
        }
        out.push({ ...p, isBlob: blob instanceof Blob, thumbIsBlob: thumb instanceof Blob, bytes: blob?.size ?? null, width, height, blobSha: sha });
      }
      resolve(out);
    };
  }));
}

/** Fills a hazard's text blanks (its photos are added by the test). */
export async function fillHazard(page, place = '青石村堰塘东岸') {
  const blank = (id) => page.locator(`#blank-${id}`);
  await blank('place').fill(place);
  await blank('theme').selectOption('drowning');
  await blank('description').fill('护栏损坏 20 米，放学后常有儿童下水');
  await blank('responsible').fill('青石村村委会');
  await blank('rectify_by').fill('2026-12-31');
  await blank('reporter').fill('李秀英');
  await blank('phone').fill('13800001234');
}

/** Every page of `context` loaded from now on runs its clock `shiftMs`
 *  off the real one (`new Date()` and `Date.now()`), as a phone or an
 *  office PC whose clock is wrong. */
export async function shiftClock(context, shiftMs) {
  await context.addInitScript((shift) => {
    const RealDate = Date;
    class ShiftedDate extends RealDate {
      constructor(...args) {
        if (args.length === 0) super(RealDate.now() + shift);
        else super(...args);
      }
      static now() { return RealDate.now() + shift; }
    }
    globalThis.Date = ShiftedDate;
  }, shiftMs);
}

/** A UUIDv7 (48 bits of Unix milliseconds, version 7, RFC 4122 variant),
 *  as the phone and the office page make record ids; of `at` (ms) to stand
 *  for a record made then. */
export function uuidv7(at = Date.now()) {
  const b = randomBytes(16);
  let ms = BigInt(at);
  for (let i = 5; i >= 0; i -= 1) { b[i] = Number(ms & 0xffn); ms >>= 8n; }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Waits, if Beijing's midnight falls within `spanMs` from now, until it
 *  has passed: for a test that reads "today" (days overdue, the day's
 *  日报) at its start and again at its end, which a new day between would
 *  change. At most `spanMs` plus a second. */
export async function awayFromBeijingMidnight(spanMs) {
  const day = 86_400_000;
  const intoDay = (Date.now() + 8 * 3_600_000) % day;
  const left = day - intoDay;
  if (left <= spanMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
