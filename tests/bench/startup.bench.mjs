// Start-up over a weak link, 4× slower CPU, 360×640 phone.
//  - first visit: a fresh phone (empty profile, no service worker, no login)
//    over 400 ms latency and 50 kB/s each way: navigation start → the login
//    form's username box is on screen, styled and enabled (then typed into,
//    to check it really takes input, and the text found in the app's own
//    form once that runs). The very first visit is always the login page:
//    index.html draws it as plain HTML, and the app takes it over; the
//    time until the app runs is a figure of its own.
//  - repeat visit: the same phone logged in, with a draft open, offline;
//    reload → the draft's 地点 box is on screen, enabled, and holds the saved
//    text (served by the service worker, the draft read from IndexedDB).
// Times are the page's own performance.now() (0 = navigation start).

import { bench, startServer, openPhone, openApp, home, login, throttle, median } from './lib.mjs';

const RUNS = 3;
const REPEATS = 5;
const LINK = { latency: 400, down: 50_000, up: 50_000 };
const PLACE = '青石村三组后山';

// Stamps the first moment each form control is present and enabled: the
// login form (the page's plain one, index.html's #boot, which takes input
// before the app's code has arrived; or the app's own), and, apart, the
// app's own one (the app running).
const READY_PROBE = (place) => {
  const check = () => {
    // Shown, enabled and styled (a box ≥ 44 px high: main.css has arrived,
    // so the screen is the one the worker sees), stamped at the next frame.
    const user = document.querySelector('[data-testid=login-form] input, [data-testid=boot-login] input');
    if (user && !user.disabled && user.getBoundingClientRect().height >= 44 && window.__loginSeen === undefined) {
      window.__loginSeen = true;
      requestAnimationFrame(() => { window.__loginReady = performance.now(); });
    }
    const app = document.querySelector('[data-testid=login-form] input');
    if (app && !app.disabled && window.__appReady === undefined) window.__appReady = performance.now();
    const blank = document.querySelector('#blank-place');
    if (blank && !blank.disabled && blank.value === place && window.__draftReady === undefined) window.__draftReady = performance.now();
  };
  const start = () => new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  start();
  document.addEventListener('input', check, true);
  setInterval(check, 20); // a value set as a property fires no mutation
};

async function firstVisit(url) {
  const phone = await openPhone();
  try {
    const { page, context } = phone;
    await context.addInitScript(READY_PROBE, PLACE);
    const cdp = await throttle(page, { cpu: 4, network: LINK });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto(url, { waitUntil: 'commit', timeout: 60_000 });
    await page.waitForFunction(() => window.__loginReady !== undefined, null, { timeout: 60_000, polling: 100 });
    const ms = await page.evaluate(() => window.__loginReady);
    // It takes input: typed into whichever form is there, it is in the
    // app's own once that runs.
    const box = page.locator('[data-testid=login-form], [data-testid=boot-login]').getByLabel('用户名');
    await box.fill('x');
    await page.waitForFunction(() => window.__appReady !== undefined, null, { timeout: 60_000, polling: 100 });
    const appMs = await page.evaluate(() => window.__appReady);
    const transferred = bytes;
    if ((await login(page).username.inputValue()) !== 'x') throw new Error('the login form did not take input');
    return { ms, appMs, transferred };
  } finally {
    await phone.close();
  }
}

await bench('startup', async (figures, defer) => {
  const server = await startServer();
  defer(() => server.stop());

  const first = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await firstVisit(server.url);
    console.log(`first visit ${i + 1}: ${r.ms.toFixed(0)} ms (the app running at ${r.appMs.toFixed(0)} ms), ${r.transferred} bytes over the page's link`);
    first.push(r);
  }
  const fm = first.map((r) => r.ms);
  figures.add('startup.first_visit_ms', `first visit, fresh phone, 400 ms / 50 kB/s, 4× CPU: navigation → login form accepts input (p50 of ${RUNS})`, median(fm), 'ms', { max: 6000 });
  figures.add('startup.first_visit_max_ms', `first visit as above, worst of ${RUNS}`, Math.max(...fm), 'ms');
  figures.add('startup.first_visit_app_ms', `first visit as above: navigation → the app running (its own login form, holding what was typed) (p50 of ${RUNS})`, median(first.map((r) => r.appMs)), 'ms');
  figures.add('startup.first_visit_bytes', 'first visit: bytes over the page\'s link until the app runs (p50)', median(first.map((r) => r.transferred)), 'bytes');

  const phone = await openPhone();
  defer(() => phone.close());
  const { page, context } = phone;
  await context.addInitScript(READY_PROBE, PLACE);
  await openApp(page, server.url);
  await home(page).newReport();
  await page.locator('#blank-place').fill(PLACE);
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 5_000 });
  await context.setOffline(true);
  const repeat = [];
  for (let i = 0; i < REPEATS; i++) {
    await throttle(page, { cpu: 4 });
    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(() => window.__draftReady !== undefined, null, { timeout: 30_000, polling: 100 });
    const ms = await page.evaluate(() => window.__draftReady);
    await page.locator('#blank-place').press('End');
    console.log(`repeat visit offline ${i + 1}: ${ms.toFixed(0)} ms`);
    repeat.push(ms);
  }
  figures.add('startup.repeat_offline_ms', `repeat visit offline from the service worker, 4× CPU: reload → the open draft's form accepts input with its saved text (p50 of ${REPEATS})`, median(repeat), 'ms', { max: 1500 });
  figures.add('startup.repeat_offline_max_ms', `repeat visit offline as above, worst of ${REPEATS}`, Math.max(...repeat), 'ms');
});
