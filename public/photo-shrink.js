// The shrinking itself, shared by the worker and the main-thread fallback
// (browsers without OffscreenCanvas in workers). Loaded by the worker with
// importScripts and by the page as a classic script.
'use strict';

(function (scope) {
  function canvasOf(width, height) {
    if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }

  function toJpeg(canvas, quality) {
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: 'image/jpeg', quality });
    return new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encoding failed'))), 'image/jpeg', quality));
  }

  async function encode(bitmap, edge, quality) {
    const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = canvasOf(width, height);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, width, height);
    return { blob: await toJpeg(canvas, quality), width, height };
  }

  scope.kuaibaoShrink = async function (file, maxEdge, quality, thumbEdge) {
    // 'from-image' applies the EXIF orientation, so portrait photos stay
    // upright once the EXIF is gone.
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    try {
      const photo = await encode(bitmap, maxEdge, quality);
      const thumb = await encode(bitmap, thumbEdge, 0.7);
      return { photo: photo.blob, thumb: thumb.blob, width: photo.width, height: photo.height };
    } finally {
      if (bitmap.close) bitmap.close();
    }
  };
})(self);
