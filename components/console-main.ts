import { runProgram } from '../src/cli/program.js';
import { attach, registerAttach, type TuiLoader } from '../src/cli/commands/attach.js';
import { withoutFetch } from './without-fetch.js';
import type { RunTuiOptions } from './run-tui.js';

// The view is a chunk of its own, loaded when attach asks: Ink's colour library reads the environment attach
// prepares (FORCE_COLOR) when it loads, and the load overlaps with connecting to the daemon. attach builds
// the view's options without naming their types (src/ does not import the view's modules).
const loadTui: TuiLoader = () =>
  withoutFetch(() => import('./run-tui.js')).then((m) => ({ runTui: (o: Record<string, unknown>) => m.runTui(o as unknown as RunTuiOptions) }));

// Entry of the console bundle (scripts/bundle-tui.mjs): the command line of bare `clawdeck` and `clawdeck attach`,
// config, daemon client and view from a few modules instead of ~700 (main.ts loads it through load-tui).
export const runConsole = (): Promise<void> =>
  runProgram((program) => {
    registerAttach(program, loadTui);
    // Bare `clawdeck`: start the daemon if needed, then open the console.
    program.action(() => attach({ up: true }, loadTui));
  });
