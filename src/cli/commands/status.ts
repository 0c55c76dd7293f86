import type { Command } from 'commander';
import { withDaemon } from '../connect.js';
import { printJson, table } from '../output.js';
import type { Status } from '../../protocol/status.js';

// Human summary of the status document; the JSON form is the contract.
export const formatStatus = (s: Status): string => {
  const rows: string[][] = [
    ['daemon', `pid ${s.daemon.pid}, v${s.daemon.version}, up ${Math.round(s.daemon.uptime_s)}s`],
    ['sandbox', `${s.sandbox.state}${s.sandbox.container ? ` (${s.sandbox.container})` : ''}${s.sandbox.detail ? ` — ${s.sandbox.detail}` : ''}`],
    ...(s.sandbox.image ? [['image', `${s.sandbox.image}${s.sandbox.image_digest ? ` ${s.sandbox.image_digest.slice(0, 19)}` : ''}`]] : []),
    ['proxy', s.proxy.listen ?? 'not listening'],
    ['inference', `${s.inference.listen ?? 'not listening'}, default ${s.inference.default_provider}`],
    ['policy', `${s.policy.file} ${s.policy.valid ? `valid, ${s.policy.rules} rules` : 'INVALID'}`],
    ['approvals', `${s.approvals.pending} pending`],
  ];
  const lc = s.inference.last_call;
  if (lc) rows.splice(4, 0, ['', `last call: ${lc.provider}/${lc.model} via rule ${lc.rule ?? '-'} (${lc.status}${lc.estimated ? ', estimated' : ''})${s.inference.budget_state && s.inference.budget_state !== 'ok' ? `; budget ${s.inference.budget_state}` : ''}`]);
  if (s.policy.last_error) {
    const w = s.policy.last_error.where?.[0];
    rows.push(['', `last error: ${w ? `${w.file}:${w.line}:${w.col}: ` : ''}${s.policy.last_error.message}`]);
  }
  const enf = s.enforcement.map((e) => [`  ${e.layer}`, `${e.state}: ${e.detail}`]);
  return table(rows) + (enf.length ? `\nenforcement (live probe):\n${table(enf)}` : '') + '\n';
};

export const registerStatus = (program: Command): void => {
  program
    .command('status')
    .description('show daemon, sandbox, proxy, inference, policy and enforcement state')
    .option('--json', 'print the status document as JSON')
    .action(async (opts: { json?: boolean }) => {
      const s = await withDaemon('status', (c) => c.request('status'));
      if (opts.json) printJson(s);
      else process.stdout.write(formatStatus(s));
    });
};
