// Video clips made smaller on the phone before they are stored, where the
// browser can: the clip is played once, hidden, each frame drawn onto a
// canvas no larger than 854×480 and recorded with its sound by
// MediaRecorder at about 1 Mbit/s. It takes as long as the clip runs (a
// phone has no faster way without shipping a demuxer), so the caller shows
// the progress and keeps the original wherever this gives up.
//
// Gives up (resolves null, the original kept) when the browser lacks a
// piece (canvas.captureStream, MediaRecorder, Web Audio), cannot play the
// clip, will not play it with sound unprompted (a silent copy would lose
// what was said), the page is hidden meanwhile (a phone pauses it and the
// copy would freeze), or the copy is not smaller.

const TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4;codecs=avc1,mp4a', 'video/mp4'];

function recorderType() {
  if (typeof MediaRecorder === 'undefined' || typeof MediaRecorder.isTypeSupported !== 'function') return '';
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || '';
}

export function compressionSupported() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  return !!Ctx && typeof HTMLCanvasElement.prototype.captureStream === 'function' && recorderType() !== '';
}

// Resolves a smaller File, or null (see above). onProgress(fraction) is
// called as the clip plays.
export async function compressVideo(file, maxWidth, maxHeight, videoBps, audioBps, onProgress) {
  if (!compressionSupported() || document.hidden) return null;
  const type = recorderType();
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.playsInline = true;
  video.preload = 'auto';
  const Ctx = window.AudioContext || window.webkitAudioContext;
  const audio = new Ctx();
  let recorder = null;
  let frame = 0;
  let timer = 0;
  const cleanup = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onHidden);
    video.pause();
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
    audio.close().catch(() => {});
  };
  let fail = () => {};
  const onHidden = () => { if (document.hidden) fail(); };
  try {
    video.src = url;
    await new Promise((resolve, reject) => {
      video.onloadedmetadata = resolve;
      video.onerror = () => reject(new Error('unplayable'));
      timer = setTimeout(() => reject(new Error('no metadata')), 10000);
    });
    clearTimeout(timer);
    if (!video.videoWidth || !video.videoHeight) return null;
    const scale = Math.min(1, maxWidth / Math.max(video.videoWidth, video.videoHeight), maxHeight / Math.min(video.videoWidth, video.videoHeight));
    // Even sides: encoders want them.
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(2, Math.round((video.videoWidth * scale) / 2) * 2);
    canvas.height = Math.max(2, Math.round((video.videoHeight * scale) / 2) * 2);
    const g = canvas.getContext('2d');
    const stream = canvas.captureStream(30);
    // The sound goes to the recording only, never to the speaker.
    const sink = audio.createMediaStreamDestination();
    audio.createMediaElementSource(video).connect(sink);
    await audio.resume();
    if (audio.state !== 'running') return null;
    for (const t of sink.stream.getAudioTracks()) stream.addTrack(t);

    recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: videoBps, audioBitsPerSecond: audioBps });
    const chunks = [];
    recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    const finished = new Promise((resolve, reject) => {
      fail = () => reject(new Error('interrupted'));
      video.onended = resolve;
      video.onerror = () => reject(new Error('unplayable'));
    });
    document.addEventListener('visibilitychange', onHidden);
    const draw = () => {
      g.drawImage(video, 0, 0, canvas.width, canvas.height);
      if (Number.isFinite(video.duration) && video.duration > 0) onProgress(Math.min(1, video.currentTime / video.duration));
      frame = requestAnimationFrame(draw);
    };
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    recorder.start(1000);
    // Played with sound (into the recording): a browser that refuses
    // that without a fresh tap gives up here, before anything is lost.
    await video.play();
    draw();
    // A clip that never ends (a broken file) is cut at twice its length.
    const limitMs = (Number.isFinite(video.duration) ? video.duration * 2000 : 120000) + 10000;
    timer = setTimeout(fail, limitMs);
    await finished;
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    recorder.stop();
    await stopped;
    const mime = (recorder.mimeType || type).split(';')[0].trim();
    const out = new Blob(chunks, { type: mime });
    if (!out.size || out.size >= file.size) return null;
    const base = file.name.replace(/\.[^.]*$/, '') || 'video';
    return new File([out], `${base}-small.${mime === 'video/mp4' ? 'mp4' : 'webm'}`, { type: mime });
  } catch (_) {
    return null;
  } finally {
    if (recorder && recorder.state !== 'inactive') {
      try { recorder.stop(); } catch (_) { /* stopped already */ }
    }
    cleanup();
  }
}
