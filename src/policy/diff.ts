import { STATIC_SECTIONS, type Endpoint, type PolicyFile } from './schema.js';

// One rule-level change between two policies, named by policy entry and endpoint.
export interface RuleChange {
  change: 'added' | 'removed' | 'changed';
  policy: string;
  endpoint: string | null;
  detail: string;
}

export interface PolicyDiff {
  changes: RuleChange[];
  // Static sections that differ: they only take effect after a sandbox restart.
  static_changed: string[];
}

const CLAWDECK_DEFAULTS = { unknown_hosts: 'ask' };

const label = (e: Endpoint): string => `${e.host ?? `(${(e.allowed_ips ?? []).join(',')})`}:${(e.ports ?? [e.port]).join(',')}`;
const stable = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

const describeEndpoint = (e: Endpoint): string => {
  const parts: string[] = [];
  if (e.disabled) parts.push('disabled');
  if (e.access) parts.push(`access ${e.access}`);
  if (e.rules) parts.push(`${e.rules.length} allow rule(s)`);
  if (e.deny_rules) parts.push(`${e.deny_rules.length} deny rule(s)`);
  if (e.enforcement === 'audit') parts.push('audit');
  if (e.allowed_ips) parts.push(`allowed_ips ${e.allowed_ips.join(',')}`);
  if (e.expires) parts.push(`expires ${String(e.expires)}`);
  if (e.ttl) parts.push(`ttl ${e.ttl}`);
  return parts.join(', ') || 'host/port only';
};

// Names what would change, rule by rule, if `next` replaced `prev`.
export const diffPolicies = (prev: PolicyFile, next: PolicyFile): PolicyDiff => {
  const changes: RuleChange[] = [];
  const a = prev.network_policies ?? {};
  const b = next.network_policies ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const pa = a[key];
    const pb = b[key];
    if (!pa || !pb) {
      for (const e of (pa ?? pb)!.endpoints) changes.push({ change: pa ? 'removed' : 'added', policy: key, endpoint: label(e), detail: describeEndpoint(e) });
      if (!(pa ?? pb)!.endpoints.length) changes.push({ change: pa ? 'removed' : 'added', policy: key, endpoint: null, detail: 'empty entry' });
      continue;
    }
    const left = new Map<string, Endpoint[]>();
    for (const e of pa.endpoints) left.set(label(e), [...(left.get(label(e)) ?? []), e]);
    const right = new Map<string, Endpoint[]>();
    for (const e of pb.endpoints) right.set(label(e), [...(right.get(label(e)) ?? []), e]);
    for (const l of new Set([...left.keys(), ...right.keys()])) {
      const x = left.get(l) ?? [];
      const y = right.get(l) ?? [];
      const n = Math.max(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const ex = x[i];
        const ey = y[i];
        if (ex && !ey) changes.push({ change: 'removed', policy: key, endpoint: l, detail: describeEndpoint(ex) });
        else if (!ex && ey) changes.push({ change: 'added', policy: key, endpoint: l, detail: describeEndpoint(ey) });
        else if (stable(ex) !== stable(ey)) changes.push({ change: 'changed', policy: key, endpoint: l, detail: `${describeEndpoint(ex!)} → ${describeEndpoint(ey!)}` });
      }
    }
    if (stable(pa.binaries ?? []) !== stable(pb.binaries ?? [])) changes.push({ change: 'changed', policy: key, endpoint: null, detail: 'binaries changed' });
  }
  // Each clawdeck setting that differs, old → new (defaults filled in; unset otherwise shown as "-").
  const was: Record<string, unknown> = { ...CLAWDECK_DEFAULTS, ...prev.clawdeck };
  const now: Record<string, unknown> = { ...CLAWDECK_DEFAULTS, ...next.clawdeck };
  const show = (v: unknown): string => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  const settings = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort().filter((k) => stable(was[k]) !== stable(now[k]));
  if (settings.length) changes.push({ change: 'changed', policy: 'clawdeck', endpoint: null, detail: settings.map((k) => `${k}: ${show(was[k])} → ${show(now[k])}`).join(', ') });
  const static_changed = STATIC_SECTIONS.filter((s) => stable(prev[s] ?? null) !== stable(next[s] ?? null));
  return { changes, static_changed };
};

// Human lines for `policy diff` and the edit confirmation.
export const formatDiff = (d: PolicyDiff): string[] => {
  const sign = { added: '+', removed: '-', changed: '~' } as const;
  const lines = d.changes.map((c) => `${sign[c.change]} ${c.policy}${c.endpoint ? ` ${c.endpoint}` : ''}  (${c.detail})`);
  for (const s of d.static_changed) lines.push(`! ${s} changed: needs a sandbox restart to take effect`);
  if (!lines.length) lines.push('no changes');
  return lines;
};
