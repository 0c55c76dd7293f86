import type { Command } from 'commander';
import { ClawdeckError } from '../../protocol/errors.js';

const VIEWS = ['chat', 'meter', 'approvals', 'policy'] as const;
type View = (typeof VIEWS)[number];

export interface AttachOptions {
  view?: string;
  readonly?: boolean;
  color?: boolean;
  // Start the daemon first when none answers (the bare `clawdeck`).
  up?: boolean;
}

// The TUI lives in dist/components; a computed URL keeps src/ free of any static React/Ink import.
const TUI_ENTRY = ['..', '..', '..', 'components', 'load-tui.js'].join('/');
type LoadTui = { loadTui(): Promise<{ runTui(o: Record<string, unknown>): Promise<void> }> };

// Snapshots reach the view at most this often: one frame per snapshot (Ink draws the whole screen each
// frame, its cost does not depend on how much changed), so this bounds render work under any load.
const SNAPSHOT_INTERVAL_MS = 250;
// How long the first frame waits for the daemon's first snapshot (the splash is up meanwhile).
const FIRST_DATA_WAIT_MS = 300;

// The console runs for hours and redraws several times a second: a small young generation and an
// old-generation cap (live heap is ~25 MB) keep its RSS flat instead of growing towards V8's default
// limits. V8 reads these only at start, so attach re-executes itself once with them
// (CLAWDECK_TUI_V8_FLAGS replaces them, e.g. for a very long chat history).
export const TUI_V8_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];
const REEXEC_MARK = 'CLAWDECK_TUI_EXEC';

// A first frame in the alternate screen before Ink (and React) load, so attaching shows at once.
const drawSplash = (): void => {
  process.stdout.write('\u001b[?1049h\u001b[H\u001b[2Jclawdeck  starting the console...\r\n');
};
const leaveSplash = (): void => void process.stdout.write('\u001b[?1049l');

// Opens the console on a running daemon (or starts one first); quitting the view leaves the daemon up.
export const attach = async (opts: AttachOptions): Promise<void> => {
  if (opts.view !== undefined && !VIEWS.includes(opts.view as View)) {
    throw new ClawdeckError('USAGE', `unknown view "${opts.view}"`, { hint: `Use one of: ${VIEWS.join(', ')}` });
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new ClawdeckError('USAGE', 'attach needs an interactive terminal', {
      hint: 'Run it in a terminal (or tmux); for scripts use clawdeck status|approvals|policy --json.',
    });
  }
  const reexeced = process.env[REEXEC_MARK] === '1';
  if (!reexeced) {
    drawSplash();
    if (typeof process.execve === 'function' && process.argv[1]) {
      const flags = process.env.CLAWDECK_TUI_V8_FLAGS?.split(/\s+/).filter(Boolean) ?? TUI_V8_FLAGS;
      const args = [process.execPath, ...flags, ...process.execArgv, process.argv[1], ...process.argv.slice(2)];
      process.execve(process.execPath, args, { ...process.env, [REEXEC_MARK]: '1' });
    }
  }
  // Ink's colour library decides once, at load, from the environment, and turns colour off whenever CI is
  // set; the console's own rule (NO_COLOR, --no-color, TERM=dumb) must win in both directions.
  const noColor = opts.color === false || Boolean(process.env.NO_COLOR) || process.env.TERM === 'dumb';
  if (process.env.FORCE_COLOR === undefined || noColor) process.env.FORCE_COLOR = noColor ? '0' : '1';
  // React's development build is several times slower and larger; the console always runs production.
  process.env.NODE_ENV ??= 'production';
  // Ink and React are most of the start-up: their import starts first and overlaps with loading the config
  // and connecting to the daemon, so the first frame already has the daemon's snapshot.
  const tui = import(new URL(TUI_ENTRY, import.meta.url).href).then((m: LoadTui) => m.loadTui());
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

export const registerAttach = (program: Command): void => {
  program
    .command('attach')
    .description('open the console (chat, meter, approvals, policy) on the running daemon')
    .option('--view <pane>', `show one pane full-screen for tmux splits: ${VIEWS.join('|')}`)
    .option('--readonly', 'monitoring view: cannot approve, deny, edit or chat')
    .option('--no-color', 'no colours (also NO_COLOR=1 or TERM=dumb)')
    .action((opts: AttachOptions) => attach(opts));
};
