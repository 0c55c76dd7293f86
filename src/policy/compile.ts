import { parseDuration } from '../config/duration.js';
import { parseCidr, type Cidr } from './address.js';
import { ACCESS_METHODS, globToRegExp } from './glob.js';
import { compileBinaries, type BinaryMatcher } from './binary-match.js';
import { parseHostPattern, type HostPattern } from './host-pattern.js';
import type { Endpoint, PolicyFile, RuleMatch } from './schema.js';

// One compiled L7 clause: null fields match anything.
export interface CompiledMatch {
  methods: ReadonlySet<string> | null;
  path: RegExp | null;
  // The same glob case-insensitively, for the lenient reading of a path a deny rule is checked against.
  pathFolded: RegExp | null;
  query: Array<{ key: string; values: RegExp[] }> | null;
}

// One endpoint, ready for O(1) checks; `id` is what decisions, the TUI and the CLI call it.
export interface CompiledEndpoint {
  id: string;
  policy: string;
  host: string | null;
  ports: ReadonlySet<number>;
  allowedIps: Cidr[] | null;
  audit: boolean;
  // null = every method/path (no L7 restriction); otherwise any clause must match.
  allows: CompiledMatch[] | null;
  denies: CompiledMatch[];
  // A deny rule covering every method and path: the endpoint refuses the host outright (also at connection level).
  totalDeny: boolean;
  selector: RegExp | null;
  expiresAt: number | null;
  // L7 (egress inspection): `protocol` as written; tlsOff = tls: skip/passthrough (plain tunnel, no inspection).
  protocol: string | null;
  tlsOff: boolean;
  // allow_encoded_slash: %2F in request paths is accepted (kept encoded) instead of refused.
  encodedSlash: boolean;
  // The entry's binaries[]: null = every binary; otherwise only connections from a listed binary match.
  binaries: BinaryMatcher | null;
}

// The TUI/CLI view of one endpoint (disabled and expired ones included).
export interface RuleView {
  id: string;
  policy: string;
  host: string;
  ports: number[];
  action: 'allow' | 'deny' | 'l7';
  enabled: boolean;
  expires: string | null;
  comment: string | null;
  approved_by: string | null;
  // The entry's binaries[] as written; null = every binary.
  binaries: string[] | null;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  one: CompiledEndpoint[];
  many: CompiledEndpoint[];
  globs: Array<{ re: RegExp; ep: CompiledEndpoint }>;
}

// The compiled index: exact-host map, reversed-label trie for wildcards, hostless address rules.
export interface CompiledPolicy {
  exact: Map<string, CompiledEndpoint[]>;
  trie: TrieNode;
  hostless: CompiledEndpoint[];
  // Parent domain → some rule under it, for the "closest rule" hint.
  suffixes: Map<string, string>;
  unknownHosts: 'ask' | 'deny';
  // clawdeck.ask_private: restricted addresses that are held for the operator rather than refused.
  askPrivate: Cidr[];
  rules: RuleView[];
  // Earliest future expiry (ms since epoch), so the engine can re-notify when a rule lapses.
  nextExpiry: number | null;
  // Some enabled endpoint is restricted to binaries: the proxy must attribute connections.
  usesBinaries: boolean;
}

const newNode = (): TrieNode => ({ children: new Map(), one: [], many: [], globs: [] });

const compileMatch = (m: RuleMatch): CompiledMatch => {
  const path = m.path === undefined || m.path === '**' || m.path === '/**' ? null : globToRegExp(m.path);
  return {
    methods: m.method === undefined || m.method === '*' ? null : new Set([m.method.toUpperCase()]),
    path,
    pathFolded: path && new RegExp(path.source, 'i'),
    query: m.query
      ? Object.entries(m.query).map(([key, v]) => ({ key, values: (typeof v === 'string' ? [v] : v.any).map(globToRegExp) }))
      : null,
  };
};

const expiryOf = (e: { expires?: string | Date | undefined; ttl?: string | number | undefined; approved_at?: string | Date | undefined }): number | null => {
  const times: number[] = [];
  if (e.expires !== undefined) times.push(new Date(e.expires).getTime());
  if (e.ttl !== undefined && e.approved_at !== undefined) times.push(new Date(e.approved_at).getTime() + (parseDuration(e.ttl) ?? 0));
  return times.length ? Math.min(...times) : null;
};

