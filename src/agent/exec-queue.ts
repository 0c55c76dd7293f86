import type { ApprovalDecision, ApprovalItem } from '../protocol/approvals.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { ExecDecision } from './exec-approvals.js';

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

// One pending OpenClaw exec request, as the queue keeps it.
interface Pending {
  item: ApprovalItem;
  allowed: string[] | null;
  timer: NodeJS.Timeout;
}

// OpenClaw's exec.approval.requested payload ({id, request:{command, cwd, sessionKey, runId, toolCallId…}, createdAtMs,
// expiresAtMs}) → a queue item. `timeoutMs` is clawdeck's answer window (agent.exec_approvals.timeout); `chatText`
// gives the user message of the run when the daemon sent it. Null when the payload has no id or command.
export const execItemFrom = (payload: unknown, timeoutMs: number, chatText?: (runId: string) => string | undefined): ApprovalItem | null => {
  const p = rec(payload);
  const r = rec(p.request);
  const id = str(p.id);
  const command = str(r.command) ?? (Array.isArray(r.commandArgv) ? r.commandArgv.map(String).join(' ') : null);
  if (!id || !command) return null;
  const created = typeof p.createdAtMs === 'number' ? p.createdAtMs : Date.now();
  const ours = created + timeoutMs;
  const expires = typeof p.expiresAtMs === 'number' ? Math.min(p.expiresAtMs, ours) : ours;
  const runId = str(r.runId);
  const said = runId ? chatText?.(runId) : undefined;
  const cause = [
    runId ? `chat run ${runId}${said ? ` ("${said.length > 120 ? `${said.slice(0, 117)}...` : said}")` : ''}` : null,
    str(r.toolCallId) ? `exec tool call ${str(r.toolCallId)}` : null,
    str(r.agentId) && r.agentId !== 'main' ? `agent ${str(r.agentId)}` : null,
  ].filter(Boolean);
  return {
    id,
    kind: 'exec',
    created_at: new Date(created).toISOString(),
    hits: 1,
    host: null,
    port: null,
    ip: null,
    scheme: null,
    method: null,
    path: null,
    closest_rule: null,
    risk: [],
    command,
    cwd: str(r.cwd),
    session: str(r.sessionKey),
    cause: cause.length ? cause.join(', ') : null,
    expires_at: new Date(expires).toISOString(),
  };
};

// clawdeck's decision → OpenClaw's. Scopes that mean nothing for a command (session, timed, domain, path) are usage errors.
export const execDecisionFor = (d: ApprovalDecision): ExecDecision => {
  if (d.action === 'deny') {
    if (d.scope === 'always') {
      throw new ClawdeckError('USAGE', 'an exec request can only be denied once (OpenClaw has no "deny always" for commands)', {
        hint: 'deny it without --always; to block a command for good, leave it off the allowlist (exec_approvals mode ask/allowlist)',
      });
    }
    return 'deny';
  }
  const extra = d.wildcard ? '--domain' : d.path_prefix !== undefined ? '--path-prefix' : null;
  if (extra) throw new ClawdeckError('USAGE', `${extra} applies to egress items only, not to exec requests`, { hint: 'allow an exec request with --scope once or --scope always' });
  if (d.scope === 'once') return 'allow-once';
  if (d.scope === 'always') return 'allow-always';
  throw new ClawdeckError('USAGE', `scope "${d.scope}" applies to egress items only; an exec request is allowed once or always`, {
    hint: 'clawdeck approvals allow ID (once) or clawdeck approvals allow ID --scope always (adds it to OpenClaw\'s allowlist)',
  });
};

// What the queue needs from the agent service and the daemon.
export interface ExecQueueOptions {
  timeoutMs: number;
  publish(items: ApprovalItem[]): void;
  onNew(item: ApprovalItem): void;
  onResolved(item: ApprovalItem, decision: ExecDecision | string, by: string): void;
  // exec.approval.resolve through the gateway.
  resolve(id: string, decision: ExecDecision): Promise<unknown>;
  chatText?: (runId: string) => string | undefined;
}

