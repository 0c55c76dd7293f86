import { describe, it, expect, vi, afterEach } from 'vitest';
import { HoldQueue, patternCovers, wildcardFor, type HoldRequest } from '../../../src/egress/hold-queue.js';
import { TestPolicy } from '../../helpers/egress.js';
import type { ApprovalItem } from '../../../src/protocol/approvals.js';

const req = (host = 'api.example.com', port = 443): HoldRequest => ({ host, port, ip: '93.184.216.34', scheme: 'connect', closest: null, risk: ['new-domain'] });

const make = (o: { holdTimeoutMs?: number; now?: () => number } = {}) => {
  const policy = new TestPolicy();
  const published: ApprovalItem[][] = [];
  const resolved: { id: string; by: string; released: number }[] = [];
  const news: ApprovalItem[] = [];
  const q = new HoldQueue({
    holdTimeoutMs: o.holdTimeoutMs ?? 60_000,
    policy,
    onChange: (items) => published.push(items),
    onNew: (i) => news.push(i),
    onResolved: (i, _d, by, released) => resolved.push({ id: i.id, by, released }),
    now: o.now,
  });
  return { q, policy, published, resolved, news };
};

afterEach(() => vi.useRealTimers());

describe('HoldQueue', () => {
  it('coalesces identical requests into one item and counts hits; different ports get their own item', () => {
    const { q, news } = make();
    const a = q.hold(req());
    const b = q.hold(req());
    const c = q.hold(req('api.example.com', 8443));
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(q.list().find((i) => i.id === a.id)?.hits).toBe(2);
    expect(news).toHaveLength(2);
  });

  it('allow once releases the current waiters only; the next request asks again', async () => {
    const { q } = make();
    const h = q.hold(req());
    expect(await q.decide(h.id, { action: 'allow', scope: 'once' }, 'op')).toEqual({ released: 1 });
    expect(await h.outcome).toMatchObject({ allow: true, by: 'op', scope: 'once' });
    expect(q.grantFor('api.example.com', 443)).toBeUndefined();
  });

  it('allow for the session grants host:port until the queue closes', async () => {
    const { q } = make();
    const h = q.hold(req());
    await q.decide(h.id, { action: 'allow', scope: 'session' }, 'op');
    expect(q.grantFor('api.example.com', 443)).toMatchObject({ scope: 'session', by: 'op' });
    expect(q.grantFor('api.example.com', 80)).toBeUndefined();
    expect(q.grantFor('other.example.com', 443)).toBeUndefined();
    q.close();
    expect(q.grantFor('api.example.com', 443)).toBeUndefined();
  });

  it('a timed allow expires after its ttl', async () => {
    let now = 1_000_000;
    const { q } = make({ now: () => now });
    const h = q.hold(req());
    await q.decide(h.id, { action: 'allow', scope: 'timed', ttl_ms: 600_000 }, 'op');
    now += 599_999;
    expect(q.grantFor('api.example.com', 443)).toMatchObject({ scope: 'timed' });
    now += 2;
    expect(q.grantFor('api.example.com', 443)).toBeUndefined();
  });

  it('the whole-domain choice grants *.example.com', async () => {
    const { q } = make();
    const h = q.hold(req('api.example.com'));
    await q.decide(h.id, { action: 'allow', scope: 'session', wildcard: true }, 'op');
    expect(q.grantFor('cdn.example.com', 443)).toMatchObject({ pattern: '*.example.com' });
    expect(q.grantFor('example.com', 443)).toBeDefined();
    expect(q.grantFor('example.org', 443)).toBeUndefined();
  });

  it('allow always writes a stamped rule through the policy before releasing', async () => {
    const { q, policy } = make();
    const h = q.hold(req());
    await q.decide(h.id, { action: 'allow', scope: 'always', wildcard: true }, 'cli:alice');
    expect(policy.added).toEqual([expect.objectContaining({ host: '*.example.com', port: 443, action: 'allow', approved_by: 'cli:alice' })]);
    expect(await h.outcome).toMatchObject({ allow: true });
  });

  it('deny always writes a deny rule; deny once does not', async () => {
    const { q, policy } = make();
    const a = q.hold(req('a.example.com'));
    await q.decide(a.id, { action: 'deny', scope: 'once' }, 'op');
    expect(await a.outcome).toMatchObject({ allow: false, timedOut: false });
    const b = q.hold(req('b.example.com'));
    await q.decide(b.id, { action: 'deny', scope: 'always' }, 'op');
    expect(policy.added).toEqual([expect.objectContaining({ host: 'b.example.com', action: 'deny' })]);
  });

  it('times out each waiter after the hold timeout with an awaiting-approval outcome (fake timers)', async () => {
    vi.useFakeTimers();
    const { q, resolved } = make({ holdTimeoutMs: 120_000 });
    const h = q.hold(req());
    vi.advanceTimersByTime(119_999);
    expect(q.pending).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await h.outcome).toMatchObject({ allow: false, timedOut: true, by: 'timeout' });
    expect(q.pending).toBe(0);
    expect(resolved).toEqual([{ id: h.id, by: 'timeout', released: 1 }]);
  });

  it('drops an item when its last waiter goes away, and refuses unknown ids', async () => {
    const { q } = make();
    const h = q.hold(req());
    h.cancel();
    expect(q.pending).toBe(0);
    await expect(q.decide(h.id, { action: 'allow', scope: 'once' }, 'op')).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
  });

  it('closing fails every waiter closed and approves nothing', async () => {
    const { q } = make();
    const h = q.hold(req());
    q.close();
    expect(await h.outcome).toMatchObject({ allow: false, by: 'daemon' });
    expect(await q.hold(req()).outcome).toMatchObject({ allow: false });
  });
});

