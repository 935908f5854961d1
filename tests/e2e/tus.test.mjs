// The server's tus 1.0 endpoint against an independent client: tus-js-client
// in Node uploads a photo that a stored report announced, in 64 KiB chunks,
// resumes an upload it abandoned half-way, and the server serves back the
// very same bytes. No browser: this is the protocol, not the app.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, getRandomValues } from 'node:crypto';
import * as tus from 'tus-js-client';
import { startServer, uuidv7 } from './helpers.mjs';

const cleanup = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });


/** `size` bytes that are a JPEG by their first bytes, then noise. */
function jpegBytes(size) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 65_536) getRandomValues(bytes.subarray(i, Math.min(size, i + 65_536)));
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]).copy(bytes);
  return bytes;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A hazard as found, announcing `photos` ([{ id, bytes }]), as the phone
 *  would submit it. */
async function hazardReport(url, photos) {
  const catalogue = await (await fetch(`${url}/api/templates`)).json();
  const offered = catalogue.offered.find((o) => o.id === 'hazard');
  const template = catalogue.templates.find((t) => t.id === 'hazard' && t.version === offered.version);
  const theme = template.blanks.find((b) => b.id === 'theme').kind.options[0].value;
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  return {
    id: uuidv7(),
    stage: { kind: 'initial' },
    template_id: 'hazard',
    template_version: offered.version,
    answers: {
      place: '青石村三组后山',
      theme,
      description: '河堤护栏缺失，临水一侧无警示标志',
      responsible: '青石村村民委员会',
      rectify_by: inAWeek,
      reporter: '李秀英',
      phone: '13800001234',
    },
    written_at: new Date().toISOString(),
    photos: photos.map(({ id, bytes }) => ({ id, blank: 'photos', sha256: sha256(bytes), size: bytes.length, mime: 'image/jpeg' })),
  };
}

/** The reporter's bearer token, for the requests a phone would make. */
let token;
const auth = () => ({ Authorization: `Bearer ${token}` });

