// Evidence beyond photos: a 较大 incident cannot be submitted without a
// photo or video (the photo blank says so in Chinese and the cursor goes
// there); a video clip (made in the page by MediaRecorder from a canvas)
// and a voice note (recorded by the 录音 button from Chromium's fake
// microphone) travel like photos (text first, then tus, k/n on the phone
// and on the server) and play on the duty office's desk within its CSP.
// Where the browser has no MediaRecorder, 录音 says so and the rest works;
// a refused microphone and a photo that cannot be read say what to do, in
// the app's words, not the browser's.

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, openPhone, openApp, home, form, login, noiseJpeg, blobFromPage, phoneRecords, OFFICER, closeAll } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.EVIDENCE_SCREENSHOTS;
const cleanup = [];
// Each test's servers and browsers close when it ends: left open to the
// file's end, each test ran beside every earlier test's phone still
// syncing, on a 2-core CI machine.
afterEach(() => closeAll(cleanup));

/** A second of WebM video, drawn on a canvas and recorded by the page. */
async function webmClip(page) {
  return blobFromPage(page, async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const g = canvas.getContext('2d');
    const rec = new MediaRecorder(canvas.captureStream(15), { mimeType: 'video/webm' });
    const chunks = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => { rec.onstop = resolve; });
    let i = 0;
    const draw = () => { g.fillStyle = `hsl(${(i += 25) % 360},80%,50%)`; g.fillRect(0, 0, 160, 120); };
    draw();
    rec.start(100);
    const timer = setInterval(draw, 50);
    await new Promise((r) => setTimeout(r, 1200));
    clearInterval(timer);
    rec.stop();
    await stopped;
    return new Blob(chunks);
  });
}

async function serverPhotos(server, reportId) {
  const res = await server.fetch(`/api/reports/${reportId}/photos`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Clicks 立即发送 until the server holds every file of the report. */
async function sendUntilArrived(page, server, reportId, n, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await serverPhotos(server, reportId).catch(() => null);
    if (status && status.expected === n && status.arrived === n) return status;
    await home(page).sendNow.click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(500);
  }
  throw new Error(`files not all arrived within ${timeoutMs} ms`);
}

test('a 较大 earthquake needs a picture; a video and a voice note travel like photos and play on the desk', { timeout: 180_000 }, async () => {
  const { server, page, context } = await freshPhone({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] });
  await context.grantPermissions(['microphone'], { origin: server.url });
  await openApp(page, server.url);

  await home(page).newReport('地震');
  const blank = (id) => page.locator(`#blank-${id}`);
  await blank('occurred_at').fill('2026-11-23T09:41');
  await blank('place').fill('青石村三组后山');
  await blank('what_happened').fill('房屋倒塌，有人员被埋');
  // Three dead: the figures suggest 较大 (Ⅲ).
  await blank('dead').fill('3');
  await blank('reporter').fill('李秀英');
  await blank('phone').fill('13800001234');
  await form(page).waitSaved();

  // No picture: refused at the photo blank, in Chinese, saying what to do;
  // the blank is outlined and the cursor brought to it.
  await form(page).submit.click();
  const photoBlank = page.getByTestId('photos-photos');
  await photoBlank.locator('.error', { hasText: '较大（Ⅲ级）及以上的事件须附至少 1 张照片或 1 段视频' }).waitFor();
  assert.match(await photoBlank.locator('.error').innerText(), /请在“现场照片”处拍照或录像后再提交/);
  assert.equal(await photoBlank.evaluate((el) => el.classList.contains('has-error')), true);
  assert.equal(await photoBlank.evaluate((el) => el === document.activeElement), true, 'the photo blank has the focus');
  assert.equal(await form(page).submit.isVisible(), true, 'still the form: nothing submitted');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-evidence-missing.png` });

  // A video from the camera (a WebM made by the page).
  const clip = await webmClip(page);
  await page.locator('#video-photos').setInputFiles({ name: 'VID_0001.webm', mimeType: 'video/webm', buffer: clip });
  await page.locator('[data-testid=photo-video]').waitFor({ timeout: 20_000 });
  // A voice note by the 录音 button, from the fake microphone.
  const voice = page.getByTestId('voice-photos');
  assert.equal(await voice.isEnabled(), true);
  assert.ok((await voice.boundingBox()).height >= 48, 'a touch target');
  await voice.click();
  await page.getByRole('button', { name: '停止录音（最长 5 分钟）' }).waitFor();
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: '停止录音（最长 5 分钟）' }).click();
  await page.locator('[data-testid=photo-voice]').waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=photos-photos] .error').textContent === '', null, { timeout: 5_000 });
  assert.equal(await page.getByTestId('photo').count(), 2);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-video-voice.png`, fullPage: true });

  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  const [record] = (await phoneRecords(page)).filter((r) => r.template_id === 'earthquake');
  const status = await sendUntilArrived(page, server, record.id, 2);
  const kinds = status.photos.map((p) => p.mime).sort();
  assert.equal(kinds[1], 'video/webm');
  assert.match(kinds[0], /^audio\/(webm|ogg|mp4)$/);
  // The video's bytes are the clip's, exactly.
  const video = status.photos.find((p) => p.mime === 'video/webm');
  assert.equal(video.sha256, createHash('sha256').update(clip).digest('hex'));
  const served = await server.fetch(`/api/photos/${video.sha256}`);
  assert.equal(served.headers.get('content-type'), 'video/webm');
  // k/n on the phone as for photos.
  await page.getByTestId('photo-progress').filter({ hasText: '2/2' }).first().waitFor({ timeout: 20_000 });

  // The desk plays both, within its CSP.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] });
  cleanup.push(() => browser.close());
  const desk = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })).newPage();
  const violations = [];
  desk.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
  await desk.goto(`${server.url}/office/`);
  await login(desk).form.waitFor();
  await login(desk).as(OFFICER);
  await desk.locator('[data-testid=live-state][data-state=open]').waitFor({ timeout: 20_000 });
  await desk.goto(`${server.url}/office/#/thread/${record.id}`);
  const player = desk.getByTestId('media-video');
  await player.waitFor({ timeout: 20_000 });
  await desk.getByTestId('media-voice').waitFor();
  for (const id of ['media-video', 'media-voice']) {
    await desk.waitForFunction((id) => {
      const el = document.querySelector(`[data-testid=${id}]`);
      return el && el.src.startsWith('blob:') && el.readyState >= 1 && el.duration > 0;
    }, id, { timeout: 20_000 });
  }
  // Until it has played a moment, or 5 s: on a busy machine the first
  // frames may take longer than a fixed wait.
  const played = await player.evaluate(async (v) => {
    v.muted = true;
    await v.play();
    const until = Date.now() + 5_000;
    while (v.currentTime === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    return v.currentTime;
  });
  assert.ok(played > 0, `the video plays (at ${played} s)`);
  if (SHOTS) await desk.screenshot({ path: `${SHOTS}/desk-video-voice.png`, fullPage: true });
  assert.deepEqual(violations, []);
});

