import type { Command } from 'commander';
import { resolvePaths } from '../../config/paths.js';
import { startDaemon, stopDaemon } from '../../daemon/lifecycle.js';
import { printJson } from '../output.js';
import { withDaemon } from '../connect.js';
import { waitSandboxUp } from '../../sandbox/wait-up.js';
import { purgeSandbox } from '../../sandbox/container.js';

// `up` and `down`: start the detached daemon (idempotent), stop it cleanly.
export const registerLifecycle = (program: Command): void => {
  program
    .command('up')
    .description('start the daemon (egress proxy, inference router, policy watcher) and the sandbox')
    .option('--no-sandbox', 'run the daemon without a container (point any host process at the proxy)')
    .option('--rebuild', 'build the sandbox image again even if it exists')
    .option('--no-wait', 'return once the daemon runs (the sandbox keeps starting in the background)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { sandbox: boolean; rebuild?: boolean; wait: boolean; json?: boolean }) => {
      const paths = resolvePaths();
      const r = await startDaemon(paths, { noSandbox: !opts.sandbox, rebuild: opts.rebuild });
      if (r.already && opts.rebuild) process.stderr.write('the daemon is already running; --rebuild applies on start: clawdeck down && clawdeck up --rebuild\n');
      if (!opts.json) {
        for (const f of r.cleaned) process.stdout.write(`removed stale ${f}\n`);
        process.stdout.write(r.already ? `clawdeck daemon already running (pid ${r.pid})\n` : `clawdeck daemon started (pid ${r.pid})\n`);
      }
      // The sandbox builds/starts in the daemon's background: follow its progress until it is proven or failed.
      const sandbox = opts.sandbox && opts.wait
        ? await withDaemon('up', (c) => waitSandboxUp(c, (l) => !opts.json && process.stdout.write(`${l}\n`)))
        : null;
      if (opts.json) {
        return printJson({ running: true, already: r.already, pid: r.pid, cleaned: r.cleaned, ...(sandbox ? { sandbox: sandbox.sandbox, enforcement: sandbox.enforcement } : {}) });
      }
      if (sandbox) for (const e of sandbox.enforcement) process.stdout.write(`  ${e.state.padEnd(7)} ${e.layer}: ${e.detail}\n`);
    });

  program
    .command('down')
    .description('stop the daemon, its proxy, router and sandbox container (sandbox data is kept)')
    .option('--purge', 'also delete the sandbox volume (/sandbox: the agent\'s files)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { purge?: boolean; json?: boolean }) => {
      const paths = resolvePaths();
      const stopped = await stopDaemon(paths);
      // dockerode (with its gRPC stack) loads only here: every other command starts without it.
      if (opts.purge) await purgeSandbox(new (await import('dockerode')).default(), paths);
      if (opts.json) return printJson({ stopped, ...(opts.purge ? { purged: true } : {}) });
      process.stdout.write(stopped ? 'clawdeck daemon stopped\n' : 'clawdeck daemon was not running\n');
      if (opts.purge) process.stdout.write('sandbox volume removed\n');
    });
};
