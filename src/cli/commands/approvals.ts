import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { withDaemon } from '../connect.js';
import { printJson, table } from '../output.js';
import { ClawdeckError } from '../../protocol/errors.js';
import { parseDuration } from '../../config/duration.js';
import { approvalItemSchema, type ApprovalDecision, type ApprovalItem } from '../../protocol/approvals.js';

const who = (): string => `cli:${userInfo().username}`;

const age = (iso: string): string => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
};

const target = (i: ApprovalItem): string =>
  i.kind === 'exec' ? (i.command ?? '') : `${i.scheme ?? ''} ${i.host ?? ''}:${i.port ?? ''}${i.path ? ` ${i.method ?? ''} ${i.path}` : ''}${typeof i.body_bytes === 'number' && i.body_bytes > 0 ? ` (${i.body_bytes} B body)` : ''}${i.binary ? ` by ${i.binary}` : ''}`;

// One line per item for humans (watch) and the rows of `approvals list`.
const row = (i: ApprovalItem): string[] => [i.id, i.kind, target(i), i.ip ?? '-', age(i.created_at), String(i.hits), i.risk.join(',') || '-', i.closest_rule ?? '-'];
const HEADER = ['ID', 'KIND', 'TARGET', 'IP', 'WAITING', 'HITS', 'RISK', 'CLOSEST RULE'];

// "once" | "session" | "always" | a duration ("10m") → the protocol's allow decision.
export const parseAllowScope = (scope: string, domain: boolean): ApprovalDecision => {
  const wildcard = domain ? { wildcard: true } : {};
  if (scope === 'once' || scope === 'session' || scope === 'always') return { action: 'allow', scope, ...wildcard };
  const ms = parseDuration(scope);
  if (ms === undefined || ms <= 0) {
    throw new ClawdeckError('USAGE', `--scope must be once, session, always or a duration like 10m, got "${scope}"`);
  }
  return { action: 'allow', scope: 'timed', ttl_ms: ms, ...wildcard };
};

const decide = async (id: string, decision: ApprovalDecision, json: boolean): Promise<void> => {
  const r = await withDaemon('cli-approvals', (c) => c.request('approvals.decide', { id, decision, by: who() }));
  if (json) return printJson({ id, decision, ...r });
  const scope = decision.action === 'allow' && decision.scope === 'timed' ? `for ${Math.round(decision.ttl_ms! / 1000)}s` : decision.scope;
  process.stdout.write(`${decision.action === 'allow' ? 'allowed' : 'denied'} ${id} (${scope}${'wildcard' in decision && decision.wildcard ? ', whole domain' : ''}); released ${r.released} waiting request(s)\n`);
};

// Streams new queue items until --count items were seen (exit 0) or --timeout passed (exit 1).
const watch = async (opts: { json?: boolean; timeout?: string; count?: string }): Promise<void> => {
  const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout);
  if (opts.timeout !== undefined && timeoutMs === undefined) throw new ClawdeckError('USAGE', `--timeout must be a duration like 60s, got "${opts.timeout}"`);
  const count = opts.count === undefined ? undefined : Number(opts.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new ClawdeckError('USAGE', `--count must be a positive whole number, got "${opts.count}"`);
  await withDaemon('cli-approvals-watch', async (c) => {
    let seen = 0;
    const printed = new Set<string>();
    let finish!: (err?: Error) => void;
    const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
    const show = (i: ApprovalItem): void => {
      if (printed.has(i.id)) return;
      printed.add(i.id);
      if (opts.json) process.stdout.write(JSON.stringify(i) + '\n');
      else process.stdout.write(table([row(i)]) + '\n');
      if (count !== undefined && ++seen >= count) finish();
    };
    c.onEvent((event, data) => {
      if (event !== 'approval.new') return;
      const p = approvalItemSchema.safeParse(data);
      if (p.success) show(p.data);
    });
    c.onClose(() => finish(new ClawdeckError('DAEMON_GONE', 'the daemon closed the connection')));
    await c.request('subscribe');
    // Items already waiting count too: a script that starts watching late still sees them.
    for (const i of await c.request('approvals.list')) show(i);
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => finish(new ClawdeckError('APPROVALS_WATCH_TIMEOUT', `no${seen ? ' more' : ''} approval items within ${opts.timeout} (saw ${seen})`)), timeoutMs);
    try {
      await done;
    } finally {
      clearTimeout(timer);
    }
  });
};

