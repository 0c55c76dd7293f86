import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { resolvePaths } from '../../config/paths.js';
import { ClawdeckError } from '../../protocol/errors.js';
import { parseSince, SINCE_HINT } from '../../config/duration.js';
import { formatAuditLine, readAuditLines } from '../../egress/audit-read.js';
import { printJson } from '../output.js';

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

// `logs --audit`: the last n audit entries (after --since), human or JSON.
const printAudit = (file: string, n: number, opts: { since?: string; json?: boolean }): void => {
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  if (opts.since !== undefined && since === undefined) throw new ClawdeckError('USAGE', `--since must be ${SINCE_HINT}, got "${opts.since}"`);
  const lines = readAuditLines(file, since).slice(-n || undefined);
  if (opts.json) return printJson(lines);
  process.stdout.write(lines.map(formatAuditLine).join('\n') + (lines.length ? '\n' : ''));
};

export const registerLogs = (program: Command): void => {
  program
    .command('logs')
    .description("show the daemon's log")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many lines from the end', '100')
    .option('--audit', 'the egress audit log instead (every allow/deny/ask decision)')
    .option('--since <when>', 'with --audit: only entries since <when>: a duration back (10m, 24h) or a time (2026-12-07, 2026-12-07T09:30:00Z)')
    .option('--json', 'with --audit: the entries as a JSON array')
    .action(async (opts: { follow?: boolean; lines: string; audit?: boolean; since?: string; json?: boolean }) => {
      const n = Number(opts.lines);
      if (!Number.isInteger(n) || n < 0) throw new ClawdeckError('USAGE', `--lines must be a whole number, got "${opts.lines}"`);
      if (opts.audit && !opts.follow) return printAudit(resolvePaths().auditLog, n, opts);
      await tail(opts.audit ? resolvePaths().auditLog : resolvePaths().daemonLog, n, Boolean(opts.follow));
    });
};
