// Autosave: keystroke → the draft committed in IndexedDB, over 200 edits of
// the 事件经过 box (alternately a character typed and deleted again) at 4×
// slower CPU. Measured in the page: the keydown event's timeStamp, and the
// `complete` event of the IndexedDB transaction that wrote a `reports`
// record holding the box's new text (an init script wraps
// IDBObjectStore.put). The app writes 100 ms after the first unsaved
// keystroke (src/drafts.rs DEBOUNCE_MS); each edit here waits for its own
// commit, so every edit is one delay plus one write.

import { bench, startServer, openPhone, openApp, home, throttle, percentile, IDB_PROBE } from './lib.mjs';

const EDITS = 200;

await bench('autosave', async (figures, defer) => {
  const server = await startServer();
  defer(() => server.stop());
  const phone = await openPhone();
  defer(() => phone.close());
  const { page, context } = phone;
  await context.addInitScript(IDB_PROBE);
  await context.addInitScript(() => {
    window.__keys = [];
    document.addEventListener('keydown', (e) => window.__keys.push(e.timeStamp), true);
  });
  await openApp(page, server.url);
  await home(page).newReport();
  const box = page.locator('#blank-what_happened');
  await box.fill('山体滑坡');
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 5_000 });
  await throttle(page, { cpu: 4 });
  await box.focus();

  const total = [];
  const write = [];
  for (let i = 0; i < EDITS; i++) {
    const before = await page.evaluate(() => [window.__commits.length, window.__keys.length]);
    await page.keyboard.press(i % 2 === 0 ? 'KeyA' : 'Backspace');
    const expected = await box.inputValue();
    const handle = await page.waitForFunction(([from, keyFrom, expected]) => {
      const has = (v, depth = 0) => {
        if (v === expected) return true;
        if (!v || typeof v !== 'object' || depth > 4) return false;
        if (v instanceof Map) return [...v.values()].some((x) => has(x, depth + 1));
        return Object.values(v).some((x) => has(x, depth + 1));
      };
      const c = window.__commits.slice(from).find((c) => c.stores.includes('reports') && c.values.some((v) => has(v)));
      return c && window.__keys.length > keyFrom ? { key: window.__keys[keyFrom], t: c.t, t0: c.t0 } : null;
    }, [before[0], before[1], expected], { timeout: 10_000, polling: 'raf' });
    const r = await handle.jsonValue();
    total.push(r.t - r.key);
    write.push(r.t - r.t0);
  }
  const p50 = percentile(total, 50);
  const p99 = percentile(total, 99);
  console.log(`keystroke → committed: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...total).toFixed(1)} ms`);
  figures.add('autosave.keystroke_commit_p50_ms', `keystroke → draft committed in IndexedDB, 4× CPU, ${EDITS} edits (incl. the app's 100 ms write delay): p50`, p50, 'ms');
  figures.add('autosave.keystroke_commit_p99_ms', `keystroke → draft committed in IndexedDB, 4× CPU, ${EDITS} edits (incl. the app's 100 ms write delay): p99`, p99, 'ms', { max: 150 });
  figures.add('autosave.write_p50_ms', 'the write alone: put → transaction complete (the read before the put not counted): p50', percentile(write, 50), 'ms');
  figures.add('autosave.write_p99_ms', 'the write alone, as above: p99', percentile(write, 99), 'ms');
});
