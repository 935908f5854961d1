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

function loadFallback() {
  if (self.kuaibaoShrink) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/photo-shrink.js';
    script.onload = resolve;
    script.onerror = () => reject(new Error('cannot load the photo code'));
    document.head.appendChild(script);
  });
}

export async function shrinkPhoto(file, maxEdge, quality, thumbEdge) {
  if (workerUsable()) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      getWorker().postMessage({ id, file, maxEdge, quality, thumbEdge });
    });
  }
  await loadFallback();
  return self.kuaibaoShrink(file, maxEdge, quality, thumbEdge);
}
