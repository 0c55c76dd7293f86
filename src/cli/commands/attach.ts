import type { Command } from 'commander';
import { resolvePaths } from '../../config/paths.js';
import { loadConfig } from '../../config/load.js';
import { socketAnswers, startDaemon } from '../../daemon/lifecycle.js';
import { daemonNotRunning } from '../../daemon/client.js';
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
const TUI_ENTRY = ['..', '..', '..', 'components', 'run-tui.js'].join('/');

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
  const paths = resolvePaths();
  const config = loadConfig(paths.configFile);
  if (!(await socketAnswers(paths.socket))) {
    if (!opts.up) throw daemonNotRunning(paths.socket);
    await startDaemon(paths, { noSandbox: false });
  }
  // Ink's colour library decides once, at load, from the environment, and turns colour off whenever CI is
  // set; the console's own rule (NO_COLOR, --no-color, TERM=dumb) must win in both directions.
  const noColor = opts.color === false || Boolean(process.env.NO_COLOR) || process.env.TERM === 'dumb';
  if (process.env.FORCE_COLOR === undefined || noColor) process.env.FORCE_COLOR = noColor ? '0' : '1';
  const mod = (await import(new URL(TUI_ENTRY, import.meta.url).href)) as {
    runTui(o: Record<string, unknown>): Promise<void>;
  };
  await mod.runTui({
    socket: paths.socket,
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
