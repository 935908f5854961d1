// Photo pipeline: a 12-megapixel camera picture (4000×3000 JPEG, q 0.92,
// made by the browser: gradients, shapes and sensor noise, like a photo) put
// into a hazard's photo blank → the shrunk photo stored on the phone, at 1×
// CPU. Time: the file input's change event → the IndexedDB transaction that
// wrote the photo record completes (in the page's clock). Bytes: the stored
// photo Blob. Three different pictures; p50 and worst. Also one picture of
// pure noise, the worst case for JPEG, without a budget; and a 48-megapixel
// one (8000×6000, as many phones now shoot), held to the same budgets: the
// phone decodes it no larger than the stored photo needs. Its time again at
// 4× CPU, and the browser's peak memory (PSS, all its processes,
// sampled every 20 ms) while each of a 12 MP and a 48 MP picture is taken in,
// beside that just before: a full-size decode of 48 MP alone would be
// 192 MB of pixels.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bench, startServer, openPhone, openApp, home, phonePhotos, noiseJpeg, photoJpeg, median, throttle, sampleBrowserMemory, IDB_PROBE } from './lib.mjs';

const RUNS = 3;

// `file`: the picture's bytes, or the path of a file holding them. Bytes
// reach the page through Playwright's own script, which copies them in the
// page's heap several times over (hundreds of MB of garbage for 48 MP); a
// path is handed to the file input as a real file, as a camera's is.
async function attach(page, name, file) {
  const before = await page.evaluate(() => window.__commits.length);
  await page.locator('#gallery-photos').setInputFiles(typeof file === 'string' ? file : [{ name, mimeType: 'image/jpeg', buffer: file }]);
  const r = await (await page.waitForFunction((from) => {
    const c = window.__commits.slice(from).find((c) => c.stores.includes('photos'));
    return c && window.__change !== undefined ? { change: window.__change, t: c.t, id: c.values[c.stores.indexOf('photos')].id } : null;
  }, before, { timeout: 30_000, polling: 'raf' })).jsonValue();
  const stored = (await phonePhotos(page)).find((p) => p.id === r.id);
  return { ms: r.t - r.change, bytes: stored.bytes, width: stored.width, height: stored.height };
}

await bench('photo', async (figures, defer) => {
  const server = await startServer();
  defer(() => server.stop());
  const phone = await openPhone();
  defer(() => phone.close());
  const { page, context } = phone;
  await context.addInitScript(IDB_PROBE);
  await context.addInitScript(() => {
    document.addEventListener('change', (e) => { if (e.target.type === 'file') window.__change = e.timeStamp; }, true);
  });
  await openApp(page, server.url);
  await home(page).newReport('风险隐患');

  // Peak memory while `name` is taken in, and just before it.
  const measured = async (name, input) => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'kuaibao-photo-')), name);
    await writeFile(file, input);
    defer(() => rm(path.dirname(file), { recursive: true, force: true }));
    const before = await sampleBrowserMemory(phone.profile);
    await new Promise((r) => setTimeout(r, 200));
    const idle = await before.stop();
    const sampler = await sampleBrowserMemory(phone.profile);
    const r = await attach(page, name, file);
    return { ...r, idle, peak: await sampler.stop() };
  };

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const input = await photoJpeg(page, 4000, 3000, i + 1);
    const r = i === 0 ? await measured(`IMG_${i}.jpg`, input) : await attach(page, `IMG_${i}.jpg`, input);
    console.log(`photo ${i + 1}: ${input.length} bytes in → ${r.bytes} bytes stored (${r.width}×${r.height}) in ${r.ms.toFixed(0)} ms`);
    runs.push({ ...r, input: input.length });
  }
  figures.add('photo.stored_bytes', `12 MP camera JPEG (4000×3000, ~${Math.round(median(runs.map((r) => r.input)) / 1000)} kB) → stored photo: bytes (worst of ${RUNS})`, Math.max(...runs.map((r) => r.bytes)), 'bytes', { max: 450_000 });
  figures.add('photo.time_ms', `12 MP camera JPEG → shrunk photo committed in IndexedDB, 1× CPU: p50 of ${RUNS}`, median(runs.map((r) => r.ms)), 'ms', { max: 2000 });
  figures.add('photo.time_max_ms', `as above, worst of ${RUNS}`, Math.max(...runs.map((r) => r.ms)), 'ms');

  const noise = await noiseJpeg(page, 4000, 3000);
  const n = await attach(page, 'noise.jpg', noise);
  console.log(`noise: ${noise.length} bytes in → ${n.bytes} bytes stored in ${n.ms.toFixed(0)} ms`);
  figures.add('photo.noise_stored_bytes', `worst case: 12 MP of pure noise (${Math.round(noise.length / 1000)} kB) → stored photo bytes`, n.bytes, 'bytes');
  figures.add('photo.noise_time_ms', 'worst case: 12 MP of pure noise → committed, 1× CPU', n.ms, 'ms');

  const MB = 1024 * 1024;
  const big = await photoJpeg(page, 8000, 6000, 7);
  const b = await measured('IMG_48MP.jpg', big);
  console.log(`48 MP: ${big.length} bytes in → ${b.bytes} bytes stored (${b.width}×${b.height}) in ${b.ms.toFixed(0)} ms; browser memory ${(b.idle / MB).toFixed(0)} → peak ${(b.peak / MB).toFixed(0)} MB`);
  figures.add('photo.48mp_stored_bytes', `48 MP camera JPEG (8000×6000, ${Math.round(big.length / 1000)} kB) → stored photo: bytes`, b.bytes, 'bytes', { max: 450_000 });
  figures.add('photo.48mp_time_ms', '48 MP camera JPEG → shrunk photo committed in IndexedDB, 1× CPU', b.ms, 'ms', { max: 2000 });
  const first = runs[0];
  figures.add('photo.12mp_peak_mb', '12 MP photo taken in: the browser\'s peak memory (PSS, all its processes, with what the bench\'s own picture-making left in the page)', first.peak / MB, 'MB');
  figures.add('photo.12mp_rise_mb', 'as above, its rise over just before', (first.peak - first.idle) / MB, 'MB');
  figures.add('photo.48mp_peak_mb', '48 MP photo taken in: the browser\'s peak memory (PSS, all its processes, with what the bench\'s own picture-making left in the page)', b.peak / MB, 'MB');
  figures.add('photo.48mp_rise_mb', 'as above, its rise over just before (a full-size bitmap alone: 192 MB)', (b.peak - b.idle) / MB, 'MB');

  const cdp = await throttle(page, { cpu: 4 });
  const slow = await attach(page, 'IMG_48MP_b.jpg', await photoJpeg(page, 8000, 6000, 8));
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  console.log(`48 MP at 4× CPU: ${slow.ms.toFixed(0)} ms`);
  figures.add('photo.48mp_time_4x_ms', '48 MP camera JPEG → committed, 4× CPU', slow.ms, 'ms');
}, 600_000);
