// Sync over a weak link: 20 hazard reports with 2 photos each (photo-like
// 2000×1500 camera JPEGs, shrunk by the app itself) queued offline, then the
// phone comes online over a link of 125 000 bytes/s each way and 300 ms
// round trip (a shaping TCP proxy in front of the server: every connection
// of the phone shares it, and it counts the bytes the phone sends). Time:
// online → the server holds every report and every photo (polled on the
// server); lower bound: bytes the phone sent in that time ÷ 125 000 B/s.
// Then the same again with the link cut three times (every connection
// dropped and none accepted for 2 s, at ~25/50/75 % of the bytes), and the
// server checked to hold each report and photo exactly once.

import { bench, startServer, openPhone, openApp, home, form, fillHazard, startLink } from './lib.mjs';

const REPORTS = 20;
const RATE = 125_000;
const RTT = 300;

// In the page: a photo-like JPEG (gradients, shapes, sensor noise) put into
// the hazard's photo input, as if picked from the gallery.
const PICK = async ([seed, w, h]) => {
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d');
  let x = (seed * 2654435761) >>> 0 || 1;
  const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296; };
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, `hsl(${200 + rnd() * 30},60%,70%)`);
  g.addColorStop(1, `hsl(${25 + rnd() * 60},30%,30%)`);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < 400; i++) {
    ctx.fillStyle = `hsla(${rnd() * 360},${20 + rnd() * 40}%,${20 + rnd() * 60}%,${0.2 + rnd() * 0.6})`;
    const r = (0.005 + rnd() * 0.06) * w;
    ctx.beginPath();
    ctx.ellipse(rnd() * w, rnd() * h, r, r * (0.3 + rnd()), rnd() * 3, 0, 6.3);
    ctx.fill();
  }
  const img = ctx.getImageData(0, 0, w, h);
  for (let i = 0; i < img.data.length; i += 4) { const n = (rnd() - 0.5) * 10; img.data[i] += n; img.data[i + 1] += n; img.data[i + 2] += n; }
  ctx.putImageData(img, 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  const dt = new DataTransfer();
  dt.items.add(new File([blob], `IMG_${seed}.jpg`, { type: 'image/jpeg' }));
  const input = document.querySelector('#gallery-photos');
  input.files = dt.files;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
};

async function queue(page, context, tag) {
  await context.setOffline(true);
  for (let i = 0; i < REPORTS; i++) {
    await home(page).newReport('风险隐患');
    await fillHazard(page, `${tag}-${i}`);
    for (let k = 0; k < 2; k++) {
      await page.evaluate(PICK, [i * 2 + k + (tag === 'cut' ? 1000 : 1), 2000, 1500]);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=photo]').length === n, k + 1, { timeout: 30_000 });
    }
    await form(page).waitSaved();
    await form(page).submit.click();
    await home(page).newReportButton.waitFor();
  }
  if ((await home(page).outboxCount()) !== REPORTS) throw new Error(`outbox holds ${await home(page).outboxCount()}, not ${REPORTS}`);
  const bytes = await page.evaluate((tag) => new Promise((resolve) => {
    const open = indexedDB.open('kuaibao');
    open.onsuccess = () => {
      const db = open.result;
      const r = db.transaction(['reports', 'photos']);
      const reps = r.objectStore('reports').getAll();
      const ps = r.objectStore('photos').getAll();
      r.oncomplete = () => {
        const ids = new Set(reps.result.filter((x) => String(x.answers.place).startsWith(`${tag}-`)).map((x) => x.id));
        resolve(ps.result.filter((p) => ids.has(p.report_id)).map((p) => p.size));
      };
    };
  }), tag);
  return bytes;
}

/** What is still waiting on the phone, and why. */
function phoneQueue(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('kuaibao');
    open.onsuccess = () => {
      const t = open.result.transaction(['reports', 'photos']);
      const r = t.objectStore('reports').getAll();
      const p = t.objectStore('photos').getAll();
      t.oncomplete = () => {
        const now = Date.now();
        const rs = r.result.filter((x) => x.status.state !== 'delivered').map((x) => ({ place: x.answers.place, state: x.status.state, attempts: x.status.attempts, in_s: x.status.next_try_ms ? Math.round((x.status.next_try_ms - now) / 1000) : null, error: x.status.last_error }));
        const ps = p.result.filter((x) => x.upload.state !== 'done').map((x) => ({ state: x.upload.state, offset: x.upload.offset, attempts: x.upload.attempts, in_s: x.upload.next_try_ms ? Math.round((x.upload.next_try_ms - now) / 1000) : null, error: x.upload.last_error }));
        resolve({ reports: rs, photos: ps });
      };
    };
  }));
}

/** The server's view of the reports whose place starts with `tag`; the
 *  photos of a report already complete in `done` are not asked again (the
 *  officer's session has a rate limit too). */
async function arrived(server, tag, done = new Map()) {
  const all = (await server.reports()).filter((r) => String(r.report.answers.place).startsWith(`${tag}-`));
  let photos = 0;
  let expected = 0;
  for (const r of all) {
    let p = done.get(r.report.id);
    if (!p) {
      const res = await server.fetch(`/api/reports/${r.report.id}/photos`);
      if (!res.ok) throw new Error(`GET /api/reports/${r.report.id}/photos: ${res.status}`);
      p = await res.json();
      if (p.arrived === p.expected && p.expected > 0) done.set(r.report.id, p);
    }
    photos += p.arrived;
    expected += p.expected;
  }
  return { reports: all.length, ids: new Set(all.map((r) => r.report.id)).size, places: new Set(all.map((r) => r.report.answers.place)).size, photos, expected };
}

