#!/usr/bin/env node
import { execConsole, isConsoleArgv } from './console-exec.js';

// The console (bare `clawdeck` or `attach`) re-executes itself with its V8 flags first, before the CLI's
// modules load; every other command continues here at once.
execConsole();

// The console's one-file build (components/console-main.ts, bundled by `npm run build`): when it is there
// and fresh, it is the whole console command line (CLI, config, client and view in one module). A computed
// URL keeps src/ free of any static import of the console.
const CONSOLE_LOADER = ['..', '..', 'components', 'load-tui.js'].join('/');
type ConsoleLoader = { loadConsoleBundle(): Promise<{ runConsole(): Promise<void> } | null> };
const consoleOnly = isConsoleArgv();
const bundled = consoleOnly ? await import(new URL(CONSOLE_LOADER, import.meta.url).href).then((m: ConsoleLoader) => m.loadConsoleBundle()) : null;

if (bundled) await bundled.runConsole();
else {
  const [{ runProgram }, { attach, registerAttach }] = await Promise.all([import('./program.js'), import('./commands/attach.js')]);
  await runProgram(async (program) => {
    // The console loads only its own command: the others pull in Docker, TLS and provider code the TUI
    // process would carry in memory for hours (and that slows the first frame).
    if (consoleOnly) registerAttach(program);
    else (await import('./commands/index.js')).registerCommands(program);
    // Bare `clawdeck`: start the daemon if needed, then open the console.
    program.action(() => attach({ up: true }));
  });
}
