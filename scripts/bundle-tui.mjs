// Bundles the console (dist/components/console-main.js: the `clawdeck` / `clawdeck attach` command line, config,
// daemon client, and the view with Ink, React and the panes) into dist/components/bundle/: an entry module and the
// view as a chunk attach loads, so the console starts from a few modules instead of ~700 (most of its start-up).
// Run by `npm run build` after tsc. Ink's screen buffer and its es-toolkit import are redirected by the same rule
// (inkRedirect) that components/load-tui.ts applies to the unbundled console with a resolve hook.
import { rolldown } from 'rolldown';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, sep } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distRoot = join(root, 'dist') + sep;
const dist = join(root, 'dist', 'components');
const out = join(dist, 'bundle');
const { inkRedirect } = await import(join(dist, 'load-tui.js'));
const require = createRequire(join(root, 'package.json'));
const inkMajor = JSON.parse(readFileSync(join(root, 'node_modules', 'ink', 'package.json'), 'utf8')).version.split('.')[0];
const throttle = join(dirname(require.resolve('es-toolkit/compat')), '..', 'dist', 'compat', 'function', 'throttle.mjs');

const DEVTOOLS_STUB = '\0clawdeck-no-devtools';

// Every module the command line reaches without the view (run-tui.js): config, schemas, daemon client and the
// CLI's own dynamic imports. They go into one chunk; the view (Ink, React, the panes) into another.
const ENTRY = join(dist, 'console-main.js');
const VIEW = join(dist, 'run-tui.js');
const cliSide = new Set();

const bundle = await rolldown({
  input: ENTRY,
  platform: 'node',
  // attach imports its config and client modules dynamically (for the unbundled console); here they share a chunk.
  onLog: (level, log, report) => (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' ? undefined : report(level, log)),
  transform: { define: { 'process.env.NODE_ENV': '"production"' } },
  plugins: [
    {
      name: 'clawdeck-ink',
      resolveId(source, importer) {
        const to = inkRedirect(source, importer, () => inkMajor === '8');
        if (to === 'fast-output') return join(dist, 'ink', 'fast-output.js');
        if (to === 'throttle' && existsSync(throttle)) return throttle;
        // React DevTools support (Ink loads it only with DEV=true) would drag in react-devtools-core: not bundled.
        if (importer?.includes('/node_modules/ink/build/') && source === './devtools.js') return DEVTOOLS_STUB;
        return null;
      },
      load(id) {
        return id === DEVTOOLS_STUB ? 'export {};' : null;
      },
    },
    {
      name: 'clawdeck-cli-side',
      buildEnd() {
        const todo = [ENTRY];
        while (todo.length > 0) {
          const id = todo.pop();
          if (cliSide.has(id) || id === VIEW) continue;
          cliSide.add(id);
          const info = this.getModuleInfo(id);
          if (info) todo.push(...info.importedIds, ...info.dynamicallyImportedIds);
        }
      },
    },
    {
      // Our modules find files next to themselves (the daemon's main.js, package.json): in the bundle,
      // import.meta.url names the bundle, so each one gets its own compiled file's URL back.
      name: 'clawdeck-module-url',
      transform(code, id) {
        if (!id.startsWith(distRoot) || id.includes('/node_modules/') || !code.includes('import.meta.url')) return null;
        const rel = relative(out, id).split(sep).join('/');
        return code.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      },
    },
  ],
});
// Written next to the old bundle and swapped in whole: a console starting meanwhile finds either the old
// bundle, the new one, or none (and runs the compiled sources), never a mix; no chunk of an earlier build lingers.
const next = `${out}.next-${process.pid}`;
const old = `${out}.old-${process.pid}`;
await bundle.write({
  dir: next,
  format: 'esm',
  entryFileNames: 'console.js',
  chunkFileNames: '[name].js',
  codeSplitting: { groups: [{ name: 'cli', test: (id) => cliSide.has(id) && id !== ENTRY }] },
});
await bundle.close();
if (existsSync(out)) renameSync(out, old);
renameSync(next, out);
rmSync(old, { recursive: true, force: true });
// The one-file view bundle of earlier builds; nothing loads it any more.
rmSync(join(dist, 'run-tui.bundle.js'), { force: true });
