import { describe, expect, it } from 'vitest';
import { binaryAllowed, binaryGlobToRegExp, compileBinaries, describeBinary } from '../../../src/policy/binary-match.js';
import { loadPolicyText } from '../../../src/policy/load.js';
import { decide } from '../../../src/policy/matcher.js';
import type { PeerBinary } from '../../../src/policy/engine-types.js';

const bin = (exe: string | null, ...ancestors: string[]): PeerBinary => ({ exe, ancestors });

describe('binary globs (OpenShell: glob.match with "/" as delimiter)', () => {
  it.each([
    ['/usr/bin/*', '/usr/bin/git', true],
    ['/usr/bin/*', '/usr/bin/x/git', false],
    ['/sandbox/.vscode-server/**', '/sandbox/.vscode-server/bin/abc/node', true],
    ['/usr/bin/python3.?', '/usr/bin/python3.11', false],
    ['/usr/bin/python3.??', '/usr/bin/python3.11', true],
    ['/usr/bin/python3*', '/usr/bin/python3.11', true],
    ['/usr/bin/{git,gh}', '/usr/bin/gh', true],
    ['/usr/bin/{git,gh}', '/usr/bin/curl', false],
    ['/usr/bin/[gc]url', '/usr/bin/curl', true],
    ['/usr/bin/[!c]url', '/usr/bin/curl', false],
    ['/opt/**/bin/node', '/opt/node/bin/node', true],
  ])('%s vs %s → %s', (glob, path, want) => {
    expect(binaryGlobToRegExp(glob).test(path)).toBe(want);
  });
});

describe('binaryAllowed', () => {
  const m = compileBinaries([{ path: '/usr/bin/git' }, { path: '/opt/tools/**' }])!;

  it('matches the executable itself by exact path', () => {
    expect(binaryAllowed(m, bin('/usr/bin/git'))).toBe(true);
    expect(binaryAllowed(m, bin('/usr/bin/git2'))).toBe(false);
  });

  it('matches an ancestor (a listed program runs a helper: git → ssh)', () => {
    expect(binaryAllowed(m, bin('/usr/bin/ssh', '/usr/bin/git', '/usr/bin/bash'))).toBe(true);
    expect(binaryAllowed(m, bin('/usr/bin/curl', '/usr/bin/bash'))).toBe(false);
  });

  it('matches globs against the executable and ancestors', () => {
    expect(binaryAllowed(m, bin('/opt/tools/bin/fetcher'))).toBe(true);
    expect(binaryAllowed(m, bin('/usr/bin/curl', '/opt/tools/run'))).toBe(true);
  });

  it('never matches an unknown binary', () => {
    expect(binaryAllowed(m, bin(null))).toBe(false);
    expect(binaryAllowed(m, null)).toBe(false);
    expect(binaryAllowed(m, undefined)).toBe(false);
  });

  it('an empty or missing list compiles to "no restriction"', () => {
    expect(compileBinaries(undefined)).toBeNull();
    expect(compileBinaries([])).toBeNull();
  });

  it('describes what was seen', () => {
    expect(describeBinary(bin('/usr/bin/curl'))).toBe('/usr/bin/curl');
    expect(describeBinary(bin('/usr/bin/curl', '/usr/bin/bash'))).toBe('/usr/bin/curl (ancestors: /usr/bin/bash)');
    expect(describeBinary({ exe: null, ancestors: [], why: 'no relay preamble' })).toBe('unknown (no relay preamble)');
    expect(describeBinary(undefined)).toBe('unknown');
  });
});

const POLICY = `version: 1
network_policies:
  github:
    endpoints:
      - { host: github.com, port: 443 }
      - { host: "**.githubusercontent.com", port: 443 }
    binaries:
      - { path: /usr/bin/git }
      - { path: "/usr/lib/git-core/*" }
  docs:
    endpoints:
      - { host: docs.example.com, port: 443 }
  shared:
    endpoints:
      - { host: shared.example.com, port: 443 }
    binaries:
      - { path: /usr/bin/curl }
  shared_any:
    endpoints:
      - { host: shared.example.com, port: 443, protocol: rest, access: read-only }
  lan:
    endpoints:
      - { host: nas.test, port: 5000, allowed_ips: [10.0.0.0/8] }
    binaries: [{ path: /usr/bin/rsync }]
  watched:
    endpoints:
      - { host: audit.example.com, port: 443, enforcement: audit }
    binaries: [{ path: /usr/bin/git }]
  empty_list:
    endpoints:
      - { host: open.example.com, port: 443 }
    binaries: []
`;

