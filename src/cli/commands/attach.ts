import type { Command } from 'commander';
import { ClawdeckError } from '../../protocol/errors.js';
import { drawSplash, isConsoleExec, leaveSplash } from '../console-exec.js';

const VIEWS = ['chat', 'meter', 'approvals', 'policy'] as const;
type View = (typeof VIEWS)[number];

export interface AttachOptions {
  view?: string;
  readonly?: boolean;
  color?: boolean;
  // Start the daemon first when none answers (the bare `clawdeck`).
  up?: boolean;
}

// Loads the console's view (Ink, React, the panes). The console bundle (components/console-main.ts) passes
// its own, already loaded; otherwise it comes from dist/components, through a computed URL that keeps src/
// free of any static React/Ink import.
export type TuiLoader = () => Promise<{ runTui(o: Record<string, unknown>): Promise<void> }>;
const TUI_ENTRY = ['..', '..', '..', 'components', 'load-tui.js'].join('/');
const loadTuiModule: TuiLoader = () => import(new URL(TUI_ENTRY, import.meta.url).href).then((m: { loadTui: TuiLoader }) => m.loadTui());

// Snapshots reach the view at most this often: one frame per snapshot (Ink draws the whole screen each
// frame, its cost does not depend on how much changed), so this bounds render work under any load.
const SNAPSHOT_INTERVAL_MS = 250;
// How long the first frame waits for the daemon's first snapshot (the splash is up meanwhile).
const FIRST_DATA_WAIT_MS = 300;

// Opens the console on a running daemon (or starts one first); quitting the view leaves the daemon up.
export const attach = async (opts: AttachOptions, loadTui: TuiLoader = loadTuiModule): Promise<void> => {
  if (opts.view !== undefined && !VIEWS.includes(opts.view as View)) {
    if (isConsoleExec()) leaveSplash();
    throw new ClawdeckError('USAGE', `unknown view "${opts.view}"`, { hint: `Use one of: ${VIEWS.join(', ')}` });
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new ClawdeckError('USAGE', 'attach needs an interactive terminal', {
      hint: 'Run it in a terminal (or tmux); for scripts use clawdeck status|approvals|policy --json.',
    });
  }
  // main.ts re-executed this process with the console's V8 flags (console-exec.ts), splash drawn; where it
  // could not, the console runs without them.
  if (!isConsoleExec()) drawSplash();
  // Ink's colour library decides once, at load, from the environment, and turns colour off whenever CI is
  // set; the console's own rule (NO_COLOR, --no-color, TERM=dumb) must win in both directions.
  const noColor = opts.color === false || Boolean(process.env.NO_COLOR) || process.env.TERM === 'dumb';
  if (process.env.FORCE_COLOR === undefined || noColor) process.env.FORCE_COLOR = noColor ? '0' : '1';
  // React's development build is several times slower and larger; the console always runs production.
  process.env.NODE_ENV ??= 'production';
  // Ink and React are most of the start-up: their import starts first and overlaps with loading the config
  // and connecting to the daemon, so the first frame already has the daemon's snapshot.
  const tui = loadTui();
  tui.catch(() => undefined);
  // Loaded after the splash: config, schemas and the daemon client are the rest of the start-up cost.
  const [{ resolvePaths }, { loadConfig }, { socketAnswers, startDaemon }, { daemonNotRunning }, { LiveSnapshot }] = await Promise.all([
    import('../../config/paths.js'),
    import('../../config/load.js'),
    import('../../daemon/lifecycle.js'),
    import('../../daemon/client.js'),
    import('../../daemon/live-snapshot.js'),
  ]);
  const paths = resolvePaths();
  let config;
  let source;
  let mod;
  try {
    config = loadConfig(paths.configFile);
    if (!(await socketAnswers(paths.socket))) {
      if (!opts.up) throw daemonNotRunning(paths.socket);
      await startDaemon(paths, { noSandbox: false });
    }
    source = new LiveSnapshot(paths.socket, { name: opts.readonly ? 'tui-readonly' : 'tui', minIntervalMs: SNAPSHOT_INTERVAL_MS }).start();
    mod = await tui;
    await source.whenLive(FIRST_DATA_WAIT_MS);
  } catch (e) {
    source?.close();
    leaveSplash();
    throw e;
  }
  await mod.runTui({
    source,
    view: (opts.view as View | undefined) ?? null,
    readonly: opts.readonly ?? false,
    noColor: opts.color === false,
    bell: config.ui.bell,
    tmuxMessage: config.ui.tmux_message,
    env: process.env,
  });
};

export const registerAttach = (program: Command, loadTui?: TuiLoader): void => {
  program
    .command('attach')
    .description('open the console (chat, meter, approvals, policy) on the running daemon')
    .option('--view <pane>', `show one pane full-screen for tmux splits: ${VIEWS.join('|')}`)
    .option('--readonly', 'monitoring view: cannot approve, deny, edit or chat')
    .option('--no-color', 'no colours (also NO_COLOR=1 or TERM=dumb)')
    .action((opts: AttachOptions) => attach(opts, loadTui));
};
