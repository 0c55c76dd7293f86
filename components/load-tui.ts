import { registerHooks } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withoutFetch } from './without-fetch.js';
import type * as RunTui from './run-tui.js';
import type * as ConsoleMain from './console-main.js';

const FAST_OUTPUT = new URL('./ink/fast-output.js', import.meta.url).href;

// fast-output.ts mirrors Ink 8's Output; another major keeps its own.
let ink8: boolean | undefined;
const isInk8 = (parentURL: string): boolean => {
  try {
    ink8 ??= (JSON.parse(readFileSync(new URL('../package.json', parentURL), 'utf8')) as { version?: string }).version?.startsWith('8.') === true;
  } catch {
    ink8 = false;
  }
  return ink8;
};

// Two redirections of Ink 8's own imports, for Ink only (other importers resolve as usual); the resolve hook
// below and the bundler (scripts/bundle-tui.mjs) both follow this rule:
// - its screen buffer (`./output.js`) becomes ink/fast-output.js, the same frames at a fraction of the
//   CPU and garbage (the console's biggest cost while tokens stream);
// - `es-toolkit/compat`, a barrel of ~400 modules it takes only `throttle` from (a third of the start-up
//   and ~5 MB RSS), becomes the module defining `throttle` (kept as is if es-toolkit's layout differs).
export const inkRedirect = (specifier: string, importer: string | undefined, ink8: () => boolean): 'fast-output' | 'throttle' | null => {
  if (!importer?.includes('/node_modules/ink/build/')) return null;
  if (specifier === './output.js') return ink8() ? 'fast-output' : null;
  return specifier === 'es-toolkit/compat' ? 'throttle' : null;
};

const narrowInkImports = (): void => {
  if (typeof registerHooks !== 'function') return;
  registerHooks({
    resolve(specifier, context, next) {
      const to = inkRedirect(specifier, context.parentURL, () => isInk8(context.parentURL!));
      if (to === 'fast-output') return { url: FAST_OUTPUT, shortCircuit: true };
      if (to !== 'throttle') return next(specifier, context);
      const entry = next('es-toolkit/compat/throttle', context).url;
      const url = new URL('../dist/compat/function/throttle.mjs', entry);
      return existsSync(fileURLToPath(url)) ? { url: url.href, shortCircuit: true } : next(specifier, context);
    },
  });
};

// The entry of the bundle; the view (Ink, React, the panes) is a chunk next to it that attach loads.
const BUNDLE = new URL('./bundle/console.js', import.meta.url);
// Compiled sources the bundle links in; `tsc` rewrites them all on every build.
const SOURCES = [new URL('./run-tui.js', import.meta.url), new URL('../src/cli/commands/attach.js', import.meta.url)];

// The bundled console (scripts/bundle-tui.mjs, part of `npm run build`): loading its few modules is a fraction
// of loading ~700. Used only when it is at least as new as the compiled sources, so a `tsc`-only
// rebuild never runs a stale console.
const freshBundle = (): boolean => {
  try {
    const built = statSync(BUNDLE).mtimeMs;
    return SOURCES.every((u) => built >= statSync(u).mtimeMs);
  } catch {
    return false;
  }
};

// The console bundle (command line, config, client and view), or null where it is missing, stale or opted
// out of (CLAWDECK_TUI_UNBUNDLED=1): main.ts then runs the compiled sources.
export const loadConsoleBundle = async (): Promise<typeof ConsoleMain | null> => {
  if (process.env.CLAWDECK_TUI_UNBUNDLED === '1' || !freshBundle()) return null;
  return import(BUNDLE.href) as Promise<typeof ConsoleMain>;
};

// Loads the console's view (Ink, React, the panes) from the compiled sources, the lean way (Ink's imports
// narrowed); `clawdeck attach` without the bundle imports this, never run-tui directly.
export const loadTui = (): Promise<typeof RunTui> => {
  narrowInkImports();
  return withoutFetch(() => import('./run-tui.js'));
};