async function submit(url, report) {
  const res = await fetch(`${url}/api/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth() },
    body: JSON.stringify(report),
  });
  assert.equal(res.status, 201, await res.text());
}

/** A server with the reporter logged in (`token`). */
async function startLoggedIn() {
  const server = await startServer();
  cleanup.push(() => server.stop());
  token = await server.login(server.reporter);
  return server;
}

/** Uploads with tus-js-client; resolves with the upload when it succeeds. */
function upload(url, photo, options = {}) {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(photo.bytes, {
      endpoint: `${url}/api/uploads`,
      headers: auth(),
      metadata: { photo_id: photo.id, sha256: sha256(photo.bytes), filetype: 'image/jpeg' },
      chunkSize: 64 * 1024,
      retryDelays: [0, 200, 500],
      onError: reject,
      onSuccess: () => resolve(up),
      ...options,
    });
    up.start();
  });
}

async function photosOf(url, reportId) {
  const res = await fetch(`${url}/api/reports/${reportId}/photos`, { headers: auth() });
  assert.equal(res.status, 200);
  return res.json();
}

async function servedBytes(url, sha) {
  const res = await fetch(`${url}/api/photos/${sha}`, { headers: auth() });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  return Buffer.from(await res.arrayBuffer());
}

test('tus-js-client uploads a photo in 64 KiB chunks and it arrives byte-identical', { timeout: 60_000 }, async () => {
  const server = await startLoggedIn();
  const photo = { id: uuidv7(), bytes: jpegBytes(300_000) };
  const report = await hazardReport(server.url, [photo]);

  // The text first: before it, the server does not know the photo.
  await assert.rejects(upload(server.url, photo, { retryDelays: null }), (e) => e.originalResponse?.getStatus() === 404);

  await submit(server.url, report);
  assert.deepEqual(await photosOf(server.url, report.id).then((s) => [s.expected, s.arrived]), [1, 0]);

  const chunks = [];
  const up = await upload(server.url, photo, { onChunkComplete: (size, accepted) => chunks.push(accepted) });
  assert.deepEqual(chunks, [65_536, 131_072, 196_608, 262_144, 300_000]);
  assert.match(up.url, new RegExp(`^${server.url}/api/uploads/[0-9a-f]{32}$`));

  const status = await photosOf(server.url, report.id);
  assert.deepEqual([status.expected, status.arrived], [1, 1]);
  assert.equal(status.photos[0].photo_id, photo.id);
  assert.ok(status.photos[0].arrived_at, 'an arrival time');
  assert.ok((await servedBytes(server.url, sha256(photo.bytes))).equals(photo.bytes));
  const [listed] = await server.reports();
  assert.deepEqual(listed.photos, { expected: 1, arrived: 1 });

  // The same photo again: the server says it is complete; still one copy.
  await upload(server.url, photo);
  assert.deepEqual(await photosOf(server.url, report.id).then((s) => [s.expected, s.arrived]), [1, 1]);
});

test('tus-js-client resumes an abandoned upload from the server\'s offset', { timeout: 60_000 }, async () => {
  const server = await startLoggedIn();
  const photo = { id: uuidv7(), bytes: jpegBytes(400_000) };
  const report = await hazardReport(server.url, [photo]);
  await submit(server.url, report);

  // Stop after the second chunk, as a phone losing its signal would.
  const uploadUrl = await new Promise((resolve, reject) => {
    const up = new tus.Upload(photo.bytes, {
      endpoint: `${server.url}/api/uploads`,
      headers: auth(),
      metadata: { photo_id: photo.id, sha256: sha256(photo.bytes), filetype: 'image/jpeg' },
      chunkSize: 64 * 1024,
      onError: reject,
      onChunkComplete: (size, accepted) => {
        if (accepted >= 131_072) up.abort().then(() => resolve(up.url), reject);
      },
    });
    up.start();
  });
  const head = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...auth() } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('upload-offset'), '131072');
  assert.equal(head.headers.get('upload-length'), '400000');
  assert.equal(head.headers.get('cache-control'), 'no-store');
  assert.ok(!Number.isNaN(Date.parse(head.headers.get('upload-expires'))), 'Upload-Expires is a date');
  assert.equal((await photosOf(server.url, report.id)).arrived, 0);

  // A new client given the upload's URL goes on from there; the rest goes
  // in one PATCH (tus-js-client's default chunk size is the whole file).
  const offsets = [];
  await upload(server.url, photo, {
    uploadUrl,
    chunkSize: Infinity,
    onBeforeRequest: (req) => { if (req.getMethod() === 'PATCH') offsets.push(req.getHeader('Upload-Offset')); },
  });
  assert.deepEqual(offsets, ['131072']);
  assert.equal((await photosOf(server.url, report.id)).arrived, 1);
  assert.ok((await servedBytes(server.url, sha256(photo.bytes))).equals(photo.bytes));
});

test('tus-js-client can terminate an upload', { timeout: 60_000 }, async () => {
  const server = await startLoggedIn();
  const photo = { id: uuidv7(), bytes: jpegBytes(200_000) };
  const report = await hazardReport(server.url, [photo]);
  await submit(server.url, report);
  const uploadUrl = await new Promise((resolve, reject) => {
    const up = new tus.Upload(photo.bytes, {
      endpoint: `${server.url}/api/uploads`,
      headers: auth(),
      metadata: { photo_id: photo.id, sha256: sha256(photo.bytes), filetype: 'image/jpeg' },
      chunkSize: 64 * 1024,
      onError: reject,
      onChunkComplete: () => up.abort().then(() => resolve(up.url), reject),
    });
    up.start();
  });
  await tus.Upload.terminate(uploadUrl, { headers: auth() });
  const head = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...auth() } });
  assert.equal(head.status, 404);
  assert.equal((await photosOf(server.url, report.id)).arrived, 0);
});

test('without a login the tus endpoints answer 401, and OPTIONS stays open', { timeout: 30_000 }, async () => {
  const server = await startLoggedIn();
  const photo = { id: uuidv7(), bytes: jpegBytes(10_000) };
  await submit(server.url, await hazardReport(server.url, [photo]));
  const create = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10000' },
  });
  assert.equal(create.status, 401);
  assert.equal((await create.json()).error, 'unauthorized');
  const options = await fetch(`${server.url}/api/uploads`, { method: 'OPTIONS' });
  assert.ok(options.status === 200 || options.status === 204, `OPTIONS: ${options.status}`);
  await assert.rejects(upload(server.url, photo, { headers: {}, retryDelays: null }), (e) => e.originalResponse?.getStatus() === 401);
});
