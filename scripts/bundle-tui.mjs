// Bundles the console (dist/components/run-tui.js with Ink, React and the panes) into one ESM file, so
// `clawdeck attach` loads one module instead of ~600 (most of its start-up). Run by `npm run build` after tsc.
// Ink's screen buffer and its es-toolkit import are redirected by the same rule (inkRedirect) that
// components/load-tui.ts applies to the unbundled console with a resolve hook.
import { rolldown } from 'rolldown';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'components');
const { inkRedirect } = await import(join(dist, 'load-tui.js'));
const require = createRequire(join(root, 'package.json'));
const inkMajor = JSON.parse(readFileSync(join(root, 'node_modules', 'ink', 'package.json'), 'utf8')).version.split('.')[0];
const throttle = join(dirname(require.resolve('es-toolkit/compat')), '..', 'dist', 'compat', 'function', 'throttle.mjs');

const DEVTOOLS_STUB = '\0clawdeck-no-devtools';

const bundle = await rolldown({
  input: join(dist, 'run-tui.js'),
  platform: 'node',
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
  ],
});
await bundle.write({ file: join(dist, 'run-tui.bundle.js'), format: 'esm', codeSplitting: false });
await bundle.close();
