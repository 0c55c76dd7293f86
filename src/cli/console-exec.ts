import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// The console's process setup, kept free of the CLI's imports: `clawdeck` / `clawdeck attach` re-execute before the
// CLI loads anything else (commander and the schemas were a good part of the console's start-up).

// The console runs for hours and redraws several times a second: a small young generation and an
// old-generation cap (live heap is ~25 MB) keep its RSS flat instead of growing towards V8's default
// limits. V8 reads these only at start, so the console re-executes itself once with them
// (CLAWDECK_TUI_V8_FLAGS replaces them, e.g. for a very long chat history).
export const TUI_V8_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];
const REEXEC_MARK = 'CLAWDECK_TUI_EXEC';
const CACHE_MARK = 'CLAWDECK_TUI_COMPILE_CACHE';

// Compiling its modules (Ink, React, zod, the schemas) was a third of the console's start-up CPU; Node's
// compile cache keeps the compiled code between runs. The directory is the user's own (0700, per-user
// XDG cache); if it cannot be made so, the console starts without it. A NODE_COMPILE_CACHE of the user's wins.
const compileCacheEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return {};
  try {
    const dir = join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'clawdeck', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return {};
    return { NODE_COMPILE_CACHE: dir, [CACHE_MARK]: '1' };
  } catch {
    return {};
  }
};

// A first frame in the alternate screen before Ink (and React) load, so attaching shows at once.
export const drawSplash = (): void => {
  process.stdout.write('\u001b[?1049h\u001b[H\u001b[2Jclawdeck  starting the console...\r\n');
};
export const leaveSplash = (): void => void process.stdout.write('\u001b[?1049l');

// True in the re-executed console process (its splash is already on screen).
export const isConsoleExec = (): boolean => process.env[REEXEC_MARK] === '1';

// The compile cache is the console's own: processes it starts (the daemon, $EDITOR) do not inherit it.
if (process.env[CACHE_MARK] === '1') {
  delete process.env.NODE_COMPILE_CACHE;
  delete process.env[CACHE_MARK];
}

// True for the console's command lines (bare `clawdeck`, `clawdeck attach ...`): they load only attach.
export const isConsoleArgv = (argv: string[] = process.argv): boolean => argv.length <= 2 || argv[2] === 'attach';

// For `clawdeck` and `clawdeck attach` in a terminal: draws the splash and replaces this process with one
// running the console's V8 flags. Returns (doing nothing) for every other command, for help/version,
// without a terminal (attach then says why), or where process.execve does not exist.
export const execConsole = (argv: string[] = process.argv): void => {
  const args = argv.slice(2);
  if (!isConsoleArgv(argv) || isConsoleExec()) return;
  if (args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY || typeof process.execve !== 'function' || !argv[1]) return;
  drawSplash();
  const flags = process.env.CLAWDECK_TUI_V8_FLAGS?.split(/\s+/).filter(Boolean) ?? TUI_V8_FLAGS;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, argv[1], ...args], {
    ...process.env,
    ...compileCacheEnv(process.env),
    [REEXEC_MARK]: '1',
  });
};
