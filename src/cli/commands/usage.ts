import type { Command } from 'commander';
import { Option } from 'commander';
import { withDaemon } from '../connect.js';
import { printJson, table } from '../output.js';
import { ClawdeckError } from '../../protocol/errors.js';

const money = (n: number): string => (n > 0 && n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const cap = (v: string): number | null => {
  if (v === 'none' || v === 'off') return null;
  const n = Number(v.replace(/^\$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new ClawdeckError('USAGE', `"${v}" is not a number (or "none")`);
  return n;
};

// `clawdeck usage` (token and cost totals from the ledger) and `clawdeck budget` (caps, applied at once).
export const registerUsage = (program: Command): void => {
  program
    .command('usage')
    .description('inference tokens and cost from the usage ledger (~ = estimated: the provider sent no usage)')
    .option('--since <when>', 'only calls since <when>: a duration back (24h, 7d) or a time (2026-12-01, 2026-12-07T09:30:00Z)')
    .addOption(new Option('--by <key>', 'group rows by').choices(['model', 'day', 'provider', 'rule']).default('model'))
    .option('--json', 'print as JSON')
    .action(async (o: { since?: string; by: 'model' | 'day' | 'provider' | 'rule'; json?: boolean }) => {
      const r = await withDaemon('usage', (c) => c.request('usage.query', { by: o.by, ...(o.since ? { since: o.since } : {}) }));
      if (o.json) return printJson(r);
      const est = (e: boolean): string => (e ? '~' : '');
      const rows = [[o.by.toUpperCase(), 'CALLS', 'IN', 'OUT', 'CACHED', 'COST', 'ERRORS', 'REFUSED']];
      for (const x of [...r.rows, r.total]) {
        rows.push([x.key, String(x.calls), `${est(x.estimated)}${x.tokens_in}`, `${est(x.estimated)}${x.tokens_out}`, String(x.cached_tokens), money(x.cost), String(x.errors), String(x.refused)]);
      }
      const b = r.budget;
      const budget = b.reason ? `budget: ${b.state} — ${b.reason}` : `budget: ${b.state}`;
      process.stdout.write(`${table(rows)}\n${r.total.estimated ? '~ estimated (provider sent no usage)\n' : ''}${budget}\n`);
    });

  const budget = program.command('budget').description('inference spend caps: at the warn threshold a banner, at the cap HTTP 429');
  budget
    .command('set')
    .description('set caps (a number, or "none" to clear); applies to the running daemon at once and is saved to config.yaml')
    .option('--daily-cost <usd>', 'dollars per local day')
    .option('--daily-tokens <n>', 'tokens (in+out) per local day')
    .option('--session-cost <usd>', 'dollars per daemon session')
    .option('--session-tokens <n>', 'tokens per daemon session')
    .option('--warn-at <fraction>', 'warn at this used fraction, 0..1 (default 0.8)')
    .option('--json', 'print the budget as JSON')
    .action(async (o: { dailyCost?: string; dailyTokens?: string; sessionCost?: string; sessionTokens?: string; warnAt?: string; json?: boolean }) => {
      const params: Record<string, number | null> = {};
      if (o.dailyCost !== undefined) params.daily_cost = cap(o.dailyCost);
      if (o.dailyTokens !== undefined) params.daily_tokens = cap(o.dailyTokens);
      if (o.sessionCost !== undefined) params.session_cost = cap(o.sessionCost);
      if (o.sessionTokens !== undefined) params.session_tokens = cap(o.sessionTokens);
      if (o.warnAt !== undefined) params.warn_at = cap(o.warnAt);
      if (Object.keys(params).length === 0) throw new ClawdeckError('USAGE', 'give at least one cap, e.g. --daily-cost 5', { hint: 'clawdeck budget set --help' });
      const r = await withDaemon('budget', (c) => c.request('budget.set', params as never));
      if (o.json) return printJson(r);
      const show = (v: number | null, unit: 'usd' | 'tok'): string => (v === null ? 'none' : unit === 'usd' ? money(v) : String(v));
      process.stdout.write(
        `daily ${show(r.daily_cost, 'usd')} / ${show(r.daily_tokens, 'tok')} tokens, session ${show(r.session_cost, 'usd')} / ${show(r.session_tokens, 'tok')} tokens, warn at ${Math.round(r.warn_at * 100)}%\n` +
          `state: ${r.state}${r.reason ? ` — ${r.reason}` : ''}\n`,
      );
    });
  budget
    .command('show')
    .description('show caps and where spend stands')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await withDaemon('budget', (c) => c.request('usage.query', { by: 'model', since: '1d' }));
      if (o.json) return printJson(r.budget);
      const b = r.budget;
      process.stdout.write(`daily_cost ${b.daily_cost ?? 'none'}  daily_tokens ${b.daily_tokens ?? 'none'}  session_cost ${b.session_cost ?? 'none'}  session_tokens ${b.session_tokens ?? 'none'}  warn_at ${b.warn_at}\nstate: ${b.state}${b.reason ? ` — ${b.reason}` : ''}\n`);
    });
};
