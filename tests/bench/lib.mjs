// Shared code of the browser benchmarks (`cargo xtask bench`): the --out
// argument, figures with budgets, throttling through the DevTools protocol,
// a link-shaping proxy, and clean-up that runs even on failure. The server,
// the phone and the page objects come from the end-to-end helpers.

import net from 'node:net';
import { writeFile, mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
export { DIST } from './dist.mjs';
export * from '../e2e/helpers.mjs';
import { blobFromPage } from '../e2e/helpers.mjs';

/** Figures collected by a benchmark, written to --out at the end. */
export class Figures {
  constructor() { this.list = []; }
  add(id, label, value, unit, budget = null, extra = {}) {
    // A probe that finds nothing is a broken bench, not a figure (the wasm
    // memory read `null` for a while, unnoticed, after its export was renamed).
    if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new Error(`${id}: nothing was measured (${value})`);
    }
    const v = typeof value === 'number' ? Math.round(value * 10) / 10 : value;
    this.list.push({ id, label, value: v, unit, budget, ...extra });
  }
  summary() {
    for (const f of this.list) {
      let verdict = '';
      if (f.budget && typeof f.value === 'number') {
        const ok = f.budget.max !== undefined ? f.value <= f.budget.max : f.value >= f.budget.min;
        verdict = ` (budget ${f.budget.max !== undefined ? '≤ ' + f.budget.max : '≥ ' + f.budget.min}: ${ok ? 'ok' : 'OVER'})`;
      }
      console.log(`  ${f.id} = ${f.value} ${f.unit}${verdict}  — ${f.label}`);
    }
  }
}

function outPath() {
  const i = process.argv.indexOf('--out');
  return i >= 0 ? process.argv[i + 1] : null;
}

/** Runs `body(figures, defer)`; `defer(fn)` registers clean-up, run in
 *  reverse order whatever happens. Writes the figures gathered so far even
 *  when the body fails (and then exits 1). */
export async function bench(name, body, limitMs = 300_000) {
  const figures = new Figures();
  const cleanups = [];
  const defer = (fn) => cleanups.push(fn);
  const started = Date.now();
  let failed = null;
  const guard = setTimeout(async () => {
    console.error(`${name}: over ${limitMs / 1000} s, giving up`);
    for (const fn of cleanups.reverse()) await Promise.race([fn(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
    process.exit(1);
  }, limitMs);
  try {
    await body(figures, defer);
  } catch (e) {
    failed = e;
    console.error(`${name} failed:`, e);
  } finally {
    for (const fn of cleanups.reverse()) {
      try { await fn(); } catch (e) { console.error('clean-up:', e.message); }
    }
    clearTimeout(guard);
  }
  const out = outPath();
  if (out) {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, JSON.stringify({ figures: figures.list }, null, 2) + '\n');
  }
  console.log(`${name}: ${figures.list.length} figures in ${((Date.now() - started) / 1000).toFixed(1)} s${out ? ` → ${out}` : ''}`);
  figures.summary();
  process.exit(failed ? 1 : 0);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The processes of the browser whose profile directory is `profile`
 *  (Linux /proc): the one whose command line names it, and every process
 *  under it (zygotes, renderers, GPU, utilities). */
async function browserProcesses(profile) {
  const parents = new Map();
  let root = null;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // The second field is the command in parentheses, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
      if (root === null && (await readFile(`/proc/${name}/cmdline`, 'utf8')).includes(`--user-data-dir=${profile}`)) root = Number(name);
    } catch { /* gone meanwhile */ }
  }
  if (root === null) throw new Error(`no browser process for ${profile}`);
  const under = (pid) => pid === root || (parents.has(pid) && parents.get(pid) > 1 && under(parents.get(pid)));
  return [...parents.keys()].filter(under);
}

/** Samples the memory of every process of the browser of `profile` every
 *  `everyMs` until `stop()`, which resolves to the largest sum seen
 *  (bytes). The sum, not one process: a picture may be decoded in the
 *  page's renderer, a worker's or the GPU process; of each process its
 *  proportional set size (PSS: shared pages divided among the processes
 *  sharing them), so that the sum counts no page twice. */
export async function sampleBrowserMemory(profile, everyMs = 20) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      let sum = 0;
      for (const pid of await browserProcesses(profile)) {
        try {
          const m = /Pss:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
          if (m) sum += Number(m[1]) * 1024;
        } catch { /* gone meanwhile */ }
      }
      peak = Math.max(peak, sum);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { async stop() { running = false; await loop; return peak; } };
}

/** A DevTools session on `page` with CPU slowed `rate` times and, if given,
 *  the network shaped as {latency, down, up} (ms, bytes/s). */
export async function throttle(page, { cpu = 1, network = null } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  await cdp.send('Network.enable');
  if (network) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: network.latency,
      downloadThroughput: network.down,
      uploadThroughput: network.up,
    });
  }
  return cdp;
}

