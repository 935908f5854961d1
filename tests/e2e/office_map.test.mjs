// The duty office's map (地图), against the real server with no tiles
// reachable (the tests have no network): every thread with a position is
// one point coloured by its grade (hazards apart, overdue outlined),
// fitted into view, with a popup linking to its page; the threads without
// a position are listed as such; new reports appear live. With a GCJ-02
// tile source that cannot be reached, the points still render, shifted
// for display only, and the page says the tiles failed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer, login, OFFICER, REPORTER, STORED, uuidv7 } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The colours of kuaibao_core::geo, by point kind. */
const FILL = { I: '#d7191c', II: '#f28e1c', III: '#f5d300', IV: '#1f6fd1', ungraded: '#8a8a8a', hazard: '#7b3fa0' };

let browser;
let server;
let gcjServer;
const contexts = [];

before(async () => {
  [server, gcjServer] = await Promise.all([
    startServer(),
    // Port 9 (discard) on the loopback: nothing answers, as with no network.
    startServer({ KUAIBAO_MAP_TILES: 'http://127.0.0.1:9/{z}/{x}/{y}.png', KUAIBAO_MAP_TILES_CRS: 'gcj02', KUAIBAO_MAP_ATTRIBUTION: '<b>测试底图</b>' }),
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.stop();
  await gcjServer?.stop();
});


/** The dead that make the casualty rule suggest each grade (Decree 493 lines). */
const DEAD = { I: '30', II: '10', III: '3', IV: '0' };

/** A 首报 of the general incident template of `grade`, at `gps` ([lat, lon]) or nowhere. */
function incident(grade, gps) {
  // It happened a minute ago: every reporting deadline still runs.
  const answers = { ...STORED, occurred_at: beijingMinute(-1), dead: DEAD[grade], injured: '0', missing: '0' };
  delete answers['gps.lat'];
  delete answers['gps.lon'];
  if (gps) {
    answers['gps.lat'] = gps[0].toFixed(6);
    answers['gps.lon'] = gps[1].toFixed(6);
  }
  return {
    id: uuidv7(),
    template_id: 'general_incident',
    template_version: 1,
    answers,
    written_at: new Date().toISOString(),
    grade: { suggested: grade, chosen: grade },
  };
}

/** A hazard found at `gps`, to be rectified by `rectifyBy` (YYYY-MM-DD). */
function hazard(gps, rectifyBy) {
  return {
    id: uuidv7(),
    template_id: 'hazard',
    template_version: 1,
    answers: {
      place: '青石村三组河堤',
      'gps.lat': gps[0].toFixed(6),
      'gps.lon': gps[1].toFixed(6),
      theme: 'drowning',
      description: '河堤护栏缺失，临水无警示',
      responsible: '青石村村民委员会',
      rectify_by: rectifyBy,
      reporter: REPORTER.name,
      phone: '13800001234',
    },
    written_at: new Date().toISOString(),
    // The photo's bytes never follow: the map needs none.
    photos: [{ id: uuidv7(), blank: 'photos', sha256: randomBytes(32).toString('hex'), size: 1234, mime: 'image/jpeg' }],
  };
}

async function submit(srv, report) {
  const res = await srv.fetch('/api/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }, REPORTER);
  assert.equal(res.status, 201, `POST /api/reports: ${res.status} ${await res.text()}`);
  return report.id;
}

/** `minutes` from now, as the phone's date-time input gives it in Beijing time (YYYY-MM-DDTHH:MM). */
function beijingMinute(minutes) {
  return new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** A day `days` from today, as YYYY-MM-DD in Beijing time. */
function beijingDay(days) {
  const t = new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000);
  return t.toISOString().slice(0, 10);
}

/** The officer's desk on `srv`'s map, with every CSP complaint collected. */
async function openMap(srv) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('desk: page error:', e.message));
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
  await page.goto(`${srv.url}/office/`);
  await login(page).form.waitFor();
  await login(page).as(OFFICER);
  await page.getByTestId('nav-map').click();
  await page.getByTestId('map-count').waitFor({ timeout: 20_000 });
  return { page, violations };
}

/** The drawn points, by thread id. */
function points(page) {
  return page.locator('[data-testid=map] path.kb-point').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.thread, {
    kind: e.dataset.kind,
    overdue: e.dataset.overdue,
    fill: e.getAttribute('fill'),
    stroke: e.getAttribute('stroke'),
    width: e.getAttribute('stroke-width'),
    dash: e.getAttribute('stroke-dasharray'),
    lat: Number(e.dataset.lat),
    lon: Number(e.dataset.lon),
  }])));
}