async function syncPass(server, link, page, context, tag, cutAt = [], limitS = 150) {
  const sizes = await queue(page, context, tag);
  const photoBytes = sizes.reduce((a, b) => a + b, 0);
  console.log(`${tag}: ${REPORTS} reports and ${sizes.length} photos queued offline (photos ${photoBytes} bytes, ${Math.round(photoBytes / sizes.length)} on average)`);
  link.shape({ rtt: RTT, rate: RATE });
  const up0 = link.stats.up;
  const cuts = [...cutAt];
  const t0 = Date.now();
  await context.setOffline(false);
  let last = null;
  const done = new Map();
  const cutter = setInterval(() => {
    if (cuts.length && link.stats.up - up0 >= cuts[0]) { cuts.shift(); link.cut(2000); console.log(`${tag}: link cut at ${link.stats.up - up0} bytes, ${((Date.now() - t0) / 1000).toFixed(1)} s`); }
  }, 50);
  try {
    for (;;) {
      if (Date.now() - t0 > limitS * 1000) {
        console.log(`${tag}: NOT all delivered after ${limitS} s: ${JSON.stringify(last)}; up ${link.stats.up - up0} bytes`);
        console.log(`${tag}: the phone's queue:`, JSON.stringify(await phoneQueue(page), null, 0));
        const sent = link.stats.up - up0;
        link.shape(null);
        // Then as a user would: tap 立即发送 until everything is there, so
        // the server can still be checked for exactly once.
        const partial = last;
        for (const until = Date.now() + 60_000; Date.now() < until;) {
          await home(page).sendNow.click({ timeout: 2_000 }).catch(() => {});
          await new Promise((r) => setTimeout(r, 3_000));
          last = await arrived(server, tag, done);
          if (last.reports >= REPORTS && last.photos >= 2 * REPORTS) break;
        }
        console.log(`${tag}: after tapping 立即发送: ${JSON.stringify(last)}`);
        return { elapsed: null, sent, bound: null, ratio: null, partial, last, photoBytes };
      }
      await new Promise((r) => setTimeout(r, 500));
      last = await arrived(server, tag, done);
      if (last.reports >= REPORTS && last.photos >= 2 * REPORTS) break;
    }
  } finally {
    clearInterval(cutter);
  }
  const elapsed = (Date.now() - t0) / 1000;
  const sent = link.stats.up - up0;
  link.shape(null);
  const bound = sent / RATE;
  console.log(`${tag}: all delivered in ${elapsed.toFixed(1)} s; phone sent ${sent} bytes (lower bound ${bound.toFixed(1)} s): ratio ${(elapsed / bound).toFixed(2)}`);
  return { elapsed, sent, bound, ratio: elapsed / bound, last, photoBytes };
}

await bench('sync', async (figures, defer) => {
  const server = await startServer();
  defer(() => server.stop());
  const link = await startLink(server.url);
  defer(() => link.stop());
  const phone = await openPhone();
  defer(() => phone.close());
  const { page, context } = phone;
  await openApp(page, link.url);

  const clean = await syncPass(server, link, page, context, 'clean');
  figures.add('sync.ratio', `${REPORTS} reports + ${2 * REPORTS} photos queued offline, then online at 125 kB/s, 300 ms RTT: time to all delivered ÷ (bytes sent ÷ bandwidth)`, clean.ratio, '×', { max: 1.25 });
  figures.add('sync.time_s', `as above: online → all delivered (${Math.round(clean.sent / 1000)} kB sent, lower bound ${clean.bound.toFixed(1)} s)`, clean.elapsed, 's');
  figures.add('sync.sent_bytes', `as above: bytes the phone sent (photos themselves ${clean.photoBytes})`, clean.sent, 'bytes');

  const cutAt = [0.25, 0.5, 0.75].map((f) => Math.round(f * clean.sent));
  const cut = await syncPass(server, link, page, context, 'cut', cutAt, 120);
  const once = cut.last.reports === REPORTS && cut.last.ids === REPORTS && cut.last.places === REPORTS && cut.last.photos === 2 * REPORTS && cut.last.expected === 2 * REPORTS;
  const again = await arrived(server, 'clean');
  const cleanOnce = again.reports === REPORTS && again.photos === 2 * REPORTS;
  if (cut.ratio !== null) {
    figures.add('sync.cut_ratio', `the same with the link cut 3 times (all connections dropped, 2 s down): time ÷ lower bound`, cut.ratio, '×');
    figures.add('sync.cut_time_s', `with 3 cuts: online → all delivered (${Math.round(cut.sent / 1000)} kB sent, lower bound ${cut.bound.toFixed(1)} s)`, cut.elapsed, 's');
  } else {
    figures.add('sync.cut_delivered_reports', `with 3 cuts: NOT all delivered by the phone itself within 120 s; reports on the server by then (of ${REPORTS})`, cut.partial.reports, 'reports', { min: REPORTS });
    figures.add('sync.cut_delivered_photos', `with 3 cuts: photos on the server after 120 s (of ${2 * REPORTS})`, cut.partial.photos, 'photos', { min: 2 * REPORTS });
  }
  figures.add('sync.cut_once', `with 3 cuts${cut.ratio === null ? ' (and 立即发送 tapped after 120 s)' : ''}: the server holds each of the ${REPORTS} reports and ${2 * REPORTS} photos exactly once (1 yes, 0 no)`, once && cleanOnce ? 1 : 0, 'bool', { min: 1 });
  if (!(once && cleanOnce)) throw new Error(`not exactly once: cut ${JSON.stringify(cut.last)}, clean ${JSON.stringify(again)}`);
}, 420_000);
