// A photo's SHA-256 as the app computes it (src/photo/shrink.js): by Web
// Crypto in a secure context, and by public/photo-sha256.js on a page over
// plain http, where browsers have no digest. The fallback is checked
// against node's SHA-256 at every padding case, and both paths in a real
// browser against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { startServer, openPhone } from './helpers.mjs';

const page = { self: {} };
page.self = page;
vm.runInNewContext(readFileSync(new URL('../../public/photo-sha256.js', import.meta.url), 'utf8'), page);
const sha256 = page.kuaibaoSha256;

const expected = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('the empty message and "abc" give the published digests', () => {
  assert.equal(sha256(new Uint8Array()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('every length across the block and padding boundaries', () => {
  for (let n = 0; n <= 200; n++) {
    const bytes = new Uint8Array(randomBytes(n));
    assert.equal(sha256(bytes), expected(bytes), `length ${n}`);
  }
});

test('a photo-sized input', () => {
  const bytes = new Uint8Array(randomBytes(700_001));
  assert.equal(sha256(bytes), expected(bytes));
});

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** The app's photo module as written: the build bundles it into the glue,
 *  which exports none of its functions. The test page imports it from its
 *  own origin (this route), so it runs under the page's origin, security
 *  and policy as the bundled copy does. */
const SHRINK = new URL('../../src/photo/shrink.js', import.meta.url).pathname;

/** sha256Hex of `bytes` as the app's page at `url` computes it, and whether
 *  that page is a secure context. */
async function hashInPage(url, bytes, args = []) {
  // No service worker: it would take the module's request past the route.
  const phone = await openPhone({ args, options: { serviceWorkers: 'block' } });
  try {
    await phone.page.route('**/test-only/shrink.js', (route) => route.fulfill({ path: SHRINK, contentType: 'text/javascript' }));
    await phone.page.goto(url);
    return await phone.page.evaluate(async (data) => {
      const { sha256Hex } = await import(`${location.origin}/test-only/shrink.js`);
      const hex = await sha256Hex(new Blob([new Uint8Array(data)]));
      return { hex, secure: window.isSecureContext, fallback: typeof self.kuaibaoSha256 === 'function' };
    }, [...bytes]);
  } finally {
    await phone.close();
  }
}

test('the browser hashes with Web Crypto on the app\'s own origin', { timeout: 60_000 }, async () => {
  const bytes = randomBytes(50_000);
  const got = await hashInPage(server.url, bytes);
  assert.deepEqual(got, { hex: expected(bytes), secure: true, fallback: false });
});

test('over plain http on a LAN name, the fallback gives the same digest', { timeout: 60_000 }, async () => {
  const bytes = randomBytes(50_000);
  const lan = server.url.replace('127.0.0.1', 'kuaibao-lan.test');
  const got = await hashInPage(lan, bytes, ['--host-resolver-rules=MAP kuaibao-lan.test 127.0.0.1']);
  assert.deepEqual(got, { hex: expected(bytes), secure: false, fallback: true });
});
