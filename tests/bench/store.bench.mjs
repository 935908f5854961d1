// The phone store at scale: 500 reports (400 incidents, 100 hazards) and 200
// photos (2 per hazard, with their Blobs and thumbnails) on the phone, all
// delivered. The records are copies of ones the app itself made and the
// server received (new ids, places and receipts), written straight into
// IndexedDB. Then, offline at 4× CPU: reload → the list open: its first
// page (the newest 30 threads) on screen and the rest counted under it
// (「显示更早的报告，还有 N」); and the JS heap (after a GC) and the wasm
// memory once the list is shown.

import { writeFile } from 'node:fs/promises';
import { bench, startServer, openPhone, openApp, home, form, fillHazard, photoJpeg, phoneRecords, throttle, median } from './lib.mjs';

const INCIDENTS = 400;
const HAZARDS = 100;
const RUNS = 3;
// --profile FILE: a CPU profile of the last reload (the profiler slows it),
// to open in DevTools' Performance panel.
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;

// The list shows this many threads, then a button that counts the rest.
const LIST_PAGE = 30;

const LIST_PROBE = () => {
  addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  const check = () => {
    const n = document.querySelectorAll('[data-testid=report-item]').length;
    const more = document.querySelector('[data-testid=list-more]')?.textContent ?? '';
    const rest = window.__want - window.__page;
    const counted = rest <= 0 || more.endsWith(` ${rest}`);
    if (window.__want && n >= Math.min(window.__want, window.__page) && counted && window.__listed === undefined) window.__listed = performance.now();
  };
  window.__want = Number(sessionStorage.getItem('want') || 0);
  window.__page = Number(sessionStorage.getItem('page') || 0);
  setInterval(check, 10);
};

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  // Found by its kind, not its name: the release build shortens the wasm's
  // export names (xtask/src/short_names.rs), `memory` among them.
  const wasm = await page.evaluate(() => Object.values(window.__wasm ?? {}).find((v) => v instanceof WebAssembly.Memory)?.buffer?.byteLength ?? null);
  return { heap: heap.usedSize, wasm };
}

