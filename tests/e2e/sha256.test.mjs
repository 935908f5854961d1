// public/photo-sha256.js, the photo hash for pages without crypto.subtle,
// against node's own SHA-256: every padding case around the 64-byte block,
// and larger random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

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
