import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Socket } from 'node:net';
import type { PeerBinary, PolicyDecision, PolicyEngine } from '../policy/engine-types.js';
import { peerBinaryOf, peerLabel } from './peer-binary.js';
import type { AuditLog } from './audit-log.js';
import type { HoldQueue, HoldRequest } from './hold-queue.js';
import type { Resolver } from './resolver.js';
import type { Refusal } from './refuse.js';
import { normalizePath, NORMALIZED_HINT } from './path-normalize.js';
import type { ApprovalItem } from '../protocol/approvals.js';

// One destination the proxy was asked to reach, after the trick checks.
export interface Destination {
  conn: number;
  scheme: 'connect' | 'http';
  host: string;
  port: number;
  isIp: boolean;
  method?: string;
  // Plain HTTP: already normalized by the caller (forward.ts), %2F kept encoded.
  path?: string;
  query?: string;
  // The client connection, for binaries[] attribution (looked up only when the policy has binaries).
  peer?: Socket;
  // The attributed binary, once looked up (kept for re-checks and inspected requests).
  binary?: PeerBinary | null;
}

// Admitted: the pinned address and who allowed it. `operator` marks a per-connection human decision
// (kept across policy reloads unless the new policy denies outright).
export type Admission =
  | { ok: true; ip: string; rule: string | null; by: string; operator: boolean; inspect?: boolean; websocket?: boolean; allowEncodedSlash?: boolean; deferred?: boolean }
  | { ok: false; refusal: Refusal };

const COMMON_PORTS = new Set([80, 443, 8080, 8443]);

// Risk hints shown next to a held item.
export const riskHints = (d: Destination, ip: string | null, seenBefore: boolean): ApprovalItem['risk'] => {
  const r: ApprovalItem['risk'] = [];
  if (d.isIp) r.push('ip-literal');
  if (ip && isIP(ip) && ipaddr.process(ip).range() !== 'unicast') r.push('private-address');
  if (!COMMON_PORTS.has(d.port)) r.push('unusual-port');
  if (!seenBefore && !d.isIp) r.push('new-domain');
  if (d.scheme === 'http') r.push('plain-http');
  return r;
};

// What would allow a refused destination, for the JSON body.
export const ruleHint = (d: Destination, ip: string | null, pd: PolicyDecision): string => {
  const closest = pd.closest ? ` (closest rule: ${pd.closest})` : '';
  if (pd.rule === 'private-address' && ip) {
    return `${ip} is a private/special address; allow it explicitly with allowed_ips: ["${ip}/32"] on an endpoint for ${d.host}:${d.port}${closest}`;
  }
  if (pd.binary && pd.rule) {
    return `only the binaries of ${pd.rule.replace(/\/endpoints\[\d+\]$/, '')} may use it; to allow this one, add its path to that entry's binaries (paths are /proc/<pid>/exe, symlinks resolved)`;
  }
  if (pd.rule && pd.rule !== 'default') return `rule ${pd.rule} decides this; change it in the policy file${closest}`;
  return `add an endpoint { host: ${d.host}, port: ${d.port} } under network_policies in the policy file${closest}`;
};

