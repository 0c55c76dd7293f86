import type { EgressRequest, PolicyDecision } from './engine-types.js';
import { inCidrs, parseAddress, restrictedClass } from './address.js';
import type { CompiledEndpoint, CompiledMatch, CompiledPolicy } from './compile.js';
import { normalizeHost } from './host-pattern.js';

// Endpoints whose host selector covers `host`: one map lookup plus one trie walk over its labels.
export const candidatesFor = (c: CompiledPolicy, host: string): CompiledEndpoint[] => {
  const exact = c.exact.get(host);
  let out: CompiledEndpoint[] | undefined;
  let node = c.trie;
  let end = host.length;
  // Walk labels right to left; `remaining` = labels still to the left of this node.
  for (;;) {
    const dot = host.lastIndexOf('.', end - 1);
    if (dot < 0) break;
    const next = node.children.get(host.slice(dot + 1, end));
    if (!next) break;
    node = next;
    end = dot;
    const left = host.slice(0, end);
    const single = !left.includes('.');
    if (node.many.length) (out ??= []).push(...node.many);
    if (single) {
      if (node.one.length) (out ??= []).push(...node.one);
      for (const g of node.globs) if (g.re.test(left)) (out ??= []).push(g.ep);
    }
  }
  if (!out) return exact ?? [];
  return exact ? [...exact, ...out] : out;
};

const parseQuery = (q: string | undefined): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  if (!q) return m;
  for (const [k, v] of new URLSearchParams(q.startsWith('?') ? q.slice(1) : q)) {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
};

const matches = (m: CompiledMatch, method: string, path: string, query: () => Map<string, string[]>): boolean => {
  if (m.methods && !m.methods.has(method)) return false;
  if (m.path && !m.path.test(path)) return false;
  if (m.query) {
    const q = query();
    for (const { key, values } of m.query) {
      const got = q.get(key);
      if (!got || !got.some((v) => values.some((re) => re.test(v)))) return false;
    }
  }
  return true;
};

const decision = (verdict: PolicyDecision['verdict'], rule: string | null, reason: string, extra: Partial<PolicyDecision> = {}): PolicyDecision => ({
  verdict,
  rule,
  reason,
  audit: false,
  closest: null,
  ...extra,
});

// The nearest rule for a hint: same host on another port, else a rule under a parent domain.
const closestFor = (c: CompiledPolicy, host: string, sameHost: CompiledEndpoint[]): string | null => {
  if (sameHost.length) return sameHost[0]!.id;
  let i = host.indexOf('.');
  while (i >= 0) {
    const id = c.suffixes.get(host.slice(i + 1));
    if (id) return id;
    i = host.indexOf('.', i + 1);
  }
  return null;
};

// Decides one connection or request. Deny beats allow; restricted addresses need allowed_ips; unknown → default.
export const decide = (c: CompiledPolicy, req: EgressRequest, now = Date.now()): PolicyDecision => {
  const host = normalizeHost(req.host);
  const ipText = req.ip ?? (parseAddress(host) ? host : undefined);
  const addr = ipText === undefined ? undefined : parseAddress(ipText);
  const restricted = addr ? restrictedClass(addr) : null;

  const byHost = candidatesFor(c, host);
  const live: CompiledEndpoint[] = [];
  for (const ep of byHost) {
    if (!ep.ports.has(req.port)) continue;
    if (ep.expiresAt !== null && ep.expiresAt <= now) continue;
    if (restricted && !(ep.allowedIps && addr && inCidrs(addr, ep.allowedIps))) continue;
    live.push(ep);
  }
  if (addr && c.hostless.length) {
    for (const ep of c.hostless) {
      if (ep.ports.has(req.port) && (ep.expiresAt === null || ep.expiresAt > now) && inCidrs(addr, ep.allowedIps!)) live.push(ep);
    }
  }

  if (!live.length) {
    const closest = closestFor(c, host, byHost);
    if (restricted) {
      return decision('deny', 'private-address', `${host} resolves to ${ipText} (${restricted}); only a rule that lists it in allowed_ips may reach it`, { closest });
    }
    return decision(c.unknownHosts, 'default', `no rule allows ${host}:${req.port}`, { closest });
  }

  const l7 = req.method !== undefined || req.path !== undefined;
  const method = (req.method ?? 'GET').toUpperCase();
  const path = req.path ?? '/';
  let q: Map<string, string[]> | undefined;
  const query = (): Map<string, string[]> => (q ??= parseQuery(req.query));
  const applies = (ep: CompiledEndpoint): boolean => !l7 || ep.selector === null || ep.selector.test(path);

  // Deny first: an outright deny, or (for requests) a matching deny rule.
  let auditDeny: PolicyDecision | undefined;
  for (const ep of live) {
    if (!applies(ep)) continue;
    const hit = ep.totalDeny || (l7 && ep.denies.some((d) => matches(d, method, path, query)));
    if (!hit) continue;
    const reason = ep.totalDeny ? `rule ${ep.id} denies ${host}` : `deny rule in ${ep.id} matches ${method} ${path}`;
    if (!ep.audit) return decision('deny', ep.id, reason);
    auditDeny ??= decision('allow', ep.id, `${reason} (enforcement: audit, let through)`, { audit: true });
  }
  if (auditDeny) return auditDeny;

  let refusedBy: CompiledEndpoint | undefined;
  for (const ep of live) {
    if (!applies(ep)) continue;
    if (!l7 || ep.allows === null || ep.allows.some((a) => matches(a, method, path, query))) {
      const inspect = ep.allows !== null || ep.denies.length > 0;
      return decision('allow', ep.id, `allowed by ${ep.id}`, inspect ? { inspect } : {});
    }
    refusedBy ??= ep;
  }
  const by = refusedBy ?? live[0]!;
  const reason = `${method} ${path} on ${host}:${req.port} is not in the allow rules of ${by.id}`;
  if (by.audit) return decision('allow', by.id, `${reason} (enforcement: audit, let through)`, { audit: true });
  return decision('deny', by.id, reason, { closest: by.id });
};
