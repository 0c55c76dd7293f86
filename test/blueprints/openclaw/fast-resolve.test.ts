import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { loadBlueprint } from '../../../src/sandbox/blueprint.js';

const HOOK = join(loadBlueprint().dir, 'fast-resolve.mjs');

// A module tree standing in for OpenClaw's root, and a program outside it.
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-fast-resolve-'));
  const root = join(dir, 'openclaw');
  mkdirSync(join(root, 'dist', 'sub'), { recursive: true });
  writeFileSync(join(root, 'dist', 'sub', 'leaf.mjs'), 'export const leaf = import.meta.url;\n');
  writeFileSync(join(root, 'dist', 'common.cjs'), 'module.exports = { cjs: __filename };\n');
  writeFileSync(join(root, 'dist', 'data.json'), '{"json": true}\n');
  writeFileSync(join(root, 'dist', 'real.mjs'), 'export const real = import.meta.url;\n');
  symlinkSync(join(root, 'dist', 'real.mjs'), join(root, 'dist', 'alias.mjs'));
  writeFileSync(
    join(dir, 'recorder.mjs'),
    "import { registerHooks } from 'node:module';\nregisterHooks({ resolve(s, c, next) { if (s.startsWith('.')) process.stderr.write(s + '\\n'); return next(s, c); } });\n",
  );
  writeFileSync(
    join(root, 'dist', 'entry.mjs'),
    [
      "import { leaf } from './sub/leaf.mjs';",
      "import common from './common.cjs';",
      "import data from './data.json' with { type: 'json' };",
      "const missing = await import('./missing.js').then(() => 'loaded', (e) => e.code);",
      "const dir = await import('./sub').then(() => 'loaded', (e) => e.code);",
      "const { real } = await import('./alias.mjs');",
      'console.log(JSON.stringify({ leaf, cjs: common.cjs, json: data.json, missing, dir, real }));',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (withHook: boolean) =>
  execa(process.execPath, [...(withHook ? [`--import=${pathToFileURL(join(dir, 'recorder.mjs')).href}`, `--import=${pathToFileURL(HOOK).href}`] : []), join(dir, 'openclaw', 'dist', 'entry.mjs')], {
    env: { ...process.env, CLAWDECK_FAST_RESOLVE_ROOT: pathToFileURL(join(dir, 'openclaw')).href + '/' },
  });

describe('blueprints/openclaw/fast-resolve.mjs', () => {
  it('loads the same modules and fails with the same errors as node’s own resolver', async () => {
    const [plain, hooked] = await Promise.all([run(false), run(true)]);
    const a = JSON.parse(plain.stdout) as Record<string, string>;
    const b = JSON.parse(hooked.stdout) as Record<string, string>;
    expect(a).toMatchObject({ missing: 'ERR_MODULE_NOT_FOUND', dir: 'ERR_UNSUPPORTED_DIR_IMPORT', json: true });
    expect(a.real).toMatch(/\/real\.mjs$/); // a symlink: node's resolver (realpath)
    expect(b).toEqual(a);
    // Which specifiers still reached node's resolver (a hook registered before ours sees only what ours passes on).
    expect(hooked.stderr.trim().split('\n').sort()).toEqual(['./alias.mjs', './data.json', './missing.js', './sub']);
  });

  it('leaves modules outside the root to node', async () => {
    const other = join(dir, 'other.mjs');
    writeFileSync(other, "const e = await import('./nope.mjs').then(() => 'loaded', (x) => x.code); console.log(e);\n");
    const r = await execa(process.execPath, [`--import=${pathToFileURL(HOOK).href}`, other]);
    expect(r.stdout).toBe('ERR_MODULE_NOT_FOUND');
  });
});
