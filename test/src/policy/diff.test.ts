import { describe, expect, it } from 'vitest';
import { diffPolicies, formatDiff } from '../../../src/policy/diff.js';
import { loadPolicyText } from '../../../src/policy/load.js';
import type { PolicyFile } from '../../../src/policy/schema.js';

const parse = (text: string): PolicyFile => {
  const r = loadPolicyText(text, 'p.yaml');
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.policy;
};

const A = parse(`version: 1
filesystem_policy: { read_write: [/tmp] }
network_policies:
  web:
    endpoints:
      - { host: a.test, port: 443 }
      - { host: b.test, port: 443, access: read-only, protocol: rest }
    binaries: [{ path: /usr/bin/curl }]
  gone:
    endpoints:
      - { host: old.test, port: 80 }
`);

describe('diffPolicies', () => {
  it('names every change by policy entry and endpoint', () => {
    const B = parse(`version: 1
filesystem_policy: { read_write: [/tmp, /data] }
network_policies:
  web:
    endpoints:
      - { host: a.test, port: 443 }
      - { host: b.test, port: 443, access: read-write, protocol: rest }
      - { host: c.test, ports: [80, 443] }
    binaries: [{ path: /usr/bin/wget }]
  new:
    endpoints:
      - { host: n.test, port: 443, disabled: true }
clawdeck: { unknown_hosts: deny }
`);
    const d = diffPolicies(A, B);
    expect(d.changes).toEqual([
      { change: 'changed', policy: 'web', endpoint: 'b.test:443', detail: 'access read-only → access read-write' },
      { change: 'added', policy: 'web', endpoint: 'c.test:80,443', detail: 'host/port only' },
      { change: 'changed', policy: 'web', endpoint: null, detail: 'binaries changed' },
      { change: 'removed', policy: 'gone', endpoint: 'old.test:80', detail: 'host/port only' },
      { change: 'added', policy: 'new', endpoint: 'n.test:443', detail: 'disabled' },
      { change: 'changed', policy: 'clawdeck', endpoint: null, detail: 'unknown_hosts: ask → deny' },
    ]);
    expect(d.static_changed).toEqual(['filesystem_policy']);
    expect(formatDiff(d)).toContain('! filesystem_policy changed: needs a sandbox restart to take effect');
  });

  it('names each clawdeck setting that changed, with the default filled in', () => {
    const A = parse(`version: 1\nclawdeck: { unknown_hosts: ask }\n`);
    const B = parse(`version: 1\nclawdeck: { ask_private: [127.0.0.0/8] }\n`);
    expect(diffPolicies(A, B).changes).toEqual([{ change: 'changed', policy: 'clawdeck', endpoint: null, detail: 'ask_private: - → ["127.0.0.0/8"]' }]);
    expect(diffPolicies(parse('version: 1\n'), A).changes).toEqual([]);
  });

  it('reports no changes for the same policy written differently', () => {
    const B = parse(`version: 1
filesystem_policy:
  read_write:
    - /tmp
network_policies:
  web:
    endpoints:
      - host: a.test
        port: 443
      - { protocol: rest, access: read-only, port: 443, host: b.test }
    binaries:
      - path: /usr/bin/curl
  gone:
    endpoints: [{ host: old.test, port: 80 }]
`);
    const d = diffPolicies(A, B);
    expect(d).toEqual({ changes: [], static_changed: [] });
    expect(formatDiff(d)).toEqual(['no changes']);
  });
});
