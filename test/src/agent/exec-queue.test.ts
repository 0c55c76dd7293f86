import { describe, it, expect } from 'vitest';
import { execDecisionFor, execItemFrom, ExecQueue } from '../../../src/agent/exec-queue.js';
import { approvalItemSchema, type ApprovalItem } from '../../../src/protocol/approvals.js';
import type { ExecDecision } from '../../../src/agent/exec-approvals.js';
import { waitFor } from '../../helpers/home.js';

const payload = (id: string, command: string, extra: Record<string, unknown> = {}) => ({
  id,
  request: { command, cwd: '/sandbox/work', sessionKey: 'agent:main:main', runId: 'run-1', toolCallId: 'call-7', agentId: 'main', ...extra },
  createdAtMs: Date.parse('2026-11-25T11:00:00Z'),
  expiresAtMs: Date.parse('2026-11-25T11:30:00Z'),
});

const make = (timeoutMs = 60_000, resolveFails = false) => {
  const published: ApprovalItem[][] = [];
  const news: ApprovalItem[] = [];
  const resolved: { id: string; decision: string; by: string }[] = [];
  const sent: { id: string; decision: ExecDecision }[] = [];
  const q = new ExecQueue({
    timeoutMs,
    publish: (items) => published.push(items),
    onNew: (i) => news.push(i),
    onResolved: (i, decision, by) => resolved.push({ id: i.id, decision, by }),
    resolve: async (id, decision) => {
      sent.push({ id, decision });
      if (resolveFails) throw new Error('unknown or expired approval id');
    },
    chatText: (runId) => (runId === 'run-1' ? 'please list the files' : undefined),
  });
  return { q, published, news, resolved, sent, last: () => published.at(-1) ?? [] };
};

describe('execItemFrom', () => {
  it('maps OpenClaw exec.approval.requested to a valid exec queue item with command, cwd, session and cause', () => {
    const item = execItemFrom(payload('a1', 'ls -la /tmp'), 120_000, () => 'please list the files')!;
    expect(approvalItemSchema.parse(item)).toEqual(item);
    expect(item).toMatchObject({
      id: 'a1',
      kind: 'exec',
      command: 'ls -la /tmp',
      cwd: '/sandbox/work',
      session: 'agent:main:main',
      created_at: '2026-11-25T11:00:00.000Z',
      // clawdeck's 120 s window is shorter than OpenClaw's 30 min expiry
      expires_at: '2026-11-25T11:02:00.000Z',
      host: null,
    });
    expect(item.cause).toBe('chat run run-1 ("please list the files"), exec tool call call-7');
  });

  it('falls back to argv, keeps OpenClaw expiry when it is earlier, and refuses payloads without id or command', () => {
    const item = execItemFrom({ id: 'b', request: { commandArgv: ['echo', 'hi'] }, createdAtMs: 0, expiresAtMs: 5_000 }, 60_000)!;
    expect(item.command).toBe('echo hi');
    expect(item.expires_at).toBe(new Date(5_000).toISOString());
    expect(item.cause).toBeNull();
    expect(execItemFrom({ request: { command: 'x' } }, 1000)).toBeNull();
    expect(execItemFrom({ id: 'c', request: {} }, 1000)).toBeNull();
  });
});

describe('execDecisionFor', () => {
  it('maps once/always/deny and rejects egress-only scopes with a usage error', () => {
    expect(execDecisionFor({ action: 'allow', scope: 'once' })).toBe('allow-once');
    expect(execDecisionFor({ action: 'allow', scope: 'always' })).toBe('allow-always');
    expect(execDecisionFor({ action: 'deny', scope: 'once' })).toBe('deny');
    for (const d of [
      { action: 'allow', scope: 'session' },
      { action: 'allow', scope: 'timed', ttl_ms: 1000 },
      { action: 'allow', scope: 'once', wildcard: true },
      { action: 'allow', scope: 'once', path_prefix: '/v1' },
      { action: 'deny', scope: 'always' },
    ] as const) {
      expect(() => execDecisionFor(d)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });
});

describe('ExecQueue', () => {
  it('adds on requested, removes on resolved elsewhere, ignores duplicates and unknown ids', () => {
    const { q, news, resolved, last } = make();
    q.requested(payload('a1', 'ls'));
    q.requested(payload('a1', 'ls'));
    q.requested(payload('a2', 'pwd'));
    expect(last().map((i) => i.id)).toEqual(['a1', 'a2']);
    expect(news.map((i) => i.id)).toEqual(['a1', 'a2']);
    q.resolved({ id: 'zz', decision: 'deny' });
    q.resolved({ id: 'a1', decision: 'allow-once', resolvedBy: 'control-ui' });
    expect(last().map((i) => i.id)).toEqual(['a2']);
    expect(resolved).toEqual([{ id: 'a1', decision: 'allow-once', by: 'control-ui' }]);
    q.close();
  });

  it('replay rebuilds the pending set: drops what was resolved meanwhile, adds what is new', () => {
    const { q, news, resolved, last } = make();
    q.requested(payload('a1', 'ls'));
    q.requested(payload('a2', 'pwd'));
    q.replay([payload('a2', 'pwd'), payload('a3', 'whoami')]);
    expect(last().map((i) => i.id)).toEqual(['a2', 'a3']);
    expect(news.map((i) => i.id)).toEqual(['a1', 'a2', 'a3']);
    expect(resolved.map((r) => r.id)).toEqual(['a1']);
    q.replay({ approvals: [] });
    expect(last()).toEqual([]);
    q.close();
  });

  it('decide sends the mapped decision through the gateway and removes the item once', async () => {
    const { q, sent, resolved, last } = make();
    q.requested(payload('a1', 'ls'));
    await expect(q.decide('a1', { action: 'allow', scope: 'always' }, 'cli:me')).resolves.toEqual({ released: 1 });
    expect(sent).toEqual([{ id: 'a1', decision: 'allow-always' }]);
    expect(last()).toEqual([]);
    // the gateway's own exec.approval.resolved arriving afterwards changes nothing
    q.resolved({ id: 'a1', decision: 'allow-always' });
    expect(resolved).toEqual([{ id: 'a1', decision: 'allow-always', by: 'cli:me' }]);
    await expect(q.decide('a1', { action: 'deny', scope: 'once' }, 'x')).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
  });

  it('a usage error or a gateway refusal leaves the item waiting', async () => {
    const { q, sent, last } = make(60_000, true);
    q.requested(payload('a1', 'ls', { allowedDecisions: ['allow-once', 'deny'] }));
    await expect(q.decide('a1', { action: 'allow', scope: 'session' }, 'x')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(q.decide('a1', { action: 'allow', scope: 'always' }, 'x')).rejects.toMatchObject({ code: 'USAGE' });
    expect(sent).toEqual([]);
    await expect(q.decide('a1', { action: 'allow', scope: 'once' }, 'x')).rejects.toMatchObject({ code: 'EXEC_APPROVAL_FAILED' });
    expect(last().map((i) => i.id)).toEqual(['a1']);
    q.close();
  });

  it('denies at OpenClaw when nobody answers within the timeout', async () => {
    const { q, sent, resolved, last } = make(50);
    q.requested({ ...payload('a1', 'ls'), createdAtMs: Date.now(), expiresAtMs: Date.now() + 60_000 });
    await waitFor(() => resolved.length === 1, 'timeout deny', 5_000);
    expect(sent).toEqual([{ id: 'a1', decision: 'deny' }]);
    expect(resolved).toEqual([{ id: 'a1', decision: 'deny', by: 'timeout' }]);
    expect(last()).toEqual([]);
  });
});
