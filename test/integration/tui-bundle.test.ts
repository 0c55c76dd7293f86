import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

// `npm run build` bundles the console (scripts/bundle-tui.mjs): command line, config, daemon client and view in a few
// modules. `clawdeck` / `clawdeck attach` load it when it is at least as new as the compiled sources; the tmux
// end-to-end tests then run the bundle: this checks it is there, fresh, and exports what main.ts calls.
describe('console bundle', () => {
  const dist = join(import.meta.dirname, '..', '..', 'dist');
  const dir = join(dist, 'components', 'bundle');
  const entry = join(dir, 'console.js');

  it('is built, newer than the compiled console and attach command, and exports runConsole', async () => {
    for (const src of [join(dist, 'components', 'run-tui.js'), join(dist, 'src', 'cli', 'commands', 'attach.js')]) {
      expect(statSync(entry).mtimeMs).toBeGreaterThanOrEqual(statSync(src).mtimeMs);
    }
    const m = (await import(entry)) as { runConsole?: unknown };
    expect(typeof m.runConsole).toBe('function');
  });

  it('keeps the view (Ink) out of the modules the command line loads first', () => {
    const entryChunks = [...readFileSync(entry, 'utf8').matchAll(/^import .* from "\.\/(.+)";$/gm)].map((m) => m[1]!);
    expect(entryChunks.length).toBeGreaterThan(0);
    for (const f of entryChunks) expect(readFileSync(join(dir, f), 'utf8')).not.toContain('node_modules/ink/');
  });

  it('gives our modules their own file URLs, so they find the daemon and package.json next to them', async () => {
    const code = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(code).toContain('new URL("./main.js", new URL("../../src/daemon/lifecycle.js", import.meta.url).href)');
    // The bundled command line reads its version from package.json, as the compiled one does.
    const script = `process.argv = ['node', 'clawdeck', '--version']; await (await import(${JSON.stringify(entry)})).runConsole();`;
    const r = await execa(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')).version);
  });
});