test('without tiles, each located thread is one point in its grade colour; the others are listed', { timeout: 120_000 }, async () => {
  const at = {
    I: [30.6586, 104.0648],
    II: [30.7012, 104.1203],
    III: [30.6005, 104.0011],
    IV: [30.6422, 104.0859],
    hazard: [30.6711, 104.0302],
  };
  const ids = {};
  for (const grade of ['I', 'II', 'III', 'IV']) ids[grade] = await submit(server, incident(grade, at[grade]));
  ids.hazard = await submit(server, hazard(at.hazard, beijingDay(-10)));
  const nowhere = await submit(server, incident('IV', null));

  const { page, violations } = await openMap(server);
  const map = page.getByTestId('map');
  await page.locator('[data-testid=map][data-points="5"]').waitFor();
  assert.equal(await page.getByTestId('map-count').innerText(), '地图上 5 件；无位置 1 件');
  assert.equal(await map.getAttribute('data-tiles'), 'none');
  assert.match(await page.getByTestId('map-no-tiles').innerText(), /未配置底图/);
  assert.equal(await page.locator('[data-testid=map] img.leaflet-tile').count(), 0, 'no tile is even asked for');
  assert.match(await page.getByTestId('map-datum').innerText(), /WGS-84/);

  const drawn = await points(page);
  assert.equal(Object.keys(drawn).length, 5, 'one point per located thread');
  for (const grade of ['I', 'II', 'III', 'IV']) {
    const p = drawn[ids[grade]];
    assert.ok(p, `grade ${grade} is drawn`);
    assert.equal(p.kind, grade);
    assert.equal(p.fill, FILL[grade], `grade ${grade}'s colour`);
    assert.equal(p.dash, null, 'incidents have a solid outline');
    // No tiles: drawn exactly where the phone put it (WGS-84).
    assert.equal(p.lat, at[grade][0]);
    assert.equal(p.lon, at[grade][1]);
  }
  const h = drawn[ids.hazard];
  assert.equal(h.kind, 'hazard');
  assert.equal(h.fill, FILL.hazard, 'hazards have their own colour');
  assert.equal(h.dash, '4 3', 'and a dashed outline');
  assert.equal(h.overdue, 'yes', 'its rectification is 10 days late');
  assert.equal(h.stroke, '#000000');
  assert.equal(h.width, '4');
  assert.equal(drawn[ids.I].overdue, 'no');
  assert.equal(drawn[ids.I].stroke, '#ffffff');
  assert.equal(drawn[nowhere], undefined, 'a thread without a position is not drawn');

  // Fitted: every point inside the map's box.
  const box = await map.boundingBox();
  for (const path of await page.locator('[data-testid=map] path.kb-point').all()) {
    const b = await path.boundingBox();
    assert.ok(b && b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width && b.y + b.height <= box.y + box.height, 'a point is in view');
  }

  // The reports without a position, listed by name.
  const unlocated = page.getByTestId('map-unlocated-thread');
  assert.equal(await unlocated.count(), 1);
  assert.equal(await unlocated.first().getAttribute('data-thread'), nowhere);
  // With the place as typed: where to look without a fix.
  assert.equal(await unlocated.first().getByTestId('map-unlocated-place').innerText(), STORED.place);
  assert.match(await page.getByTestId('map-unlocated').innerText(), /无位置的报告（1）/);

  // The legend: the four grades, ungraded, hazards, overdue.
  const legend = page.getByTestId('map-legend-entry');
  assert.deepEqual(await legend.evaluateAll((els) => els.map((e) => e.dataset.kind)), ['I', 'II', 'III', 'IV', 'ungraded', 'hazard', 'ungraded']);
  assert.equal(await legend.first().locator('circle').getAttribute('fill'), FILL.I);
  assert.match(await page.getByTestId('map-legend').innerText(), /特别重大.*\n?.*重大/s);

  // A point's popup links to its incident page.
  await page.locator(`[data-testid=map] path[data-thread="${ids.II}"]`).click();
  const link = page.getByTestId('map-popup-link');
  await link.waitFor();
  // The map pans the popup into view: click once it stands still.
  await page.locator('[data-testid=map]:not([data-moving])').waitFor();
  const popup = await page.locator('.leaflet-popup').boundingBox();
  const mapBox = await page.getByTestId('map').boundingBox();
  assert.ok(popup.y >= mapBox.y + 70, `the popup opens below the corner controls: ${popup.y - mapBox.y} px`);
  assert.match(await page.locator('.kb-popup').innerText(), /重大（Ⅱ级）[\s\S]*位置（WGS-84）[\s\S]*30\.701200, 104\.120300/);
  await link.click();
  await page.locator(`[data-testid=thread][data-thread="${ids.II}"]`).waitFor();

  // Back on the map, a new located report appears without a reload.
  await page.getByTestId('nav-map').click();
  await page.locator('[data-testid=map][data-points="5"]').waitFor();
  await page.evaluate(() => { window.__noReload = true; });
  const late = await submit(server, incident('III', [30.65, 104.05]));
  await page.locator('[data-testid=map][data-points="6"]').waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.__noReload), true);
  assert.equal((await points(page))[late].fill, FILL.III);

  assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
});

