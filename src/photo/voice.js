// Voice notes by MediaRecorder: one recording at a time, stopped by the
// user or by itself at the cap. Where the browser has no MediaRecorder or
// no microphone API, voiceSupported() says so and the app explains it.

let current = null;

export function voiceSupported() {
  return typeof MediaRecorder !== 'undefined' && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

// Starts recording; onDone(file) is called once with the recorded File
// (audio/webm, audio/ogg or audio/mp4, whatever the browser makes) when it
// stops, by stopVoice() or after maxMs.
export async function startVoice(maxMs, onDone) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const types = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];
  const type = types.find((t) => MediaRecorder.isTypeSupported(t)) || '';
  const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const chunks = [];
  rec.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
  rec.onstop = () => {
    stream.getTracks().forEach((t) => t.stop());
    clearTimeout(timer);
    current = null;
    const mime = (rec.mimeType || type || 'audio/webm').split(';')[0].trim();
    const ext = mime === 'audio/mp4' ? 'm4a' : mime.split('/')[1];
    onDone(new File(chunks, `voice-${Date.now()}.${ext}`, { type: mime }));
  };
  const timer = setTimeout(() => { if (rec.state !== 'inactive') rec.stop(); }, maxMs);
  rec.start(1000);
  current = rec;
}

export function stopVoice() {
  if (current && current.state !== 'inactive') current.stop();
}

// How long a video clip or voice note runs, in seconds, as the browser
// reads it from the file; null when it cannot tell (a recorder's WebM has
// no duration) or within 5 s.
export function mediaSeconds(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const el = document.createElement(file.type.startsWith('audio/') ? 'audio' : 'video');
    let settled = false;
    const done = (value) => {
      if (settled) return;
      settled = true;
      URL.revokeObjectURL(url);
      resolve(value);
    };
    el.preload = 'metadata';
    el.onloadedmetadata = () => done(Number.isFinite(el.duration) ? el.duration : null);
    el.onerror = () => done(null);
    setTimeout(() => done(null), 5000);
    el.src = url;
  });
}