/** A TCP proxy standing in for a weak link, shared by every connection like
 *  a real one: `shape({rtt, rate})` delays each chunk by rtt/2 each way and
 *  serialises bytes at `rate` bytes/s per direction (null: no shaping).
 *  `cut(ms)` drops every connection and refuses new ones for `ms`. Counts
 *  the bytes the phone sends (`up`) and receives (`down`). */
export async function startLink(targetUrl) {
  const target = new URL(targetUrl);
  let shaping = null;
  let downUntil = 0;
  const stats = { up: 0, down: 0, cuts: 0 };
  const sockets = new Set();
  const lanes = { up: 0, down: 0 }; // when each direction's wire is next free
  const paused = { up: new Set(), down: new Set() }; // sources held back per direction
  const send = (dir, chunk, socket, from) => {
    if (!shaping) { socket.write(chunk); return; }
    const now = Date.now();
    const start = Math.max(now, lanes[dir]);
    lanes[dir] = start + (chunk.length / shaping.rate) * 1000;
    const at = lanes[dir] + shaping.rtt / 2;
    // Back-pressure: stop reading while more than ~0.5 s of bytes wait.
    if (lanes[dir] - now > 500) { from.pause(); paused[dir].add(from); }
    setTimeout(() => {
      if (!socket.destroyed) socket.write(chunk);
      // The wire is shared: once it drains, every connection held back on
      // it reads again, not only this chunk's. (Resumed only by its own
      // chunks, a connection paused while others kept the wire busy stayed
      // paused for good: concurrent uploads froze until their timeout.)
      if (lanes[dir] - Date.now() < 250) { for (const s of paused[dir]) s.resume(); paused[dir].clear(); }
    }, at - now);
  };
  const split = (chunk) => {
    const parts = [];
    for (let i = 0; i < chunk.length; i += 8192) parts.push(chunk.subarray(i, i + 8192));
    return parts;
  };
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) { client.destroy(); return; }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client); sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
    client.on('data', (c) => { stats.up += c.length; for (const p of split(c)) send('up', p, upstream, client); });
    upstream.on('data', (c) => { stats.down += c.length; for (const p of split(c)) send('down', p, client, upstream); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    shape(s) {
      shaping = s;
      lanes.up = lanes.down = 0;
      for (const dir of ['up', 'down']) { for (const c of paused[dir]) c.resume(); paused[dir].clear(); }
    },
    cut(ms) {
      stats.cuts += 1;
      downUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** An init script that stamps every committed IndexedDB write: window
 *  .__commits gets {stores, t0, t, values} (performance.now() at the first
 *  put and at the transaction's complete event). */
export const IDB_PROBE = () => {
  window.__commits = [];
  const wrap = (name) => {
    const orig = IDBObjectStore.prototype[name];
    IDBObjectStore.prototype[name] = function (value, key) {
      const tx = this.transaction;
      if (!tx.__probe) {
        const probe = { stores: [], t0: performance.now(), values: [] };
        tx.__probe = probe;
        tx.addEventListener('complete', () => window.__commits.push({ ...probe, t: performance.now() }));
      }
      tx.__probe.stores.push(this.name);
      tx.__probe.values.push(value);
      return orig.call(this, value, key);
    };
  };
  wrap('put');
  wrap('add');
};

/** A photo-like JPEG made by the browser: smooth gradients, shapes and mild
 *  sensor noise (unlike pure noise, it compresses like a camera picture). */
export async function photoJpeg(page, width, height, seed = 1, quality = 0.92) {
  return blobFromPage(page, async ([w, h, seed, q]) => {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    let x = seed * 2654435761 >>> 0 || 1;
    const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296; };
    const sky = ctx.createLinearGradient(0, 0, 0, h);
    sky.addColorStop(0, `hsl(${200 + rnd() * 30},60%,70%)`);
    sky.addColorStop(0.5, `hsl(${90 + rnd() * 40},35%,45%)`);
    sky.addColorStop(1, `hsl(${25 + rnd() * 20},30%,30%)`);
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, w, h);
    for (let i = 0; i < 400; i++) {
      ctx.fillStyle = `hsla(${rnd() * 360},${20 + rnd() * 40}%,${20 + rnd() * 60}%,${0.2 + rnd() * 0.6})`;
      const r = (0.005 + rnd() * 0.06) * w;
      ctx.beginPath();
      ctx.ellipse(rnd() * w, rnd() * h, r, r * (0.3 + rnd()), rnd() * 3, 0, 6.3);
      ctx.fill();
    }
    const image = ctx.getImageData(0, 0, w, h);
    const d = image.data;
    for (let i = 0; i < d.length; i += 4) {
      const n = (rnd() - 0.5) * 24;
      d[i] += n; d[i + 1] += n; d[i + 2] += n;
    }
    ctx.putImageData(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: q });
  }, [width, height, seed, quality]);
}