const compiled = () => {
  const r = loadPolicyText(POLICY, 'policy.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.compiled;
};
const PUB = '93.184.216.34';

describe('decide() with binaries[]', () => {
  const c = compiled();

  it('compiles usesBinaries', () => {
    expect(c.usesBinaries).toBe(true);
    const r = loadPolicyText('version: 1\nnetwork_policies:\n  a:\n    endpoints: [{ host: a.test, port: 443 }]\n', 'p.yaml');
    expect(r.ok && r.compiled.usesBinaries).toBe(false);
  });

  it('allows a listed binary', () => {
    expect(decide(c, { host: 'github.com', port: 443, ip: PUB, binary: bin('/usr/bin/git') })).toMatchObject({ verdict: 'allow', rule: 'github/endpoints[0]' });
    expect(decide(c, { host: 'raw.githubusercontent.com', port: 443, ip: PUB, binary: bin('/usr/lib/git-core/git-remote-https', '/usr/bin/git') }).verdict).toBe('allow');
  });

  it('allows a child of a listed binary (ancestor match)', () => {
    expect(decide(c, { host: 'github.com', port: 443, ip: PUB, binary: bin('/usr/bin/ssh', '/usr/bin/git') }).verdict).toBe('allow');
  });

  it('denies another binary and says which binary was seen and which would be allowed', () => {
    const d = decide(c, { host: 'github.com', port: 443, ip: PUB, binary: bin('/usr/bin/curl', '/usr/bin/bash') });
    expect(d).toMatchObject({ verdict: 'deny', rule: 'github/endpoints[0]', audit: false });
    expect(d.binary).toEqual({ seen: '/usr/bin/curl (ancestors: /usr/bin/bash)', allowed: ['/usr/bin/git', '/usr/lib/git-core/*'] });
    expect(d.reason).toContain('/usr/bin/curl');
    expect(d.reason).toContain('allows only /usr/bin/git, /usr/lib/git-core/*');
  });

  it('denies an unknown binary (not attributed) on a binary-restricted entry', () => {
    const d = decide(c, { host: 'github.com', port: 443, ip: PUB });
    expect(d.verdict).toBe('deny');
    expect(d.binary?.seen).toBe('unknown');
    expect(decide(c, { host: 'github.com', port: 443, ip: PUB, binary: { exe: null, ancestors: [], why: 'forged preamble' } }).reason).toContain('unknown (forged preamble)');
  });

  it('entries without binaries apply to every binary, known or not', () => {
    expect(decide(c, { host: 'docs.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/curl') }).verdict).toBe('allow');
    expect(decide(c, { host: 'docs.example.com', port: 443, ip: PUB }).verdict).toBe('allow');
    expect(decide(c, { host: 'open.example.com', port: 443, ip: PUB, binary: bin(null) }).verdict).toBe('allow');
  });

  it('another entry for the same host without binaries still applies to other binaries', () => {
    expect(decide(c, { host: 'shared.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/curl') })).toMatchObject({ verdict: 'allow', rule: 'shared/endpoints[0]' });
    const wget = decide(c, { host: 'shared.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/wget'), method: 'POST', path: '/' });
    expect(wget).toMatchObject({ verdict: 'deny', rule: 'shared_any/endpoints[0]' });
    expect(decide(c, { host: 'shared.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/wget'), method: 'GET', path: '/' }).verdict).toBe('allow');
  });

  it('a host no entry names is still decided by the default, whatever the binary', () => {
    expect(decide(c, { host: 'unknown.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/git') }).verdict).toBe('ask');
  });

  it('a binary-restricted entry with allowed_ips admits its private address only for its binary', () => {
    expect(decide(c, { host: 'nas.test', port: 5000, ip: '10.1.2.3', binary: bin('/usr/bin/rsync') }).verdict).toBe('allow');
    expect(decide(c, { host: 'nas.test', port: 5000, ip: '10.1.2.3', binary: bin('/usr/bin/curl') })).toMatchObject({ verdict: 'deny', rule: 'lan/endpoints[0]' });
  });

  it('enforcement: audit lets another binary through, marked audit', () => {
    expect(decide(c, { host: 'audit.example.com', port: 443, ip: PUB, binary: bin('/usr/bin/curl') })).toMatchObject({ verdict: 'allow', audit: true });
  });

  it('a disabled binary-restricted entry does not make the policy use binaries', () => {
    const r = loadPolicyText('version: 1\nnetwork_policies:\n  a:\n    endpoints: [{ host: a.test, port: 443, disabled: true }]\n    binaries: [{ path: /usr/bin/git }]\n', 'p.yaml');
    expect(r.ok && r.compiled.usesBinaries).toBe(false);
  });
});
