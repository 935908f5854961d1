// Imported before the end-to-end helpers: copies KUAIBAO_DIST once, at the
// start, and points KUAIBAO_DIST at the copy, so a dist/ rebuilt under a
// running benchmark cannot mix two builds. Synchronous on purpose: the
// helpers read the variable when they are evaluated.
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

if (!process.env.KUAIBAO_DIST) throw new Error('KUAIBAO_DIST is not set: run the benchmarks through `cargo xtask bench`');
if (!process.env.KUAIBAO_SERVER_BIN) throw new Error('KUAIBAO_SERVER_BIN is not set');
const copy = mkdtempSync(path.join(tmpdir(), 'kuaibao-bench-dist-'));
cpSync(process.env.KUAIBAO_DIST, copy, { recursive: true });
process.env.KUAIBAO_DIST = copy;
process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
export const DIST = copy;
