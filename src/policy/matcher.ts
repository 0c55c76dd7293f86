import type { EgressRequest, PolicyDecision } from './engine-types.js';
import { inCidrs, parseAddress, restrictedClass } from './address.js';
import type { CompiledEndpoint, CompiledMatch, CompiledPolicy } from './compile.js';
import { lenientPath, servletPath } from './path-readings.js';
import { normalizeHost } from './host-pattern.js';
import { binaryAllowed, describeBinary } from './binary-match.js';

// Endpoints whose host selector covers `host`: one map lookup plus one trie walk over its labels.
export const candidatesFor = (c: CompiledPolicy, host: string): CompiledEndpoint[] => {
  const exact = c.exact.get(host);
  let out: CompiledEndpoint[] | undefined;
  let node = c.trie;
  let end = host.length;
  const firstDot = host.indexOf('.');
  // Walk labels right to left; after each step, host[0, end) is what is left of the matched suffix.
  for (;;) {
    const dot = host.lastIndexOf('.', end - 1);
    if (dot < 0) break;
    const next = node.children.get(host.slice(dot + 1, end));
    if (!next) break;
    node = next;
    end = dot;
    if (node.many.length) (out ??= []).push(...node.many);
    if (firstDot >= end) {
      if (node.one.length) (out ??= []).push(...node.one);
      if (node.globs.length) {
        const left = host.slice(0, end);
        for (const g of node.globs) if (g.re.test(left)) (out ??= []).push(g.ep);
      }
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

const decision = (verdict: PolicyDecision['verdict'], rule: string | null, reason: string, closest: string | null = null, audit = false): PolicyDecision => ({
  verdict,
  rule,
  reason,
  audit,
  closest,
});

// Per-request L7 facts, built once per decision.
interface L7 {
  on: boolean;
  method: string;
  path: string;
  rawQuery: string | undefined;
  query: Map<string, string[]> | undefined;
  // The path as servlet containers and case-insensitive servers read it (path-readings.ts), made when first needed.
  readings: { servlet: string; lenient: string } | undefined;
}

const readingsOf = (r: L7): { servlet: string; lenient: string } => {
  if (r.readings) return r.readings;
  const servlet = servletPath(r.path);
  return (r.readings = { servlet, lenient: lenientPath(servlet) });
};

const queryOf = (r: L7): Map<string, string[]> => (r.query ??= parseQuery(r.rawQuery));

// `deny`: the clause is a deny rule, so it matches every reading an upstream may make of the request: the path also
// as a servlet container and a case-insensitive server read it, and a repeated query key when any of its values
// matches. An allow clause matches only when every reading is allowed: each value of a repeated key must match
// (servers differ on which one they use: PHP the last, Java the first).
const matchesL7 = (m: CompiledMatch, r: L7, deny = false): boolean => {
  if (m.methods && !m.methods.has(r.method)) return false;
  if (m.path && !m.path.test(r.path)) {
    if (!deny) return false;
    const { servlet, lenient } = readingsOf(r);
    if (!(servlet !== r.path && m.path.test(servlet)) && !m.pathFolded!.test(lenient)) return false;
  }
  if (m.query) {
    const q = queryOf(r);
    for (const { key, values } of m.query) {
      const got = q.get(key);
      const matches = (v: string): boolean => values.some((re) => re.test(v));
      if (!got || !(deny ? got.some(matches) : got.every(matches))) return false;
    }
  }
  return true;
};

const applies = (ep: CompiledEndpoint, r: L7): boolean => !r.on || ep.selector === null || ep.selector.test(r.path);

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
  // `named`: endpoints for this host and port; `live`: those whose allowed_ips also admit a restricted address.
  // Deny rules come from `named` (an address never exempts a host from a deny); allows only from `live`.
  // An endpoint whose entry lists binaries matches only connections from one of them (OpenShell's binaries[]);
  // `binaryMiss` remembers the first one passed over, for the refusal.
  const named: CompiledEndpoint[] = [];
  const live: CompiledEndpoint[] = [];
  let binaryMiss: CompiledEndpoint | undefined;
  for (const ep of byHost) {
    if (!ep.ports.has(req.port)) continue;
    if (ep.expiresAt !== null && ep.expiresAt <= now) continue;
    if (ep.binaries && !binaryAllowed(ep.binaries, req.binary)) {
      binaryMiss ??= ep;
      continue;
    }
    named.push(ep);
    if (restricted && !(ep.allowedIps && addr && inCidrs(addr, ep.allowedIps))) continue;
    live.push(ep);
  }
  if (addr && c.hostless.length) {
    for (const ep of c.hostless) {
      if (ep.ports.has(req.port) && (ep.expiresAt === null || ep.expiresAt > now) && inCidrs(addr, ep.allowedIps!)) {
        if (ep.binaries && !binaryAllowed(ep.binaries, req.binary)) {
          binaryMiss ??= ep;
          continue;
        }
        named.push(ep);
        live.push(ep);
      }
    }
  }

  const r: L7 = {
    on: req.method !== undefined || req.path !== undefined,
    method: req.method === undefined ? 'GET' : req.method.toUpperCase(),
    path: req.path ?? '/',
    rawQuery: req.query,
    query: undefined,
    readings: undefined,
  };

  // Deny first: an outright deny, or (for requests) a matching deny rule.
  let auditDeny: PolicyDecision | undefined;
  for (const ep of named) {
    if (!applies(ep, r)) continue;
    let hit = ep.totalDeny;
    if (!hit && r.on) for (const d of ep.denies) if (matchesL7(d, r, true)) hit = true;
    if (!hit) continue;
    const reason = ep.totalDeny ? `rule ${ep.id} denies ${host}` : `deny rule in ${ep.id} matches ${r.method} ${r.path}`;
    if (!ep.audit) return decision('deny', ep.id, reason);
    auditDeny ??= decision('allow', ep.id, `${reason} (enforcement: audit, let through)`, null, true);
  }
  if (auditDeny) return auditDeny;

  if (!live.length && binaryMiss && !named.length) {
    const seen = describeBinary(req.binary);
    const allowed = binaryMiss.binaries!.paths;
    const reason = `binary ${seen} may not reach ${host}:${req.port}: ${binaryMiss.id} allows only ${allowed.join(', ')}`;
    const d = binaryMiss.audit
      ? decision('allow', binaryMiss.id, `${reason} (enforcement: audit, let through)`, null, true)
      : decision('deny', binaryMiss.id, reason, binaryMiss.id);
    d.binary = { seen, allowed };
    return d;
  }
  if (!live.length) {
    const closest = closestFor(c, host, byHost);
    if (restricted && addr && c.unknownHosts === 'ask' && inCidrs(addr, c.askPrivate)) {
      return decision('ask', 'default', `no rule allows ${host}:${req.port}; ${ipText} is ${restricted} (asked: clawdeck.ask_private)`, closest);
    }
    if (restricted) {
      return decision('deny', 'private-address', `${host} resolves to ${ipText} (${restricted}); only a rule that lists it in allowed_ips may reach it`, closest);
    }
    return decision(c.unknownHosts, 'default', `no rule allows ${host}:${req.port}`, closest);
  }

  let refusedBy: CompiledEndpoint | undefined;
  for (const ep of live) {
    if (!applies(ep, r)) continue;
    let ok = !r.on || ep.allows === null;
    if (!ok) for (const a of ep.allows!) if (matchesL7(a, r)) ok = true;
    if (ok) {
      const d = decision('allow', ep.id, `allowed by ${ep.id}`);
      if (!ep.tlsOff && (ep.protocol === 'rest' || ep.protocol === 'websocket' || ep.allows !== null || ep.denies.length > 0)) d.inspect = true;
      if (ep.protocol === 'websocket') d.websocket = true;
      if (ep.encodedSlash) d.allowEncodedSlash = true;
      return d;
    }
    refusedBy ??= ep;
  }
  const by = refusedBy ?? live[0]!;
  const reason = `${r.method} ${r.path} on ${host}:${req.port} is not in the allow rules of ${by.id}`;
  if (by.audit) return decision('allow', by.id, `${reason} (enforcement: audit, let through)`, null, true);
  return decision('deny', by.id, reason, by.id);
};
