// Service worker glue, kept in JS because it is all callbacks on browser
// objects. The app calls registerServiceWorker(onUpdate) once and
// applyUpdate() when the user accepts an update.

let accepted = false;

export function registerServiceWorker(onUpdate) {
  linkManifest();
  if (!('serviceWorker' in navigator)) return false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Reload only for an update the user asked for; a first install that
    // claims the page needs no reload.
    if (accepted) {
      accepted = false;
      location.reload();
    }
  });
  // Once the first screen is drawn and the page is idle: on a first visit
  // over a weak link, the worker and its precache (the whole shell again,
  // past the HTTP cache) would otherwise share the link with the page's own
  // start.
  whenIdle(() => navigator.serviceWorker.register('/sw.js').then((reg) => {
    const offer = () => {
      if (reg.waiting && navigator.serviceWorker.controller) onUpdate();
    };
    offer();
    reg.addEventListener('updatefound', () => {
      const worker = reg.installing;
      if (worker) worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(); });
    });
  }).catch((e) => console.warn('service worker registration failed', e)));
  return true;
}

// The web app manifest is linked here, once the app runs, not in
// index.html: Chrome fetches it, and the icon it judges installability by,
// as soon as it is linked, and on a first visit over a weak link both would
// share the link with the wasm. Installing reads it later.
function linkManifest() {
  if (document.querySelector('link[rel="manifest"]')) return;
  const link = document.createElement('link');
  link.rel = 'manifest';
  link.href = '/manifest.webmanifest';
  document.head.appendChild(link);
}

function whenIdle(task) {
  if ('requestIdleCallback' in self) requestIdleCallback(task, { timeout: 2000 });
  else setTimeout(task, 200);
}

export async function applyUpdate() {
  const reg = await navigator.serviceWorker.getRegistration();
  if (reg && reg.waiting) {
    accepted = true;
    reg.waiting.postMessage({ type: 'SKIP_WAITING' });
    return true;
  }
  return false;
}

export function isControlled() {
  return !!(navigator.serviceWorker && navigator.serviceWorker.controller);
}
