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

  // A JPEG's pixel size from its frame header (SOF0–SOF15 but DHT, JPG
  // and DAC), read from its first 256 kB; null for anything else.
  async function jpegSize(file) {
    const b = new Uint8Array(await file.slice(0, 262144).arrayBuffer());
    if (b[0] !== 0xff || b[1] !== 0xd8) return null;
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xff) { i += 1; continue; }
      const length = (b[i + 2] << 8) | b[i + 3];
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
      }
      i += 2 + length;
    }
    return null;
  }

  // Pictures above this many pixels (a 64 MB bitmap) are decoded scaled
  // down; smaller ones whole, as before: the canvas's resampling and the
  // decoder's differ a little, and a 12 MP bitmap (48 MB) is no danger.
  const DECODE_WHOLE_MAX_PIXELS = 16e6;

  // The photo decoded no larger than the stored photo needs: a 48 MP
  // camera's full bitmap is ~190 MB, enough to end the tab on a 2 GB phone.
  // Only the width is given, so the aspect ratio is kept whether the
  // browser resizes before or after turning the photo upright; the longest
  // edge does not depend on the turn.
  async function decode(file, maxEdge) {
    // 'from-image' applies the EXIF orientation, so portrait photos stay
    // upright once the EXIF is gone.
    const upright = { imageOrientation: 'from-image' };
    const size = await jpegSize(file).catch(() => null);
    const big = size && size.width * size.height > DECODE_WHOLE_MAX_PIXELS;
    if (!big) return createImageBitmap(file, upright);
    const scale = maxEdge / Math.max(size.width, size.height);
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image', resizeWidth: Math.max(1, Math.round(size.width * scale)), resizeQuality: 'high' });
    } catch (e) {
      // An engine without the resize options decodes whole, as before.
      return createImageBitmap(file, upright);
    }
  }

  scope.kuaibaoShrink = async function (file, maxEdge, quality, thumbEdge) {
    const bitmap = await decode(file, maxEdge);
    try {
      const photo = await encode(bitmap, maxEdge, quality);
      const thumb = await encode(bitmap, thumbEdge, 0.7);
      return { photo: photo.blob, thumb: thumb.blob, width: photo.width, height: photo.height };
    } finally {
      if (bitmap.close) bitmap.close();
    }
  };
})(self);
