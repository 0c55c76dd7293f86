import { randomBytes } from 'node:crypto';
import type { ApprovalDecision, ApprovalItem } from '../protocol/approvals.js';
import type { PolicyEngine } from '../policy/engine-types.js';
import { ClawdeckError } from '../protocol/errors.js';
import { normalizePath } from './path-normalize.js';

type Risk = ApprovalItem['risk'][number];

// What the proxy wants decided: one held connection or request.
export interface HoldRequest {
  host: string;
  port: number;
  ip: string | null;
  scheme: 'connect' | 'http' | 'https';
  method?: string;
  path?: string;
  // Inspected HTTPS requests: request body size (content-length; null when chunked/unknown).
  bodyBytes?: number | null;
  closest: string | null;
  risk: Risk[];
  // binaries[] attribution of the connection, when it was looked up.
  binary?: string;
}

// How a hold ended, for the proxy and the audit line.
export type HoldOutcome =
  | { allow: true; by: string; scope: string; approval: string }
  | { allow: false; by: string; reason: string; timedOut: boolean; approval: string };

// A standing permission from an earlier decision (session, timed, wildcard).
export interface Grant {
  pattern: string;
  port: number;
  scope: 'session' | 'timed';
  expires: number | null;
  by: string;
  approval: string;
  // Set by a path-scoped allow: covers only requests (inspected HTTPS or plain HTTP) whose normalized path lies
  // under it, never whole tunnels.
  pathPrefix?: string;
}

// Whether a request path lies under a prefix ("/v1" covers /v1 and /v1/…, not /v10).
export const underPrefix = (path: string, prefix: string): boolean => {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return p === '' || path === p || path.startsWith(`${p}/`);
};

interface Waiter {
  resolve: (o: HoldOutcome) => void;
  // Plain HTTP: this request's path (one item holds every path asked for on host:port).
  path?: string;
  timer: NodeJS.Timeout;
  deadline: number;
}

interface Entry {
  item: ApprovalItem;
  key: string;
  req: HoldRequest;
  waiters: Set<Waiter>;
}

export interface HoldQueueOptions {
  holdTimeoutMs: number;
  policy: PolicyEngine;
  // Called whenever the pending list changes (publish to the snapshot).
  onChange: (items: ApprovalItem[]) => void;
  onNew: (item: ApprovalItem) => void;
  onResolved: (item: ApprovalItem, decision: ApprovalDecision | { action: 'deny'; scope: 'timeout' | 'shutdown' }, by: string, released: number) => void;
  now?: () => number;
}

// "*.example.com" for api.example.com (and for example.com itself): the explicit widen-to-domain choice.
export const wildcardFor = (host: string): string => {
  const labels = host.split('.');
  return `*.${labels.length > 2 ? labels.slice(1).join('.') : host}`;
};

// Whether a grant pattern (exact host or *.domain) covers host.
export const patternCovers = (pattern: string, host: string): boolean => {
  if (!pattern.startsWith('*.')) return pattern === host;
  const dom = pattern.slice(2);
  return host === dom || host.endsWith(`.${dom}`);
};

// Whether a held plain HTTP request's raw path is covered by a path grant: only a path that normalizes
// (no encoded slash, dot segment, ...) and lies under the prefix at a segment boundary.
const coveredBy = (raw: string | undefined, prefix: string): boolean => {
  if (raw === undefined) return false;
  const n = normalizePath(raw);
  return n.ok && underPrefix(n.path, prefix);
};