// `clawdeck approvals list|allow|deny|watch`: the approval queue for scripts.
export const registerApprovals = (program: Command): void => {
  const cmd = program.command('approvals').description('the approval queue: held egress connections (and exec requests)');
  cmd
    .command('list')
    .description('pending items')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const items = await withDaemon('cli-approvals', (c) => c.request('approvals.list'));
      if (opts.json) return printJson(items);
      if (items.length === 0) return void process.stdout.write('nothing is waiting for approval\n');
      process.stdout.write(table([HEADER, ...items.map(row)]) + '\n');
    });
  cmd
    .command('allow <id>')
    .description('allow a held item (egress connection or exec request)')
    .option('--scope <scope>', 'once | session | <duration, e.g. 10m> | always (egress: written to the policy file; exec: once or always = OpenClaw allowlist)', 'once')
    .option('--domain', 'widen to the whole domain (*.example.com)')
    .option('--path-prefix <prefix>', 'requests held with a path (plain HTTP, inspected HTTPS): allow just paths under this prefix (e.g. /v1), never a whole tunnel')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { scope: string; domain?: boolean; pathPrefix?: string; json?: boolean }) => {
      if (opts.pathPrefix !== undefined && !opts.pathPrefix.startsWith('/')) throw new ClawdeckError('USAGE', `--path-prefix must start with /, got "${opts.pathPrefix}"`);
      const d = parseAllowScope(opts.scope, Boolean(opts.domain));
      await decide(id, opts.pathPrefix !== undefined && d.action === 'allow' ? { ...d, path_prefix: opts.pathPrefix } : d, Boolean(opts.json));
    });
  cmd
    .command('deny <id>')
    .description('deny a held item (egress: 403 to every waiter; exec: the command does not run)')
    .option('--always', 'also write a deny rule into the policy file')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { always?: boolean; json?: boolean }) => {
      await decide(id, { action: 'deny', scope: opts.always ? 'always' : 'once' }, Boolean(opts.json));
    });
  cmd
    .command('exec-allowlist')
    .description("commands OpenClaw runs without asking (its exec allowlist; 'allow --scope always' on an exec item adds one)")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const entries = await withDaemon('cli-approvals', (c) => c.request('approvals.exec_allowlist'));
      if (opts.json) return printJson(entries);
      if (entries.length === 0) return void process.stdout.write("OpenClaw's exec allowlist is empty\n");
      const rows = entries.map((e) => [e.id, e.agent, e.pattern, e.arg_pattern ?? '-', e.last_used_command ?? '-', e.source ?? '-']);
      process.stdout.write(table([['ID', 'AGENT', 'EXECUTABLE', 'ARGS', 'LAST COMMAND', 'SOURCE'], ...rows]) + '\n');
    });
  cmd
    .command('exec-revoke <id>')
    .description("remove one entry from OpenClaw's exec allowlist (the command is asked about again)")
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const r = await withDaemon('cli-approvals', (c) => c.request('approvals.exec_revoke', { id }));
      if (opts.json) return printJson({ id, ...r });
      process.stdout.write(`revoked ${id}\n`);
    });
  cmd
    .command('watch')
    .description('stream items as they arrive (pending ones first); exits 1 when --timeout passes')
    .option('--json', 'one JSON object per line')
    .option('--timeout <duration>', 'give up after this long, e.g. 60s')
    .option('--count <n>', 'exit 0 after this many items')
    .action(watch);
};
