import { Command, CommanderError } from 'commander';
import { formatError, toErrorPayload } from '../protocol/errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { printJson } from './output.js';
import { VERSION } from '../daemon/version.js';

// Builds the `clawdeck` program, lets `register` add its commands, and runs it: one place for the exit
// codes and error output, shared by main.ts and the console bundle (components/console-main.ts).
export const runProgram = async (register: (program: Command) => void | Promise<void>, argv: string[] = process.argv): Promise<void> => {
  // `clawdeck up | head -3`: the reader left. Output is done (nothing to lose), so exit quietly instead of
  // throwing an unhandled EPIPE with a stack trace; a command with work in flight ends too, as `head` asked.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? EXIT.ok);
  });
  const program = new Command('clawdeck')
    .description('Console for a sandboxed OpenClaw agent: chat, inference meter, egress approvals, policy.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  await register(program);

  const jsonRequested = argv.includes('--json');
  try {
    await program.parseAsync(argv);
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
};

