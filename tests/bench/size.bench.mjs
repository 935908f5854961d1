// App shell size: every file the service worker precaches (the PRECACHE list
// of dist/sw.js) plus sw.js itself, raw, gzip -9 and brotli q11; and what the
// real server sends for the wasm when the browser accepts br or gzip.

import http from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { bench, DIST, startServer } from './lib.mjs';

// The wasm's budget: 200 KB (issue 6) moved to 225 KB by issue 20 for a
// build on stable Rust, without build-std and the unstable size flags (the
// README's toolchain table); the shell keeps its 250 KB.
const WASM_BR_MAX = 225_000;

function get(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes }));
    }).on('error', reject);
  });
}

await bench('size', async (figures, defer) => {
  const sw = readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  // Minified by the build: `const PRECACHE=[…],VERSION=…`.
  const list = sw.match(/\bPRECACHE\s*=\s*\[([\s\S]*?)\]/);
  if (!list) throw new Error('no PRECACHE list in dist/sw.js');
  const urls = [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  // "/" is index.html under another name: count its bytes once.
  const files = [...new Set(urls.map((u) => (u === '/' ? '/index.html' : u))), '/sw.js'];
  const rows = files.map((u) => {
    const file = path.join(DIST, u);
    if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`precached ${u} is not in the build`);
    const raw = readFileSync(file);
    return {
      url: u,
      raw: raw.length,
      gzip: zlib.gzipSync(raw, { level: 9 }).length,
      br: zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length,
    };
  });
  console.log('file'.padEnd(60), 'raw'.padStart(9), 'gzip'.padStart(9), 'br'.padStart(9));
  for (const r of rows) console.log(r.url.padEnd(60), String(r.raw).padStart(9), String(r.gzip).padStart(9), String(r.br).padStart(9));
  const sum = (rs, k) => rs.reduce((n, r) => n + r[k], 0);
  const wasm = rows.filter((r) => r.url.endsWith('.wasm'));
  const js = rows.filter((r) => r.url.endsWith('.js'));
  const css = rows.filter((r) => r.url.endsWith('.css'));
  figures.add('size.wasm_br', 'app wasm, brotli q11', sum(wasm, 'br'), 'bytes', { max: WASM_BR_MAX });
  figures.add('size.shell_br', `app shell: all ${rows.length} precached files + sw.js, brotli q11`, sum(rows, 'br'), 'bytes', { max: 250_000 });
  figures.add('size.shell_gzip', 'app shell, gzip -9', sum(rows, 'gzip'), 'bytes');
  figures.add('size.shell_raw', 'app shell, uncompressed', sum(rows, 'raw'), 'bytes');
  figures.add('size.wasm_raw', 'app wasm, uncompressed', sum(wasm, 'raw'), 'bytes');
  figures.add('size.js_br', `JS (${js.length} files incl. sw.js), brotli q11`, sum(js, 'br'), 'bytes');
  figures.add('size.css_br', 'CSS, brotli q11', sum(css, 'br'), 'bytes');

  // What the real server sends.
  const server = await startServer();
  defer(() => server.stop());
  const wasmUrl = `${server.url}${wasm[0].url}`;
  const br = await get(wasmUrl, { 'Accept-Encoding': 'br' });
  const gz = await get(wasmUrl, { 'Accept-Encoding': 'gzip' });
  const plain = await get(wasmUrl, { 'Accept-Encoding': 'identity' });
  for (const [name, r] of [['br', br], ['gzip', gz], ['identity', plain]]) {
    console.log(`GET ${wasm[0].url} Accept-Encoding: ${name} → ${r.status}, content-encoding ${r.headers['content-encoding'] ?? '(none)'}, ${r.bytes} bytes, cache-control ${r.headers['cache-control'] ?? '(none)'}`);
    if (r.status !== 200) throw new Error(`GET ${wasmUrl} (${name}): ${r.status}`);
  }
  const immutable = br.headers['cache-control'] === 'public, max-age=31536000, immutable';
  figures.add('size.served_wasm_br', `wasm as the server sends it for Accept-Encoding: br (content-encoding: ${br.headers['content-encoding'] ?? 'none'})`, br.bytes, 'bytes', { max: WASM_BR_MAX });
  figures.add('size.served_wasm_gzip', `wasm as the server sends it for Accept-Encoding: gzip (content-encoding: ${gz.headers['content-encoding'] ?? 'none'})`, gz.bytes, 'bytes');
  figures.add('size.served_br_encoded', 'the server sends the wasm brotli-encoded when asked (1 yes, 0 no)', br.headers['content-encoding'] === 'br' ? 1 : 0, 'bool', { min: 1 });
  figures.add('size.hashed_cache_immutable', `hashed files served with "public, max-age=31536000, immutable" (1 yes, 0 no; got "${br.headers['cache-control'] ?? ''}")`, immutable ? 1 : 0, 'bool', { min: 1 });
});