await bench('store', async (figures, defer) => {
  const server = await startServer();
  defer(() => server.stop());
  const phone = await openPhone();
  defer(() => phone.close());
  const { page, context } = phone;
  await context.addInitScript(LIST_PROBE);
  await openApp(page, server.url);

  // One incident and one hazard with a photo, made and sent by the app.
  await home(page).newReport();
  await form(page).fill();
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('delivered', 1);
  await home(page).newReport('风险隐患');
  await fillHazard(page);
  await page.locator('#gallery-photos').setInputFiles([{ name: 'a.jpg', mimeType: 'image/jpeg', buffer: await photoJpeg(page, 4000, 3000, 7) }]);
  await page.locator('[data-testid=photo]').first().waitFor({ timeout: 30_000 });
  await form(page).waitSaved();
  await form(page).submit.click();
  await home(page).waitForCount('delivered', 2, 30_000);
  if ((await phoneRecords(page)).length !== 2) throw new Error('expected two records');
  const cdp = await throttle(page, { cpu: 1 });
  const small = await memory(page, cdp);

  await context.setOffline(true);
  const counts = await page.evaluate(async ([incidents, hazards]) => {
    const db = await new Promise((res, rej) => { const o = indexedDB.open('kuaibao'); o.onsuccess = () => res(o.result); o.onerror = () => rej(o.error); });
    const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const tx0 = db.transaction(['reports', 'photos', 'blobs']);
    const reports = await req(tx0.objectStore('reports').getAll());
    const [photo] = await req(tx0.objectStore('photos').getAll());
    const blob = await req(tx0.objectStore('blobs').get(photo.id));
    const thumb = await req(tx0.objectStore('blobs').get(`${photo.id}/thumb`));
    const incident = reports.find((r) => r.id !== photo.report_id);
    const hazard = reports.find((r) => r.id === photo.report_id);
    let clock = Date.now() - (incidents + hazards) * 3_600_000;
    const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
    const uuid7 = () => {
      clock += 3_600_000;
      const t = clock.toString(16).padStart(12, '0');
      const r = hex(10);
      return `${t.slice(0, 8)}-${t.slice(8)}-7${r.slice(0, 3)}-${((parseInt(r[3], 16) & 3) | 8).toString(16)}${r.slice(4, 7)}-${r.slice(7, 19).padEnd(12, '0')}`;
    };
    let seq = 1000;
    const copy = (r, i) => {
      const c = structuredClone(r);
      c.id = uuid7();
      c.updated_ms = clock;
      c.answers.place = `青石村${(i % 9) + 1}组 第 ${i} 处`;
      if (c.status.receipt) c.status.receipt.seq = ++seq;
      return c;
    };
    const tx = db.transaction(['reports', 'photos', 'blobs'], 'readwrite');
    for (let i = 0; i < incidents + hazards; i++) {
      if (i % 5 !== 4) { tx.objectStore('reports').put(copy(incident, i)); continue; }
      const h = copy(hazard, i);
      h.photos = [];
      for (let k = 0; k < 2; k++) {
        const p = structuredClone(photo);
        p.id = crypto.randomUUID();
        p.report_id = h.id;
        p.sha256 = hex(32);
        p.upload = { state: 'done' };
        p.created_ms = clock;
        tx.objectStore('photos').put(p);
        tx.objectStore('blobs').put(blob, p.id);
        tx.objectStore('blobs').put(thumb, `${p.id}/thumb`);
        const ref = structuredClone(hazard.photos[0] ?? {});
        Object.assign(ref, { id: p.id, blank: p.blank, sha256: p.sha256, size: p.size, mime: p.mime });
        h.photos.push(ref);
      }
      tx.objectStore('reports').put(h);
    }
    await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
    const tx2 = db.transaction(['reports', 'photos']);
    return { reports: await req(tx2.objectStore('reports').count()), photos: await req(tx2.objectStore('photos').count()) };
  }, [INCIDENTS, HAZARDS]);
  console.log(`phone store: ${counts.reports} reports, ${counts.photos} photos`);
  await page.evaluate(([n, p]) => { sessionStorage.setItem('want', String(n)); sessionStorage.setItem('page', String(p)); }, [counts.reports, LIST_PAGE]);

  const times = [];
  let mem = null;
  for (let i = 0; i < RUNS; i++) {
    const c = await throttle(page, { cpu: 4 });
    const profiling = PROFILE && i === RUNS - 1;
    if (profiling) {
      await c.send('Profiler.enable');
      await c.send('Profiler.start');
    }
    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(() => window.__listed !== undefined, null, { timeout: 60_000, polling: 200 });
    if (profiling) await writeFile(PROFILE, JSON.stringify((await c.send('Profiler.stop')).profile));
    const ms = await page.evaluate(() => window.__listed);
    times.push(ms);
    mem = await memory(page, c);
    console.log(`list open ${i + 1}: ${ms.toFixed(0)} ms; JS heap ${mem.heap} bytes, wasm memory ${mem.wasm} bytes`);
  }
  if ((await home(page).items.count()) !== LIST_PAGE) throw new Error(`not ${LIST_PAGE} reports on the list's first page`);
  // Every report is on the list: page through to the end.
  while (await page.getByTestId('list-more').count()) await page.getByTestId('list-more').click();
  if ((await home(page).items.count()) !== counts.reports) throw new Error('not every report is on the list');
  figures.add('store.list_open_ms', `${counts.reports} reports + ${counts.photos} photos on the phone, offline, 4× CPU: reload → the list open (newest ${LIST_PAGE} shown, the other ${counts.reports - LIST_PAGE} counted) (p50 of ${RUNS})`, median(times), 'ms', { max: 500 });
  figures.add('store.list_open_max_ms', `as above, worst of ${RUNS}`, Math.max(...times), 'ms');
  figures.add('store.js_heap_bytes', `JS heap after GC with the ${counts.reports}-report list shown (CDP Runtime.getHeapUsage)`, mem.heap, 'bytes');
  figures.add('store.wasm_memory_bytes', `wasm linear memory with the ${counts.reports}-report list shown`, mem.wasm, 'bytes');
  figures.add('store.js_heap_2_reports_bytes', 'for comparison: JS heap after GC with 2 reports', small.heap, 'bytes');
  figures.add('store.wasm_memory_2_reports_bytes', 'for comparison: wasm linear memory with 2 reports', small.wasm, 'bytes');
});
