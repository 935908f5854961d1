// 快报 service worker.
//
// The two constants below are filled in at build time by `cargo xtask
// precache` (Trunk's post_build hook) in the built copy, dist/sw.js: the list
// of every file of this build, and a hash of all their contents. This source
// file is never edited by the build and is valid JS as it stands (an empty
// list, a placeholder version).
'use strict';

const PRECACHE = [/*PRECACHE*/];
const VERSION = "/*VERSION*/";

const CACHE_PREFIX = 'kuaibao-';
const CACHE = CACHE_PREFIX + VERSION;
const APP_SHELL = '/index.html';

// Install: fetch this build's files past the HTTP cache and store them. On the
// very first visit there is no active worker, so take over at once; on an
// update, wait: the page shows "有新版本" and posts SKIP_WAITING when asked.
self.addEventListener('install', (event) => {
  const firstInstall = !self.registration.active;
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => (firstInstall ? self.skipWaiting() : undefined)),
  );
});

// Activate: drop every older build's cache, then control open pages.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') {
    self.skipWaiting();
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // Cross-origin: not ours.
  if (url.origin !== self.location.origin) return;
  // The API is network only and never cached: a report list must not be stale.
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;
  // The duty office is a page of its own for desks that are online: never
  // the phone app's shell, never from this cache.
  if (url.pathname === '/office' || url.pathname.startsWith('/office/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(appShell(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

// Navigations get the cached app shell first, so the app starts at once
// offline and on flaky links; the network only when nothing is cached.
async function appShell(request) {
  const cached = (await fromCache(APP_SHELL)) || (await fromCache('/'));
  return cached || fetch(request);
}

async function cacheFirst(request) {
  return (await fromCache(request)) || fetch(request);
}

async function fromCache(request) {
  try {
    const cache = await caches.open(CACHE);
    const response = await cache.match(request);
    return response ? await unredirected(response) : undefined;
  } catch (_) {
    return undefined;
  }
}

// A response stored after a redirect cannot answer a navigation; copy it.
function unredirected(response) {
  if (!response.redirected) return response;
  return response.blob().then((body) => new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  }));
}
