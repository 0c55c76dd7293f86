import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { resolvePaths } from '../../config/paths.js';
import { ClawdeckError } from '../../protocol/errors.js';

// Prints the last n lines of a file, then (with follow) new lines as they are appended.
const tail = async (file: string, lines: number, follow: boolean): Promise<void> => {
  if (!existsSync(file)) {
    throw new ClawdeckError('LOG_MISSING', `no log at ${file} yet`, { hint: 'Start the daemon first: clawdeck up' });
  }
  const all = readFileSync(file, 'utf8').split('\n');
  if (all.at(-1) === '') all.pop();
  process.stdout.write(all.slice(-lines).join('\n') + (all.length ? '\n' : ''));
  if (!follow) return;
  let pos = statSync(file).size;
  await new Promise<void>(() => {
    watch(file, () => {
      const size = statSync(file).size;
      if (size < pos) pos = 0; // rotated
      if (size === pos) return;
      createReadStream(file, { start: pos, end: size - 1 }).pipe(process.stdout, { end: false });
      pos = size;
    });
  });
};

export const registerLogs = (program: Command): void => {
  program
    .command('logs')
    .description("show the daemon's log")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many lines from the end', '100')
    .action(async (opts: { follow?: boolean; lines: string }) => {
      const n = Number(opts.lines);
      if (!Number.isInteger(n) || n < 0) throw new ClawdeckError('USAGE', `--lines must be a whole number, got "${opts.lines}"`);
      await tail(resolvePaths().daemonLog, n, Boolean(opts.follow));
    });
};
