import path from 'node:path';
export const SHOTS = '/work/shots/audit-phone';
export async function shot(page, name, full = false) {
  const p = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: p, fullPage: full });
  return p;
}
/** Visible interactive elements smaller than 48 px, horizontal overflow, low-contrast text. */
export async function audit(page, label) {
  const r = await page.evaluate(() => {
    const out = { small: [], overflow: [], contrast: [], docWidth: document.documentElement.scrollWidth };
    const vis = (el) => { const s = getComputedStyle(el); const b = el.getBoundingClientRect(); return s.visibility !== 'hidden' && s.display !== 'none' && b.width > 0 && b.height > 0; };
    const desc = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`;
    for (const el of document.querySelectorAll('a, button, input, select, textarea, summary, label.button, [role=button]')) {
      if (!vis(el)) continue;
      if (el.type === 'file' || el.type === 'hidden') continue;
      const b = el.getBoundingClientRect();
      if (b.height < 47.5 || (b.width < 47.5 && el.type !== 'checkbox' && el.type !== 'radio')) out.small.push(`${desc(el)} ${Math.round(b.width)}x${Math.round(b.height)} @y${Math.round(b.top + scrollY)}`);
      if (el.type === 'checkbox' || el.type === 'radio') {
        // tappable area: its label
        const lab = el.closest('label');
        const lb = lab ? lab.getBoundingClientRect() : b;
        if (lb.height < 47.5) out.small.push(`[check label] ${desc(lab || el)} ${Math.round(lb.width)}x${Math.round(lb.height)}`);
      }
    }
    for (const el of document.querySelectorAll('body *')) {
      if (!vis(el)) continue;
      const b = el.getBoundingClientRect();
      if (b.right > window.innerWidth + 1 && getComputedStyle(el).position !== 'absolute') out.overflow.push(`${desc(el)} right=${Math.round(b.right)}`);
    }
    const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(',').map(Number); return { r: v[0], g: v[1], b: v[2], a: v[3] ?? 1 }; };
    const lum = ({ r, g, b }) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255 }; };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    while (walker.nextNode()) {
      const t = walker.currentNode; const el = t.parentElement;
      if (!t.textContent.trim() || seen.has(el) || !vis(el)) continue; seen.add(el);
      const s = getComputedStyle(el);
      const fg = parse(s.color); const bg = bgOf(el);
      let op = 1; for (let e = el; e; e = e.parentElement) op *= Number(getComputedStyle(e).opacity);
      const blend = { r: fg.r * op + bg.r * (1 - op), g: fg.g * op + bg.g * (1 - op), b: fg.b * op + bg.b * (1 - op) };
      const L1 = lum(blend), L2 = lum(bg); const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
      const px = parseFloat(s.fontSize);
      if (ratio < 7 || px < 14) out.contrast.push(`${ratio.toFixed(1)}:1 ${px}px ${desc(el)}`);
    }
    return out;
  });
  console.log(`== ${label}: docWidth=${r.docWidth}`);
  if (r.small.length) console.log('  small targets:\n    ' + r.small.join('\n    '));
  if (r.overflow.length) console.log('  overflow:\n    ' + r.overflow.slice(0, 15).join('\n    '));
  if (r.contrast.length) console.log('  contrast<7 or font<14:\n    ' + r.contrast.slice(0, 40).join('\n    '));
  return r;
}
export async function text(page) { return page.locator('body').innerText(); }
/** The whole page in 360×640 slices (name-p0, -p1 …). */
export async function shotParts(page, name) {
  const h = await page.evaluate(() => document.documentElement.scrollHeight);
  const paths = [];
  for (let i = 0, y = 0; y < h; i += 1, y += 600) {
    const p = path.join(SHOTS, `${name}-p${i}.png`);
    await page.screenshot({ path: p, fullPage: true, clip: { x: 0, y, width: 360, height: Math.min(640, h - y) } });
    paths.push(p);
  }
  return paths;
}