const compileEndpoint = (key: string, i: number, e: Endpoint, policyExpiry: number | null, binaries: BinaryMatcher | null): { ep: CompiledEndpoint; pattern: HostPattern | null } => {
  let allows: CompiledMatch[] | null = null;
  if (e.rules) allows = e.rules.map((r) => compileMatch(r.allow));
  else if (e.access === 'read-only' || e.access === 'read-write') allows = [{ methods: ACCESS_METHODS[e.access], path: null, pathFolded: null, query: null }];
  const denies = (e.deny_rules ?? []).map(compileMatch);
  const own = expiryOf(e);
  const expiresAt = own === null ? policyExpiry : policyExpiry === null ? own : Math.min(own, policyExpiry);
  const parsed = e.host === undefined ? undefined : parseHostPattern(e.host);
  const pattern = parsed?.ok ? parsed.pattern : null;
  const ep: CompiledEndpoint = {
    id: `${key}/endpoints[${i}]`,
    policy: key,
    host: pattern ? (pattern.kind === 'exact' ? pattern.host : [pattern.firstText, ...pattern.rest].join('.')) : null,
    ports: new Set(e.ports ?? (e.port === undefined ? [] : [e.port])),
    allowedIps: e.allowed_ips ? e.allowed_ips.map(parseCidr).filter((c): c is Cidr => c !== undefined) : null,
    audit: e.enforcement === 'audit',
    allows,
    denies,
    totalDeny: denies.some((d) => d.methods === null && d.path === null && d.query === null),
    selector: e.path ? globToRegExp(e.path) : null,
    expiresAt,
    protocol: e.protocol ?? null,
    tlsOff: e.tls === 'skip' || e.tls === 'passthrough',
    encodedSlash: e.allow_encoded_slash === true,
    binaries,
  };
  return { ep, pattern };
};

// Builds the index from a validated policy. Never scans at decision time: lookups are by host and label.
export const compilePolicy = (policy: PolicyFile, now = Date.now()): CompiledPolicy => {
  const out: CompiledPolicy = {
    exact: new Map(),
    trie: newNode(),
    hostless: [],
    suffixes: new Map(),
    unknownHosts: policy.clawdeck?.unknown_hosts ?? 'ask',
    askPrivate: (policy.clawdeck?.ask_private ?? []).map(parseCidr).filter((c): c is Cidr => c !== undefined),
    rules: [],
    nextExpiry: null,
    usesBinaries: false,
  };
  for (const [key, np] of Object.entries(policy.network_policies ?? {})) {
    const policyExpiry = expiryOf(np);
    const binaries = compileBinaries(np.binaries);
    np.endpoints.forEach((e, i) => {
      const { ep, pattern: p } = compileEndpoint(key, i, e, policyExpiry, binaries);
      const expired = ep.expiresAt !== null && ep.expiresAt <= now;
      out.rules.push({
        id: ep.id,
        policy: key,
        host: e.host ?? `(${(e.allowed_ips ?? []).join(', ')})`,
        ports: [...ep.ports],
        action: ep.totalDeny ? 'deny' : ep.allows || ep.denies.length ? 'l7' : 'allow',
        enabled: !e.disabled && !expired,
        expires: ep.expiresAt === null ? null : new Date(ep.expiresAt).toISOString(),
        comment: e.comment ?? np.comment ?? null,
        approved_by: e.approved_by ?? np.approved_by ?? null,
        binaries: binaries ? binaries.paths : null,
      });
      // Expired rules stay in the index: decide() checks the clock, so a compiled policy never goes stale.
      if (e.disabled) return;
      if (binaries) out.usesBinaries = true;
      if (ep.expiresAt !== null && ep.expiresAt > now && (out.nextExpiry === null || ep.expiresAt < out.nextExpiry)) out.nextExpiry = ep.expiresAt;
      if (e.host === undefined) {
        out.hostless.push(ep);
        return;
      }
      if (!p) return; // the schema already rejected it
      if (p.kind === 'exact') {
        const list = out.exact.get(p.host);
        if (list) list.push(ep);
        else out.exact.set(p.host, [ep]);
        const labels = p.host.split('.');
        for (let j = 1; j < labels.length - 1; j++) {
          const suffix = labels.slice(j).join('.');
          if (!out.suffixes.has(suffix)) out.suffixes.set(suffix, ep.id);
        }
        return;
      }
      let node = out.trie;
      for (let j = p.rest.length - 1; j >= 0; j--) {
        const label = p.rest[j]!;
        let next = node.children.get(label);
        if (!next) node.children.set(label, (next = newNode()));
        node = next;
      }
      if (p.first === '*') node.one.push(ep);
      else if (p.first === '**') node.many.push(ep);
      else node.globs.push({ re: p.first, ep });
      const rest = p.rest.join('.');
      if (!out.suffixes.has(rest)) out.suffixes.set(rest, ep.id);
    });
  }
  return out;
};