test('with an unreachable GCJ-02 tile source the points still render, shifted for display only', { timeout: 90_000 }, async () => {
  const wgs = [30.6586, 104.0648];
  const id = await submit(gcjServer, incident('I', wgs));
  const { page, violations } = await openMap(gcjServer);
  await page.locator('[data-testid=map][data-points="1"]').waitFor();
  assert.match(await page.getByTestId('map-datum').innerText(), /GCJ-02/);
  await page.getByTestId('map-tiles-failed').waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('map').getAttribute('data-tiles'), 'failed');
  // The credit line is shown as text, never as markup.
  assert.match(await page.locator('.leaflet-control-attribution').innerText(), /<b>测试底图<\/b>/);

  const p = (await points(page))[id];
  assert.equal(p.fill, FILL.I);
  // Shifted east and north by a few hundred metres in Chengdu, as GCJ-02 is.
  const north = (p.lat - wgs[0]) * 111_320;
  const east = (p.lon - wgs[1]) * 111_320 * Math.cos((wgs[0] * Math.PI) / 180);
  const metres = Math.hypot(north, east);
  assert.ok(metres > 200 && metres < 900, `shifted ${metres.toFixed(0)} m`);
  // Stored and exported data stay WGS-84.
  const inbox = await (await gcjServer.fetch('/api/office/inbox')).json();
  assert.deepEqual([inbox.threads[0].lat, inbox.threads[0].lon], wgs);
  await page.locator(`[data-testid=map] path[data-thread="${id}"]`).click();
  assert.match(await page.locator('.kb-popup').innerText(), /30\.658600, 104\.064800/);

  // The tile origin is the one extra image source; the page broke no rule.
  const csp = (await fetch(`${gcjServer.url}/office/`)).headers.get('content-security-policy');
  assert.match(csp, /img-src 'self' blob: data: http:\/\/127\.0\.0\.1:9;/);
  assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
});

test('the phone app loads and precaches nothing of the map', async () => {
  for (const file of ['/', '/sw.js']) {
    const text = await (await fetch(`${server.url}${file}`)).text();
    assert.doesNotMatch(text, /leaflet|map-[0-9a-f]+\.js|office\/map/i, file);
  }
  const office = await (await fetch(`${server.url}/office/`)).text();
  assert.match(office, /<script src="\/office\/leaflet-[0-9a-f]+\.js"/);
  assert.match(office, /<script src="\/office\/map-[0-9a-f]+\.js"/);
});
