import { describe, it, expect } from 'vitest';
import { SnapshotStore } from '../../../src/daemon/store.js';
import { initialSnapshot } from '../../../src/daemon/initial-snapshot.js';
import { resolvePaths } from '../../../src/config/paths.js';
import { configSchema } from '../../../src/config/schema.js';
import { approvalRegistry } from '../../../src/daemon/approval-registry.js';
import type { DaemonContext } from '../../../src/daemon/context.js';
import type { ApprovalDecision, ApprovalItem } from '../../../src/protocol/approvals.js';

const item = (id: string, kind: 'egress' | 'exec', at: string): ApprovalItem => ({
  id, kind, created_at: at, hits: 1, host: kind === 'egress' ? 'example.com' : null, port: null, ip: null, scheme: null, method: null,
  path: null, closest_rule: null, risk: [], command: kind === 'exec' ? 'ls' : null, cwd: null, session: null, cause: null, expires_at: null,
});

// A daemon context with the real snapshot store; the socket server is reduced to its handler table.
const makeCtx = () => {
  const handlers = new Map<string, (p: unknown, c: { name: string }) => unknown>();
  const status: Record<string, unknown> = {};
  const store = new SnapshotStore(initialSnapshot(resolvePaths({ CLAWDECK_HOME: '/x' }), configSchema.parse({}), true, new Date()), 100);
  const ctx = {
    store,
    server: { handle: (m: string, fn: (p: unknown, c: { name: string }) => unknown) => handlers.set(m, fn) },
    setStatus: (k: string, v: unknown) => (status[k] = v),
  } as unknown as DaemonContext;
  return { ctx, handlers, status, store };
};

describe('approval registry (one queue for egress and exec)', () => {
  it('merges both kinds oldest first into store.approvals and status.approvals.pending', () => {
    const { ctx, store, status } = makeCtx();
    const reg = approvalRegistry(ctx);
    expect(approvalRegistry(ctx)).toBe(reg);
    const egress = reg.source('egress', async () => ({ released: 0 }));
    const exec = reg.source('exec', async () => ({ released: 1 }));
    egress.publish([item('e1', 'egress', '2026-01-01T00:00:02Z')]);
    exec.publish([item('x1', 'exec', '2026-01-01T00:00:01Z'), item('x2', 'exec', '2026-01-01T00:00:03Z')]);
    expect(store.current.approvals.map((i) => i.id)).toEqual(['x1', 'e1', 'x2']);
    expect(status.approvals).toEqual({ pending: 3 });
    exec.publish([]);
    expect(store.current.approvals.map((i) => i.id)).toEqual(['e1']);
    expect(status.approvals).toEqual({ pending: 1 });
  });

  it('approvals.decide goes to the owner of the id; unknown ids are APPROVAL_NOT_FOUND', async () => {
    const { ctx, handlers } = makeCtx();
    const reg = approvalRegistry(ctx);
    const calls: string[] = [];
    reg.source('egress', async (id, d: ApprovalDecision, by) => (calls.push(`egress ${id} ${d.action} ${by}`), { released: 2 })).publish([item('e1', 'egress', '2026-01-01T00:00:00Z')]);
    reg.source('exec', async (id, d, by) => (calls.push(`exec ${id} ${d.action} ${by}`), { released: 1 })).publish([item('x1', 'exec', '2026-01-01T00:00:00Z')]);
    const decide = handlers.get('approvals.decide')!;
    await expect(decide({ id: 'x1', decision: { action: 'deny', scope: 'once' } }, { name: 'tui' })).resolves.toEqual({ released: 1 });
    await expect(decide({ id: 'e1', decision: { action: 'allow', scope: 'once' }, by: 'cli:me' }, { name: 'cli' })).resolves.toEqual({ released: 2 });
    expect(calls).toEqual(['exec x1 deny operator:tui', 'egress e1 allow cli:me']);
    await expect(decide({ id: 'nope', decision: { action: 'deny', scope: 'once' } }, { name: 'tui' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    expect((handlers.get('approvals.list')!(undefined, { name: 't' }) as ApprovalItem[]).map((i) => i.id)).toEqual(['e1', 'x1']);
  });

  it('fills an empty cause through the explainer and keeps a cause the owner set', () => {
    const { ctx, store } = makeCtx();
    const reg = approvalRegistry(ctx);
    reg.setExplainer((i) => (i.host === 'example.com' ? 'web_fetch tool call c1' : null));
    reg.source('egress', async () => ({ released: 0 })).publish([item('e1', 'egress', '2026-01-01T00:00:00Z')]);
    reg.source('exec', async () => ({ released: 1 })).publish([{ ...item('x1', 'exec', '2026-01-01T00:00:01Z'), cause: 'chat run r1' }]);
    expect(store.current.approvals.map((i) => i.cause)).toEqual(['web_fetch tool call c1', 'chat run r1']);
  });
});