// Resolve → policy on name and address → grant / hold → audit line, written before the caller acts on it.
export class Admitter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly policy: PolicyEngine,
    private readonly queue: HoldQueue,
    private readonly audit: AuditLog,
    private readonly resolve: Resolver,
  ) {}

  // Evaluates every resolved address; the first allowed one is pinned. Used for admission and re-checks.
  evaluate(d: Destination, ips: string[]): { ip: string; decision: PolicyDecision } {
    let firstAsk: { ip: string; decision: PolicyDecision } | undefined;
    let first: { ip: string; decision: PolicyDecision } | undefined;
    for (const ip of ips) {
      let decision: PolicyDecision;
      try {
        decision = this.policy.decide({ host: d.host, port: d.port, ip, method: d.method, path: d.path, query: d.query, binary: d.binary });
      } catch (err) {
        decision = { verdict: 'deny', rule: null, reason: `policy error: ${(err as Error).message}`, audit: false, closest: null };
      }
      if (decision.verdict === 'allow' || (decision.verdict === 'deny' && decision.audit)) return { ip, decision };
      if (decision.verdict === 'ask') firstAsk ??= { ip, decision };
      first ??= { ip, decision };
    }
    return firstAsk ?? first!;
  }

  // Hands the admission of `d` to `then`: in this same tick when admitNow() can decide (a known address the
  // policy allows: the caller dials without a promise or microtask hop), else once admit() settles.
  decide(d: Destination, onHold: (cancel: () => void) => void, then: (a: Admission) => void, opts: { deferAsk?: boolean } = {}): void {
    const now = this.admitNow(d);
    if (now) return then(now);
    void this.admit(d, onHold, opts).then(then);
  }

  // admit() without the wait when there is nothing to wait for: the address is known now (IP literal, hosts file,
  // cached DNS answer), no peer lookup is needed and the policy allows. Same evaluation, same audit line written
  // before returning, no promise and no microtask hop before the caller dials. undefined = call admit().
  admitNow(d: Destination): Admission | undefined {
    if (d.peer && d.binary === undefined && this.policy.usesBinaries?.()) return undefined;
    const ips = d.isIp ? [d.host] : this.resolve.peek?.(d.host);
    if (!ips?.length) return undefined;
    const { ip, decision } = this.evaluate(d, ips);
    if (decision.verdict !== 'allow' && !decision.audit) return undefined;
    this.seen.add(d.host);
    return this.allowedByPolicy(d, d.binary !== undefined ? peerLabel(d.binary) : undefined, ip, decision);
  }

  // The audit line and the admission of a destination the policy allows (or only audits).
  private allowedByPolicy(d: Destination, binary: string | undefined, ip: string, decision: PolicyDecision): Admission {
    // Once per connection or plain request: one object literal, no copies.
    this.audit.write({
      conn: d.conn, host: d.host, port: d.port, scheme: d.scheme, method: d.method, path: d.path, binary,
      ip, verdict: decision.verdict, rule: decision.rule, reason: decision.reason,
      event: 'decision', outcome: 'allow', by: 'policy', audit_only: decision.audit ? true : undefined,
    });
    return { ok: true, ip, rule: decision.rule, by: 'policy', operator: false, inspect: decision.inspect, websocket: decision.websocket, allowEncodedSlash: decision.allowEncodedSlash };
  }

  // Decides one destination; `onHold` receives the cancel function while the operator is asked.
  // `deferAsk` (L7 "inspect unknown"): an ask is not held here but per request once TLS is inspected.
  async admit(d: Destination, onHold: (cancel: () => void) => void, opts: { deferAsk?: boolean } = {}): Promise<Admission> {
    let ips: string[];
    try {
      ips = d.isIp ? [d.host] : await this.resolve(d.host);
    } catch (err) {
      ips = [];
      void err;
    }
    if (d.peer && d.binary === undefined && this.policy.usesBinaries?.()) d.binary = await peerBinaryOf(d.peer);
    // `binary` undefined (no binaries[] in the policy) is left out of the JSON line.
    const binary = d.binary !== undefined ? peerLabel(d.binary) : undefined;
    const base = { conn: d.conn, host: d.host, port: d.port, scheme: d.scheme, method: d.method, path: d.path, binary };
    if (ips.length === 0) {
      this.audit.write({ ...base, event: 'decision', outcome: 'deny', by: 'resolver', rule: null, reason: 'name does not resolve', ip: null });
      return {
        ok: false,
        refusal: { status: 502, error: 'unresolvable', reason: `${d.host} does not resolve (hosts file, then DNS)`, rule_hint: `add "${d.host}" to the clawdeck hosts file if it is an internal name` },
      };
    }
    const seenBefore = this.seen.has(d.host);
    this.seen.add(d.host);
    const { ip, decision } = this.evaluate(d, ips);
    if (decision.verdict === 'allow' || decision.audit) return this.allowedByPolicy(d, binary, ip, decision);
    const line = { ...base, ip, verdict: decision.verdict, rule: decision.rule, reason: decision.reason };
    if (decision.verdict === 'deny') {
      this.audit.write({ ...line, event: 'decision', outcome: 'deny', by: 'policy' });
      return { ok: false, refusal: { status: 403, error: 'denied', reason: decision.reason, rule_hint: ruleHint(d, ip, decision) } };
    }
    let grant = this.queue.grantFor(d.host, d.port);
    // Plain HTTP under a path-scoped grant: the grant checks the (normalized) path, where an encoded slash is
    // refused as inside inspected TLS, before anything is held.
    if (!grant && d.scheme === 'http' && d.path !== undefined && this.queue.hasPathGrant(d.host, d.port)) {
      const n = normalizePath(d.path);
      if (!n.ok) {
        this.audit.write({ ...line, event: 'refused', outcome: 'deny', by: 'proxy', rule: n.error, reason: n.reason });
        return { ok: false, refusal: { status: 400, error: n.error, reason: n.reason, rule_hint: NORMALIZED_HINT } };
      }
      grant = this.queue.grantFor(d.host, d.port, n.path);
    }
    if (grant) {
      const rule = `approval:${grant.approval}/${grant.scope}`;
      this.audit.write({ ...line, event: 'decision', outcome: 'allow', by: grant.by, rule, approval: grant.approval });
      return { ok: true, ip, rule, by: grant.by, operator: true };
    }
    if (opts.deferAsk) {
      this.audit.write({ ...line, event: 'inspect', by: 'proxy', reason: 'unknown host: TLS inspected, each request asked with its method and path' });
      return { ok: true, ip, rule: decision.rule, by: 'proxy', operator: false, inspect: true, deferred: true };
    }
    const req: HoldRequest = {
      host: d.host,
      port: d.port,
      ip,
      scheme: d.scheme,
      method: d.method,
      path: d.path,
      closest: decision.closest,
      risk: riskHints(d, ip, seenBefore),
      ...(d.binary !== undefined ? { binary: peerLabel(d.binary) } : {}),
    };
    const held = this.queue.hold(req);
    this.audit.write({ ...line, event: 'held', approval: held.id });
    onHold(held.cancel);
    const o = await held.outcome;
    if (o.allow) {
      this.audit.write({ ...line, event: 'decision', outcome: 'allow', by: o.by, rule: `approval:${o.approval}/${o.scope}`, approval: o.approval });
      return { ok: true, ip, rule: `approval:${o.approval}/${o.scope}`, by: o.by, operator: true };
    }
    this.audit.write({ ...line, event: 'decision', outcome: 'deny', by: o.by, reason: o.reason, approval: o.approval });
    return {
      ok: false,
      refusal: o.timedOut
        ? {
            status: 403,
            error: 'awaiting_approval',
            reason: `${d.host}:${d.port} is awaiting operator approval (item ${o.approval}); ${o.reason}`,
            rule_hint: `approve it (clawdeck approvals allow ${o.approval}, or in the approvals pane) and retry; or ${ruleHint(d, ip, decision)}`,
          }
        : { status: 403, error: 'denied', reason: o.reason, rule_hint: ruleHint(d, ip, decision) },
    };
  }
}
