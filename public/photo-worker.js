// 快报 photo worker: decodes a camera photo, honours its EXIF orientation,
// scales it and re-encodes it as JPEG, off the main thread so the form
// never freezes. Re-encoding drops the EXIF block (the app keeps capture
// time and position as report metadata, read before this).
'use strict';

importScripts('/photo-shrink.js');

self.onmessage = async (event) => {
  const { id, file, maxEdge, quality, thumbEdge, orientation } = event.data;
  try {
    const result = await self.kuaibaoShrink(file, maxEdge, quality, thumbEdge, orientation);
    self.postMessage({ id, ok: true, ...result });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error && error.message ? error.message : error) });
  }
};
