// Hands a photo to the photo worker (or shrinks it here where workers
// cannot draw), and returns {photo, thumb, width, height}.

let worker = null;
let nextId = 1;
const pending = new Map();

function workerUsable() {
  return typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap !== 'undefined';
}

function getWorker() {
  if (!worker) {
    worker = new Worker('/photo-worker.js');
    worker.onmessage = (event) => {
      const { id, ok, error, ...result } = event.data;
      const waiter = pending.get(id);
      if (!waiter) return;
      pending.delete(id);
      if (ok) waiter.resolve(result); else waiter.reject(new Error(error));
    };
    worker.onerror = (event) => {
      for (const waiter of pending.values()) waiter.reject(new Error(event.message || 'photo worker failed'));
      pending.clear();
      worker = null;
    };
  }
  return worker;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error('cannot load the photo code'));
    document.head.appendChild(script);
  });
}

// `orientation`: the photo's EXIF orientation as the app read it (1 when
// it has none).
export async function shrinkPhoto(file, maxEdge, quality, thumbEdge, orientation) {
  if (workerUsable()) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      getWorker().postMessage({ id, file, maxEdge, quality, thumbEdge, orientation });
    });
  }
  if (!self.kuaibaoShrink) await loadScript('/photo-shrink.js');
  return self.kuaibaoShrink(file, maxEdge, quality, thumbEdge, orientation);
}

// SHA-256 of a Blob's bytes, as lowercase hex: the photo never has to be
// copied into the app's memory to be hashed. By the browser's own digest in
// a secure context (https, or localhost); over plain http, which has none,
// by /photo-sha256.js, loaded then.
export async function sha256Hex(blob) {
  const bytes = await blob.arrayBuffer();
  if (self.crypto && self.crypto.subtle) {
    const digest = new Uint8Array(await self.crypto.subtle.digest('SHA-256', bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  if (!self.kuaibaoSha256) await loadScript('/photo-sha256.js');
  return self.kuaibaoSha256(new Uint8Array(bytes));
}