// The hold-and-ask queue: coalesces identical requests, holds each waiter until a decision or its timeout,
// and keeps session/timed grants. Nothing here survives the daemon: after a restart everything asks again.
export class HoldQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  private grants: Grant[] = [];
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: HoldQueueOptions) {
    this.now = opts.now ?? Date.now;
  }

  // Whether a live path-scoped grant exists for host:port (plain HTTP normalizes and looks up a path only then).
  hasPathGrant(host: string, port: number): boolean {
    const t = this.now();
    return this.grants.some((g) => g.pathPrefix !== undefined && g.port === port && (g.expires === null || g.expires > t) && patternCovers(g.pattern, host));
  }

  // A live grant covering host:port, if any (expired timed grants are dropped here).
  // `path` (a normalized request path) also matches path-scoped grants; without it only unscoped grants count.
  grantFor(host: string, port: number, path?: string): Grant | undefined {
    const t = this.now();
    this.grants = this.grants.filter((g) => g.expires === null || g.expires > t);
    return this.grants.find(
      (g) => g.port === port && patternCovers(g.pattern, host) && (g.pathPrefix === undefined || (path !== undefined && underPrefix(path, g.pathPrefix))),
    );
  }

  get pending(): number {
    return this.entries.size;
  }

  list(): ApprovalItem[] {
    return [...this.entries.values()].map((e) => e.item);
  }

  // Holds one request; identical pending requests share one item. `cancel` withdraws this waiter.
  hold(req: HoldRequest): { id: string; outcome: Promise<HoldOutcome>; cancel: () => void } {
    if (this.closed) {
      return { id: '', outcome: Promise.resolve({ allow: false, by: 'daemon', reason: 'the daemon is stopping', timedOut: false, approval: '' }), cancel: () => {} };
    }
    // Inspected requests coalesce per method+path, so the operator decides what is actually asked for.
    const key = `${req.scheme}|${req.host}:${req.port}${req.scheme === 'https' ? `|${req.method} ${req.path}` : ''}`;
    let entry = this.entries.get(key);
    const created = !entry;
    if (!entry) {
      const id = randomBytes(4).toString('hex');
      entry = {
        key,
        req,
        waiters: new Set(),
        item: {
          id,
          kind: 'egress',
          created_at: new Date(this.now()).toISOString(),
          hits: 0,
          host: req.host,
          port: req.port,
          ip: req.ip,
          scheme: req.scheme,
          method: req.method ?? null,
          path: req.path ?? null,
          ...(req.bodyBytes !== undefined ? { body_bytes: req.bodyBytes } : {}),
          closest_rule: req.closest,
          risk: req.risk,
          ...(req.binary !== undefined ? { binary: req.binary } : {}),
          command: null,
          cwd: null,
          session: null,
          cause: null,
          expires_at: null,
        },
      };
      this.entries.set(key, entry);
      this.byId.set(id, entry);
    }
    const e = entry;
    const deadline = this.now() + this.opts.holdTimeoutMs;
    let waiter!: Waiter;
    const outcome = new Promise<HoldOutcome>((resolve) => {
      waiter = {
        deadline,
        resolve,
        ...(req.scheme === 'http' && req.path !== undefined ? { path: req.path } : {}),
        timer: setTimeout(() => this.timeout(e, waiter), this.opts.holdTimeoutMs),
      };
    });
    waiter.timer.unref();
    e.waiters.add(waiter);
    e.item = { ...e.item, hits: e.item.hits + 1, expires_at: new Date(deadline).toISOString() };
    if (created) this.opts.onNew(e.item);
    this.publish();
    const cancel = (): void => {
      if (!e.waiters.delete(waiter)) return;
      clearTimeout(waiter.timer);
      if (e.waiters.size === 0) this.remove(e);
      this.publish();
    };
    return { id: e.item.id, outcome, cancel };
  }

  // Applies the operator's decision to an item; resolves once "always" rules are written and in force.
  async decide(id: string, decision: ApprovalDecision, by: string): Promise<{ released: number }> {
    const e = this.byId.get(id);
    if (!e) {
      throw new ClawdeckError('APPROVAL_NOT_FOUND', `no pending approval with id "${id}"`, {
        hint: 'It may have been decided or timed out already; list the queue with: clawdeck approvals list',
      });
    }
    const { host, port } = e.req;
    const pattern = decision.action === 'allow' && decision.wildcard ? wildcardFor(host) : host;
    const pathPrefix = decision.action === 'allow' ? decision.path_prefix : undefined;
    if (decision.action === 'allow' && decision.scope === 'timed' && !decision.ttl_ms) {
      throw new ClawdeckError('USAGE', 'a timed allow needs ttl_ms', { hint: 'e.g. --scope 10m' });
    }
    if (decision.scope === 'always') {
      await this.opts.policy.addRule({
        host: pattern,
        port,
        action: decision.action,
        approved_by: by,
        comment: `approval ${id} (${e.req.scheme} ${host}:${port}${e.req.method ? ` ${e.req.method} ${e.req.path}` : ''})`,
        ...(pathPrefix ? { path_prefix: pathPrefix } : {}),
        ...(e.req.risk.includes('private-address') && e.req.ip ? { allowed_ips: [`${e.req.ip}/${e.req.ip.includes(':') ? 128 : 32}`] } : {}),
      });
    } else if (decision.action === 'allow' && (decision.scope === 'session' || decision.scope === 'timed')) {
      this.grants.push({
        pattern,
        port,
        scope: decision.scope,
        expires: decision.scope === 'timed' ? this.now() + decision.ttl_ms! : null,
        by,
        approval: id,
        ...(pathPrefix ? { pathPrefix } : {}),
      });
    }
    const outcome: HoldOutcome =
      decision.action === 'allow'
        ? { allow: true, by, scope: decision.scope + (decision.wildcard ? '+domain' : ''), approval: id }
        : { allow: false, by, reason: `denied by ${by} (${decision.scope})`, timedOut: false, approval: id };
    // A plain HTTP item holds every path asked for on host:port: a path-scoped allow releases only the
    // requests under the prefix; the others stay held as a new item, asked again with their own path.
    if (pathPrefix && e.req.scheme === 'http') {
      const uncovered = [...e.waiters].filter((w) => !coveredBy(w.path, pathPrefix));
      if (uncovered.length > 0) {
        const covered = [...e.waiters].filter((w) => !uncovered.includes(w));
        for (const w of covered) {
          clearTimeout(w.timer);
          e.waiters.delete(w);
          w.resolve(outcome);
        }
        const item = e.item;
        this.byId.delete(id);
        const nid = randomBytes(4).toString('hex');
        const first = uncovered[0]!;
        const deadline = Math.max(...uncovered.map((w) => w.deadline));
        e.item = { ...item, id: nid, created_at: new Date(this.now()).toISOString(), hits: uncovered.length, path: first.path ?? null, expires_at: new Date(deadline).toISOString() };
        this.byId.set(nid, e);
        this.opts.onResolved(item, decision, by, covered.length);
        this.opts.onNew(e.item);
        this.publish();
        return { released: covered.length };
      }
    }
    // The item may have been withdrawn while the rule was being written.
    const released = e.waiters.size;
    this.settle(e, outcome);
    this.opts.onResolved(e.item, decision, by, released);
    return { released };
  }

  // Fail closed: every waiter is denied; nothing carries over.
  close(): void {
    this.closed = true;
    for (const e of [...this.entries.values()]) {
      const item = e.item;
      const n = e.waiters.size;
      this.settle(e, { allow: false, by: 'daemon', reason: 'the daemon is stopping', timedOut: false, approval: item.id });
      this.opts.onResolved(item, { action: 'deny', scope: 'shutdown' }, 'daemon', n);
    }
    this.grants = [];
  }

  private timeout(e: Entry, w: Waiter): void {
    if (!e.waiters.delete(w)) return;
    w.resolve({
      allow: false,
      by: 'timeout',
      reason: `awaiting approval: no decision within ${Math.round(this.opts.holdTimeoutMs / 1000)}s`,
      timedOut: true,
      approval: e.item.id,
    });
    if (e.waiters.size === 0) {
      this.remove(e);
      this.opts.onResolved(e.item, { action: 'deny', scope: 'timeout' }, 'timeout', 1);
    }
    this.publish();
  }

  private settle(e: Entry, o: HoldOutcome): void {
    for (const w of e.waiters) {
      clearTimeout(w.timer);
      w.resolve(o);
    }
    e.waiters.clear();
    this.remove(e);
    this.publish();
  }

  private remove(e: Entry): void {
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    this.byId.delete(e.item.id);
  }

  private publish(): void {
    this.opts.onChange(this.list());
  }
}