describe('wildcards', () => {
  it('widens to the parent domain and matches subdomains', () => {
    expect(wildcardFor('api.example.com')).toBe('*.example.com');
    expect(wildcardFor('example.com')).toBe('*.example.com');
    expect(patternCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(patternCovers('*.example.com', 'badexample.com')).toBe(false);
  });
});

describe('HoldQueue: inspected requests (L7)', () => {
  const https = (path: string, method = 'GET'): HoldRequest => ({ ...req(), scheme: 'https', method, path, bodyBytes: 5 });

  it('items carry method, path and body size; different paths are different items, same path coalesces', () => {
    const { q } = make();
    const a = q.hold(https('/v1/a'));
    const b = q.hold(https('/v1/a'));
    const c = q.hold(https('/v1/b'));
    const d = q.hold(https('/v1/a', 'POST'));
    expect(a.id).toBe(b.id);
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
    expect(q.list().find((i) => i.id === a.id)).toMatchObject({ scheme: 'https', method: 'GET', path: '/v1/a', body_bytes: 5 });
  });

  it('a path-scoped session grant covers only requests under the prefix, never a whole CONNECT tunnel', async () => {
    const { q } = make();
    const h = q.hold(https('/v1/a'));
    await q.decide(h.id, { action: 'allow', scope: 'session', path_prefix: '/v1' }, 'test');
    expect((await h.outcome).allow).toBe(true);
    expect(q.grantFor('api.example.com', 443, '/v1')).toBeDefined();
    expect(q.grantFor('api.example.com', 443, '/v1/x/y')).toBeDefined();
    expect(q.grantFor('api.example.com', 443, '/v10')).toBeUndefined();
    expect(q.grantFor('api.example.com', 443, '/v2')).toBeUndefined();
    expect(q.grantFor('api.example.com', 443)).toBeUndefined();
  });

  it('an "always" allow with a path prefix writes a path-scoped rule', async () => {
    const { q, policy } = make();
    const h = q.hold(https('/v1/a'));
    await q.decide(h.id, { action: 'allow', scope: 'always', path_prefix: '/v1' }, 'test');
    expect(policy.added[0]).toMatchObject({ host: 'api.example.com', port: 443, action: 'allow', path_prefix: '/v1' });
  });
});
