import { describe, it, expect } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';

// `npm run build` bundles the console (scripts/bundle-tui.mjs); `clawdeck attach` loads the bundle when it is
// at least as new as the compiled sources. The tmux end-to-end tests then run the bundle: this checks it is there,
// fresh, and exports what attach calls.
describe('console bundle', () => {
  const dir = join(import.meta.dirname, '..', '..', 'dist', 'components');

  it('is built, newer than the compiled console, and exports runTui', async () => {
    const bundle = join(dir, 'run-tui.bundle.js');
    expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(statSync(join(dir, 'run-tui.js')).mtimeMs);
    const m = (await import(bundle)) as { runTui?: unknown };
    expect(typeof m.runTui).toBe('function');
  });
});
