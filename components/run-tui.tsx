import { render } from 'ink';
import type { LiveSnapshot } from '../src/daemon/live-snapshot.js';
import { App, type AppOptions } from './app/app.js';
import { ErrorBoundary } from './app/error-boundary.js';
import { createTheme } from './theme/theme.js';
import { ThemeProvider } from './theme/theme-context.js';

export interface RunTuiOptions extends AppOptions {
  // The client store, already connecting: attach starts it while Ink loads, so the first frame has data.
  source: LiveSnapshot;
  noColor?: boolean;
}

// Entry point `clawdeck attach` loads at runtime (through load-tui): renders, resolves when the view quits.
// Quitting detaches this view only; the daemon and everything it holds keep running.
export const runTui = async (opts: RunTuiOptions): Promise<void> => {
  const env = opts.env ?? process.env;
  const { source } = opts;
  const theme = createTheme(env, { noColor: opts.noColor });
  const instance = render(
    <ThemeProvider value={theme}>
      <ErrorBoundary>
        <App source={source} options={opts} />
      </ErrorBoundary>
    </ThemeProvider>,
    {
      // Ink treats CI=true as non-interactive (final frame only); a real terminal is interactive regardless.
      interactive: Boolean(process.stdout.isTTY),
      alternateScreen: Boolean(process.stdout.isTTY),
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 8,
      incrementalRendering: true,
    },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    source.close();
  }
};
