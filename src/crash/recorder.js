// Crash records and the 「出错了」 overlay (see src/crash/mod.rs): a classic
// script, loaded by index.html in <head> before Trunk's module loader, so
// its listeners are in place before the wasm loads and an error while it
// loads is caught too. Plain ES5 and no module: it must run in any browser
// that can show the page. It is a file rather than inline so that the
// server's Content-Security-Policy is one static header (script-src 'self').
//
// It also draws 「此浏览器无法运行快报」 where the app cannot start at all
// (no WebAssembly, no ES modules or IndexedDB, a script the engine cannot
// parse, or a wasm module it cannot compile or link, as a WebView older
// than the floor in docs/operations.md, "Which phones"): what
// browser to use instead, and the duty office's phone and SMS, which need
// no app (the numbers of the last login on this phone, read from its
// IndexedDB); the duty office's page words it for the desk instead (its
// data-unsupported). A blank page would tell the worker nothing.
(function () {
var K = 'kuaibao.crashes', P = 0, L;
try { L = localStorage; } catch (e) {}
// index.html's plain login screen (#boot) is for a phone with no session:
// hidden before it is drawn where the app left its flag (src/pwa/boot.rs).
var R = document.documentElement.classList;
R.remove('no-js');
try { if (L && L.getItem('kuaibao.session')) R.add('kb-session'); } catch (e) {}
function h(b) { return (b + 256).toString(16).slice(1); }
function u7() {
  var b = new Uint8Array(16), t = Date.now(), i;
  try { crypto.getRandomValues(b); } catch (e) {}
  for (i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
  b[6] = b[6] & 15 | 112; b[8] = b[8] & 63 | 128;
  var x = [].map.call(b, h).join('');
  return [x.slice(0, 8), x.slice(8, 12), x.slice(12, 16), x.slice(16, 20), x.slice(20)].join('-');
}
function clip(s, n) { return String(s).replace(/[\0-\b\v-\x1f\x7f-\x9f]/g, '\ufffd').slice(0, n).replace(/[\ud800-\udbff]$/, ''); }
function list() { var l = JSON.parse(L.getItem(K) || '[]'); return Array.isArray(l) ? l : []; }
function rec(kind, m) {
  try {
    var l = list(), b = String(window.kuaibaoBuild || 'unknown');
    l.push({ id: u7(), build: /^[\w.+-]{1,64}$/.test(b) ? b : 'unknown', page: clip(location.pathname + location.hash, 300),
      kind: kind, message: clip(m, 4000).trim() || '?', at: new Date().toISOString() });
    L.setItem(K, JSON.stringify(l.slice(-20)));
  } catch (e) {}
}
function show() {
  var d = document, o = d.createElement('div');
  if (!d.body) return addEventListener('DOMContentLoaded', show);
  if (d.getElementById('crash-overlay')) return;
  o.id = 'crash-overlay'; o.className = 'crash-overlay';
  o.setAttribute('role', 'alertdialog'); o.setAttribute('aria-modal', 'true'); o.setAttribute('aria-labelledby', 'crash-title'); o.setAttribute('data-testid', 'crash-overlay');
  // The page may word it for itself (office.html's data-crash: Chinese,
  // English, the button's two), as the desk keeps no drafts.
  var w = (d.documentElement.getAttribute('data-crash') || '').split('|');
  if (w.length != 4) w = ['快报遇到意外错误，已停止运行。草稿和待发送的报告都保存在本机，重新载入后可继续填写。有信号时会自动报告这次出错。',
    'Kuaibao hit an unexpected error and stopped. Drafts and queued reports are saved on this phone: reload to go on. The error is reported when there is signal.',
    '重新载入（草稿都已保存）', 'Reload (drafts are saved)'];
  o.innerHTML = '<div class="crash-box"><h2 id="crash-title">出错了<span lang="en">Something went wrong</span></h2>' +
    '<p>' + w[0] + '</p><p class="en" lang="en">' + w[1] + '</p>' +
    '<button type="button" class="primary" data-testid="crash-reload">' + w[2] + '<span lang="en">' + w[3] + '</span></button></div>';
  var btn = o.querySelector('button');
  btn.onclick = function () {
    var a = false;
    try { var l = list(), n = l.length; a = n > 1 && l[n - 2].page == l[n - 1].page && Date.parse(l[n - 1].at) - Date.parse(l[n - 2].at) < 6e4; } catch (e) {}
    if (a || location.hash == '#/crash-test') history.replaceState(null, '', location.pathname + '#/');
    location.reload();
  };
  d.body.appendChild(o); btn.focus();
}
function say(e, f) {
  if (e && typeof e == 'object') { var t = (e.name || 'Error') + ': ' + (e.message || ''), s = String(e.stack || ''); return s.indexOf(t) ? t + '\n' + s : s; }
  return e === undefined ? f : String(e);
}
function dead(kind, m) { if (!P) { P = 1; rec(kind, m); show(); } }
// The session of the last login (src/store/session.rs), for its numbers.
function numbers(done) {
  try {
    var o = indexedDB.open('kuaibao');
    o.onupgradeneeded = function () { o.transaction.abort(); };
    o.onerror = function () { done({}); };
    o.onsuccess = function () {
      try {
        var g = o.result.transaction('meta').objectStore('meta').get('session');
        g.onsuccess = function () { try { done(JSON.parse(g.result).session || {}); } catch (e) { done({}); } };
        g.onerror = function () { done({}); };
      } catch (e) { done({}); }
    };
  } catch (e) { done({}); }
}
function digits(n) { return String(n || '').replace(/[^\d+]/g, ''); }
function cannot(why) {
  if (P) return;
  P = 1; rec('error', 'cannot start: ' + why);
  var d = document;
  R.add('kb-cannot');
  if (!d.body) return addEventListener('DOMContentLoaded', function () { P = 0; cannot(why); });
  // A page that words it for itself (office.html's data-unsupported:
  // Chinese, English) has no call or SMS to offer: the desk is the office.
  var w = (d.documentElement.getAttribute('data-unsupported') || '').split('|');
  if (w.length == 2) return box('<p>' + w[0] + '</p><p class="en" lang="en">' + w[1] + '</p>');
  numbers(function (s) {
    var tel = digits(s.duty_phone), sms = digits(s.sms_number) || tel;
    var body = '【快报】首报：类别：　地点：　发生时间：　情况：　死亡　人，受伤　人，被困　人，失踪　人。报告人：　电话：';
    box('<p>请用手机自带浏览器的较新版本，或 Chrome、Edge、Firefox、Safari（iOS 15 以上）打开本网址；微信里请点右上角「在浏览器打开」。</p>' +
      '<p class="en" lang="en">Open this address in an up-to-date browser: Chrome, Edge, Firefox, or Safari on iOS 15 or later; in WeChat, use "Open in browser".</p>' +
      '<p>急需报告时，不用快报也可以：</p>' +
      (tel ? '<a class="button primary big" data-testid="unsupported-call" href="tel:' + tel + '">电话报告值班室 ' + tel + '<span lang="en">Call the duty office</span></a>' : '') +
      (sms ? '<a class="button secondary big" data-testid="unsupported-sms" href="sms:' + sms + '?body=' + encodeURIComponent(body) + '">发短信报告<span lang="en">Report by SMS</span></a>' : '') +
      (tel || sms ? '' : '<p data-testid="unsupported-no-number">请直接打电话给本辖区值班室。<span lang="en">Call your duty office directly.</span></p>'));
  });
}
// 「此浏览器无法运行快报」 with `html` under its title.
function box(html) {
  var o = document.createElement('div');
  o.id = 'unsupported'; o.className = 'crash-overlay';
  o.setAttribute('role', 'alertdialog'); o.setAttribute('aria-modal', 'true'); o.setAttribute('aria-labelledby', 'unsupported-title'); o.setAttribute('data-testid', 'unsupported');
  o.innerHTML = '<div class="crash-box"><h2 id="unsupported-title">此浏览器无法运行快报<span lang="en">This browser cannot run Kuaibao</span></h2>' + html + '</div>';
  document.body.appendChild(o);
}
// The app's code stopped arriving (a first visit that lost its signal):
// the plain login screen, if still there, says so and offers to try again.
function stalled() {
  var b = document.getElementById('boot'), k = b && b.querySelector('button');
  if (!k || k.getAttribute('data-stalled')) return;
  k.setAttribute('data-stalled', '1'); k.disabled = false; k.type = 'button';
  k.innerHTML = '载入中断，有信号时点此重试<span lang="en">Loading stopped: tap to retry</span>';
  k.onclick = function () { location.reload(); };
}
function on(kind, e, f) {
  stalled();
  var W = typeof WebAssembly == 'object' ? WebAssembly : null;
  // A script this engine cannot parse before the app runs (its wasm has
  // not yet named its build, src/crash/mod.rs): an engine below the floor
  // (ES2020).
  if (e && e.name == 'SyntaxError' && !window.kuaibaoBuild) cannot(say(e, f));
  else if (W && (e instanceof W.CompileError || e instanceof W.LinkError)) cannot(say(e, f));
  else if (W && e instanceof W.RuntimeError) dead(kind, say(e, f)); else rec(kind, say(e, f));
}
// What the app needs before anything runs: WebAssembly, ES modules (the
// loader is one) and IndexedDB.
var lacks = typeof WebAssembly != 'object' ? 'WebAssembly' :
  !('noModule' in document.createElement('script')) ? 'ES modules' :
  typeof indexedDB == 'undefined' || !indexedDB ? 'IndexedDB' : '';
if (lacks) cannot('no ' + lacks);
window.kuaibaoCrash = dead;
addEventListener('error', function (v) { on('error', v.error, v.message + ' (' + v.filename + ':' + v.lineno + ':' + v.colno + ')'); });
addEventListener('unhandledrejection', function (v) { on('rejection', v.reason, 'unhandled rejection'); });
// The plain login screen never sends itself: the browser's own submit would
// put the password in the address. Only the app's form logs in.
addEventListener('submit', function (v) { var b = document.getElementById('boot'); if (b && b.contains(v.target)) v.preventDefault(); }, true);
// A script that failed to load (the loader, the app's glue) fires at its
// element only: heard here in the capture phase.
addEventListener('error', function (v) { if (v.target && v.target.tagName == 'SCRIPT') { rec('error', 'cannot load ' + v.target.src); stalled(); } }, true);
})();
