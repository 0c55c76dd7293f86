import type { Command } from 'commander';
import { resolvePaths } from '../../config/paths.js';
import { loadConfig } from '../../config/load.js';
import { runChecks } from '../doctor-checks.js';
import { printJson, table } from '../output.js';

export const registerDoctor = (program: Command): void => {
  program
    .command('doctor')
    .description('check this machine: Node, Docker engine, Landlock, seccomp, disk, provider key, port conflicts')
    .option('--json', 'print { "checks": [ { "name", "ok", "detail" } ] }')
    .action(async (opts: { json?: boolean }) => {
      const paths = resolvePaths();
      const checks = await runChecks(paths, loadConfig(paths.configFile));
      if (opts.json) printJson({ checks });
      else process.stdout.write(table(checks.map((c) => [c.ok ? 'ok  ' : 'FAIL', c.name, c.detail])) + '\n');
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
};