// OpenClaw's pending exec approvals mirrored for clawdeck's queue: added on requested (and replay), removed on
// resolved (here, elsewhere, or after replay no longer lists them); denied when nobody answers in time.
export class ExecQueue {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly opts: ExecQueueOptions) {}

  get items(): ApprovalItem[] {
    return [...this.pending.values()].map((p) => p.item);
  }

  requested(payload: unknown): void {
    this.add(payload);
    this.publish();
  }

  // exec.approval.resolved: decided anywhere (this daemon, OpenClaw's UI, another client, its own expiry).
  resolved(payload: unknown): void {
    const p = rec(payload);
    const id = str(p.id);
    if (!id || !this.pending.has(id)) return;
    const item = this.drop(id)!;
    this.publish();
    this.opts.onResolved(item, String(p.decision ?? 'resolved'), str(p.resolvedBy) ?? 'openclaw');
  }

  // exec.approval.list after a (re)connect: the full pending set; anything else was resolved while we were away.
  replay(list: unknown): void {
    const r = rec(list);
    const rows: unknown[] = Array.isArray(list) ? list : Array.isArray(r.approvals) ? r.approvals : Array.isArray(r.items) ? r.items : Array.isArray(r.pending) ? r.pending : [];
    const ids = new Set(rows.map((x) => str(rec(x).id)).filter((x): x is string => x !== null));
    for (const id of [...this.pending.keys()]) {
      if (!ids.has(id)) {
        const item = this.drop(id)!;
        this.opts.onResolved(item, 'resolved', 'openclaw');
      }
    }
    for (const row of rows) this.add(row);
    this.publish();
  }

  async decide(id: string, decision: ApprovalDecision, by: string): Promise<{ released: number }> {
    const e = this.pending.get(id);
    if (!e) throw new ClawdeckError('APPROVAL_NOT_FOUND', `no pending exec approval with id "${id}"`);
    const d = execDecisionFor(decision);
    if (e.allowed && !e.allowed.includes(d)) {
      throw new ClawdeckError('USAGE', `OpenClaw does not offer "${d}" for this command (offered: ${e.allowed.join(', ')})`);
    }
    try {
      await this.opts.resolve(id, d);
    } catch (err) {
      throw new ClawdeckError('EXEC_APPROVAL_FAILED', `OpenClaw refused exec.approval.resolve for ${id}: ${err instanceof Error ? err.message : String(err)}`, {
        hint: 'It may have expired or been decided elsewhere; list the queue with: clawdeck approvals list',
        cause: err,
      });
    }
    // The gateway's exec.approval.resolved may come before or after this; whichever is first removes it.
    if (this.pending.has(id)) {
      this.drop(id);
      this.publish();
      this.opts.onResolved(e.item, d, by);
    }
    return { released: 1 };
  }

  // Daemon stop: forget everything (OpenClaw keeps its own record; its ask fallback applies).
  close(): void {
    for (const id of [...this.pending.keys()]) this.drop(id);
    this.publish();
  }

  private add(payload: unknown): void {
    const item = execItemFrom(payload, this.opts.timeoutMs, this.opts.chatText);
    if (!item || this.pending.has(item.id)) return;
    const allowedRaw = rec(rec(payload).request).allowedDecisions;
    const ms = Math.max(0, Date.parse(item.expires_at!) - Date.now());
    const timer = setTimeout(() => void this.expire(item.id), ms);
    timer.unref();
    this.pending.set(item.id, { item, allowed: Array.isArray(allowedRaw) ? allowedRaw.map(String) : null, timer });
    this.opts.onNew(item);
  }

  // Nobody answered in time: deny it at OpenClaw (the agent is told) and drop it here either way.
  private async expire(id: string): Promise<void> {
    const e = this.pending.get(id);
    if (!e) return;
    await this.opts.resolve(id, 'deny').catch(() => undefined);
    if (this.pending.has(id)) {
      this.drop(id);
      this.publish();
      this.opts.onResolved(e.item, 'deny', 'timeout');
    }
  }

  private drop(id: string): ApprovalItem | undefined {
    const e = this.pending.get(id);
    if (!e) return undefined;
    clearTimeout(e.timer);
    this.pending.delete(id);
    return e.item;
  }

  private publish(): void {
    this.opts.publish(this.items);
  }
}
