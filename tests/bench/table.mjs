// Joins the figures the benchmarks wrote (target/bench/*.json, each
// {"figures":[{id, label, value, unit, budget: {max}|{min}|null}]}) with
// the machine and the versions into bench/results.json, bench/results.md
// and the table in docs/benchmarks.md between its bench markers.
//
//   node tests/bench/table.mjs <figures dir> [--missing a,b] [--block name]
//
// With --block name (the province step), the files are bench/<name>.json
// and bench/<name>.md and the table goes between the <name> markers
// (<!-- bench:<name>:start -->), leaving the main table as it was.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node tests/bench/table.mjs <figures dir> [--missing a,b]');
  process.exit(2);
}
const missingAt = rest.indexOf('--missing');
const missing = missingAt >= 0 ? (rest[missingAt + 1] || '').split(',').filter(Boolean) : [];
const blockAt = rest.indexOf('--block');
const block = blockAt >= 0 ? rest[blockAt + 1] : null;
const outName = block || 'results';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/// A budget's verdict: true (within), false (over), null (no budget).
export function verdict(value, budget) {
  if (!budget || typeof value !== 'number') return null;
  if (typeof budget.max === 'number') return value <= budget.max;
  if (typeof budget.min === 'number') return value >= budget.min;
  return null;
}

function budgetText(budget) {
  if (!budget) return '—';
  if (typeof budget.max === 'number') return `≤ ${number(budget.max)}`;
  if (typeof budget.min === 'number') return `≥ ${number(budget.min)}`;
  return '—';
}

function number(v) {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 2 : 1 });
}

/// The first line a command prints, or "not found".
function version(program, args) {
  try {
    return execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')[0]
      .trim();
  } catch {
    return 'not found';
  }
}

function lockVersion(name) {
  const lock = fs.readFileSync(path.join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`));
  return m ? m[1] : 'unknown';
}

function postgresVersion() {
  const base = '/usr/lib/postgresql';
  const majors = fs.existsSync(base) ? fs.readdirSync(base) : [];
  return majors.length ? version(path.join(base, majors.sort().at(-1), 'bin', 'postgres'), ['--version']) : 'not found';
}

const figures = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const bench = path.basename(file, '.json');
  try {
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const f of data.figures || []) figures.push({ bench, ...f, pass: verdict(f.value, f.budget) });
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    missing.push(bench);
  }
}

const cpus = os.cpus();
const machine = {
  cpu: cpus.length ? cpus[0].model : 'unknown',
  cores: cpus.length,
  memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  os: `${os.type()} ${os.release()}`,
};
const versions = {
  rustc: version('rustc', ['--version']),
  node: process.version,
  chromium: version(process.env.CHROMIUM_PATH || '/usr/bin/chromium', ['--version']),
  postgres: postgresVersion(),
  sqlite: `libsqlite3-sys ${lockVersion('libsqlite3-sys')} (bundled SQLite)`,
  leptos: lockVersion('leptos'),
  axum: lockVersion('axum'),
  sqlx: lockVersion('sqlx'),
};
const when = new Date().toISOString();

const rows = figures.map(
  (f) =>
    `| ${f.label} | ${number(f.value)} ${f.unit || ''} | ${budgetText(f.budget)} | ${
      f.pass === null ? '—' : f.pass ? 'pass' : '**FAIL**'
    } |`,
);
const failing = figures.filter((f) => f.pass === false).length;
const md = [
  `Measured ${when} on ${machine.cpu} (${machine.cores} cores, ${machine.memory_gib} GiB), ${machine.os}.`,
  `Versions: ${Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ')}.`,
  '',
  '| figure | value | budget | verdict |',
  '|---|---|---|---|',
  ...rows,
  '',
  `${figures.length} figures, ${failing} over budget${missing.length ? `; missing: ${missing.join(', ')}` : ''}.`,
].join('\n');

fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'bench', `${outName}.json`),
  JSON.stringify({ when, machine, versions, missing, figures }, null, 2) + '\n',
);
fs.writeFileSync(path.join(root, 'bench', `${outName}.md`), md + '\n');

// docs/benchmarks.md carries the latest table between these markers.
const readme = path.join(root, 'docs', 'benchmarks.md');
const start = block ? `<!-- bench:${block}:start -->` : '<!-- bench:start -->';
const end = block ? `<!-- bench:${block}:end -->` : '<!-- bench:end -->';
const text = fs.readFileSync(readme, 'utf8');
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a >= 0 && b > a) {
  fs.writeFileSync(readme, text.slice(0, a + start.length) + '\n' + md + '\n' + text.slice(b));
  console.log(`docs/benchmarks.md: ${block ? `the ${block} table` : 'table'} updated`);
} else {
  console.log(`docs/benchmarks.md has no ${start} … ${end} block; table not copied there`);
}
console.log('\n' + md);
