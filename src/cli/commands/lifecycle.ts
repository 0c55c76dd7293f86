import type { Command } from 'commander';
import { resolvePaths } from '../../config/paths.js';
import { startDaemon, stopDaemon } from '../../daemon/lifecycle.js';
import { printJson } from '../output.js';

// `up` and `down`: start the detached daemon (idempotent), stop it cleanly.
export const registerLifecycle = (program: Command): void => {
  program
    .command('up')
    .description('start the daemon (egress proxy, inference router, policy watcher) and the sandbox')
    .option('--no-sandbox', 'run the daemon without a container (point any host process at the proxy)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { sandbox: boolean; json?: boolean }) => {
      const r = await startDaemon(resolvePaths(), { noSandbox: !opts.sandbox });
      if (opts.json) return printJson({ running: true, already: r.already, pid: r.pid, cleaned: r.cleaned });
      for (const f of r.cleaned) process.stdout.write(`removed stale ${f}\n`);
      process.stdout.write(r.already ? `clawdeck daemon already running (pid ${r.pid})\n` : `clawdeck daemon started (pid ${r.pid})\n`);
    });

  program
    .command('down')
    .description('stop the daemon, its proxy, router and sandbox container (sandbox data is kept)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const stopped = await stopDaemon(resolvePaths());
      if (opts.json) return printJson({ stopped });
      process.stdout.write(stopped ? 'clawdeck daemon stopped\n' : 'clawdeck daemon was not running\n');
    });
};