test('without MediaRecorder the voice button says so in Chinese, and the rest works; a video over its cap is not added', { timeout: 120_000 }, async () => {
  const { server, page, context } = await freshPhone();
  await context.addInitScript(() => { delete window.MediaRecorder; });
  await openApp(page, server.url);
  await home(page).newReport('风险隐患');
  const voice = page.getByTestId('voice-photos');
  await voice.waitFor();
  assert.equal(await voice.isDisabled(), true);
  assert.match(await page.getByTestId('voice-unsupported').innerText(), /^此浏览器不能在本页录音：可用手机自带的录音机录好后点「从相册选」添加/);
  // A video over its cap is not added; the phone says so, with the cap.
  // (Playwright takes files this large by path only.)
  const huge = Buffer.alloc(50 * 1024 * 1024 + 1);
  huge.set([0x1a, 0x45, 0xdf, 0xa3]);
  const dir = await mkdtemp(path.join(tmpdir(), 'kuaibao-e2e-video-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const hugePath = path.join(dir, 'VID_LONG.webm');
  await writeFile(hugePath, huge);
  await page.locator('#video-photos').setInputFiles(hugePath);
  await page.getByTestId('photo-note').filter({ hasText: '视频太大（50 MB），上限 50 MB（约 60 秒）。请录短一些再添加' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('photo').count(), 0);
  // Photos still work.
  await page.locator('#camera-photos').setInputFiles({ name: 'IMG.jpg', mimeType: 'image/jpeg', buffer: await noiseJpeg(page, 320, 240) });
  await page.getByTestId('photo').first().waitFor({ timeout: 20_000 });
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-no-recorder.png`, fullPage: true });
});

test('a refused microphone and a photo the phone cannot read say what to do, not the browser\'s words', { timeout: 120_000 }, async () => {
  const { server, page, context } = await freshPhone();
  // As when the worker taps 不允许 at the browser's question.
  await context.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await openApp(page, server.url);
  await home(page).newReport('风险隐患');
  await page.getByTestId('voice-photos').click();
  const note = page.getByTestId('photo-note');
  await note.filter({ hasText: /^无法录音：请在浏览器设置里允许使用麦克风后再试/ }).waitFor({ timeout: 10_000 });
  assert.doesNotMatch(await note.innerText(), /NotAllowedError|Permission denied/);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-microphone-refused.png` });
  // Bytes that say JPEG and are not one.
  await page.locator('#camera-photos').setInputFiles({ name: 'IMG_0003.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all') });
  await note.filter({ hasText: /^无法读取这张照片：可能已损坏或不是照片。请换一张，或重新拍摄。$/ }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('photo').count(), 0, 'nothing added');
  // In English mode, in English, with what to do; no browser words.
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.locator('#camera-photos').setInputFiles({ name: 'IMG_0004.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('still not a photo') });
  await note.filter({ hasText: /^This photo cannot be read: it may be damaged or not a photo\. Pick another, or take it again\.$/ }).waitFor({ timeout: 20_000 });
  assert.doesNotMatch(await note.innerText(), /[\u4e00-\u9fff]/, 'no Chinese in English mode');
  await page.getByRole('button', { name: '中文' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
});

/** A server of its own and a phone on it (`openPhone`'s `options`), both
 *  ended with the test. */
async function freshPhone(options) {
  const server = await startServer();
  cleanup.push(() => server.stop());
  const phone = await openPhone(options);
  cleanup.push(() => phone.close());
  return { server, page: phone.page, context: phone.context };
}

/** 1280×720 noise recorded at a camera's rate (16 Mbit/s asked), so the
 *  clip is large for its length, as a phone's camera makes them: for
 *  `seconds`, and on until it holds `atLeast` bytes (a loaded machine
 *  encodes fewer frames a second). */
async function largeClip(page, seconds, atLeast = 3 * 1024 * 1024) {
  return blobFromPage(page, async ([ms, atLeast]) => {
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 720;
    const g = canvas.getContext('2d');
    const tile = new ImageData(160, 120);
    const small = document.createElement('canvas');
    small.width = 160;
    small.height = 120;
    const rec = new MediaRecorder(canvas.captureStream(15), { mimeType: 'video/webm', videoBitsPerSecond: 16_000_000 });
    const chunks = [];
    let size = 0;
    rec.ondataavailable = (e) => { chunks.push(e.data); size += e.data.size; };
    const stopped = new Promise((resolve) => { rec.onstop = resolve; });
    const draw = () => {
      for (let i = 0; i < tile.data.length; i++) tile.data[i] = (i & 3) === 3 ? 255 : Math.random() * 256;
      small.getContext('2d').putImageData(tile, 0, 0);
      g.drawImage(small, 0, 0, 1280, 720);
    };
    draw();
    rec.start(100);
    const timer = setInterval(draw, 66);
    const started = Date.now();
    while (Date.now() - started < ms || (size < atLeast && Date.now() - started < 30_000)) {
      await new Promise((r) => setTimeout(r, 200));
    }
    clearInterval(timer);
    rec.stop();
    await stopped;
    return new Blob(chunks);
  }, [seconds * 1000, atLeast]);
}

/** The phone's stored files (metadata), and each one's picture size. */
function phoneClips(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('kuaibao');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('photos').objectStore('photos').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    };
  }));
}

