// The console's process setup, kept free of imports: `clawdeck` / `clawdeck attach` re-execute before the
// CLI loads anything else (commander and the schemas were a good part of the console's start-up).

// The console runs for hours and redraws several times a second: a small young generation and an
// old-generation cap (live heap is ~25 MB) keep its RSS flat instead of growing towards V8's default
// limits. V8 reads these only at start, so the console re-executes itself once with them
// (CLAWDECK_TUI_V8_FLAGS replaces them, e.g. for a very long chat history).
export const TUI_V8_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];
const REEXEC_MARK = 'CLAWDECK_TUI_EXEC';

// A first frame in the alternate screen before Ink (and React) load, so attaching shows at once.
export const drawSplash = (): void => {
  process.stdout.write('\u001b[?1049h\u001b[H\u001b[2Jclawdeck  starting the console...\r\n');
};
export const leaveSplash = (): void => void process.stdout.write('\u001b[?1049l');

// True in the re-executed console process (its splash is already on screen).
export const isConsoleExec = (): boolean => process.env[REEXEC_MARK] === '1';

// For `clawdeck` and `clawdeck attach` in a terminal: draws the splash and replaces this process with one
// running the console's V8 flags. Returns (doing nothing) for every other command, for help/version,
// without a terminal (attach then says why), or where process.execve does not exist.
export const execConsole = (argv: string[] = process.argv): void => {
  const args = argv.slice(2);
  if (!(args.length === 0 || args[0] === 'attach') || isConsoleExec()) return;
  if (args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY || typeof process.execve !== 'function' || !argv[1]) return;
  drawSplash();
  const flags = process.env.CLAWDECK_TUI_V8_FLAGS?.split(/\s+/).filter(Boolean) ?? TUI_V8_FLAGS;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, argv[1], ...args], { ...process.env, [REEXEC_MARK]: '1' });
};
