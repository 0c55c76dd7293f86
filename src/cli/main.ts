#!/usr/bin/env node
import { execConsole } from './console-exec.js';

// The console (bare `clawdeck` or `attach`) re-executes itself with its V8 flags first, before the CLI's
// modules load; every other command continues here at once.
execConsole();
const [{ Command, CommanderError }, { formatError, toErrorPayload }, { EXIT, exitCodeFor }, { printJson }, { VERSION }, { attach, registerAttach }] =
  await Promise.all([
    import('commander'),
    import('../protocol/errors.js'),
    import('./exit-codes.js'),
    import('./output.js'),
    import('../daemon/version.js'),
    import('./commands/attach.js'),
  ]);

const program = new Command('clawdeck')
  .description('Console for a sandboxed OpenClaw agent: chat, inference meter, egress approvals, policy.')
  .version(VERSION, '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

// The console (bare `clawdeck` or `attach`) loads only its own command: the others pull in Docker, TLS
// and provider code the TUI process would carry in memory for hours (and that slows the first frame).
const consoleOnly = process.argv.length <= 2 || process.argv[2] === 'attach';
if (consoleOnly) registerAttach(program);
else (await import('./commands/index.js')).registerCommands(program);
// Bare `clawdeck`: start the daemon if needed, then open the console.
program.action(() => attach({ up: true }));

const jsonRequested = process.argv.includes('--json');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exitCode = ok ? EXIT.ok : EXIT.usage;
  } else {
    const payload = toErrorPayload(err);
    if (jsonRequested) printJson({ error: payload });
    else process.stderr.write(formatError(payload) + '\n');
    if (payload.kind === 'bug' && process.env.CLAWDECK_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitCodeFor(payload.code);
  }
}