test('a large video clip is made smaller on the phone before it is stored; the report waits for it', { timeout: 180_000 }, async () => {
  const { server, page } = await freshPhone({ args: ['--autoplay-policy=no-user-gesture-required'] });
  await openApp(page, server.url);
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();

  const clip = await largeClip(page, 5);
  assert.ok(clip.length > 2 * 1024 * 1024, `a clip worth compressing: ${clip.length} bytes`);
  await page.locator('#video-photos').setInputFiles({ name: 'VID_0002.webm', mimeType: 'video/webm', buffer: clip });
  // It says what it does, and how far.
  await page.getByTestId('photo-note').filter({ hasText: /^正在压缩视频 \d+%（VID_0002\.webm）/ }).waitFor({ timeout: 20_000 });
  await page.getByTestId('photo-note').scrollIntoViewIfNeeded();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-video-compressing.png` });
  // Submitted meanwhile: refused at the photo blank, nothing lost.
  await form(page).submit.click();
  await page.getByTestId('photos-photos').locator('.error', { hasText: '照片或视频还在处理中，完成后再提交（不会丢失）' }).waitFor();
  assert.equal(await form(page).submit.isVisible(), true, 'still the form');

  await page.locator('[data-testid=photo-video]').waitFor({ timeout: 60_000 });
  const [stored] = await phoneClips(page);
  assert.equal(stored.mime, 'video/webm');
  assert.ok(stored.size < clip.length * 0.6, `stored ${stored.size} bytes of ${clip.length}`);
  // Still a video, of the clip's picture made smaller, that plays.
  const picture = await page.locator('[data-testid=photo-video]').first().evaluate(async (v) => {
    if (v.readyState < 1) await new Promise((r) => { v.onloadedmetadata = r; });
    return [v.videoWidth, v.videoHeight];
  });
  assert.deepEqual(picture, [854, 480], 'the picture made 480p');

  await form(page).submit.click();
  await home(page).newReportButton.waitFor();
  const [report] = await phoneRecords(page);
  const status = await sendUntilArrived(page, server, report.id, 1);
  assert.equal(status.photos[0].sha256, stored.sha256, 'the server holds the smaller copy');
  const served = await server.fetch(`/api/photos/${stored.sha256}`);
  assert.equal(createHash('sha256').update(Buffer.from(await served.arrayBuffer())).digest('hex'), stored.sha256);
});
