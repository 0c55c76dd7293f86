import { describe, expect, it } from 'vitest';
import { loadPolicyText } from '../../../src/policy/load.js';
import { candidatesFor, decide } from '../../../src/policy/matcher.js';
import type { EgressRequest } from '../../../src/policy/engine-types.js';

const POLICY = `version: 1
network_policies:
  exact:
    endpoints:
      - { host: api.example.com, port: 443 }
      - { host: Multi.Example.COM., ports: [80, 443] }
      - { host: bücher.example, port: 443 }
      - { host: 9.9.9.9, port: 8443 }
  wild:
    endpoints:
      - { host: "*.one.test", port: 443 }
      - { host: "**.many.test", port: 443 }
      - { host: "*-aiplatform.googleapis.com", port: 443 }
  blocked:
    endpoints:
      - host: evil.many.test
        port: 443
        protocol: rest
        access: full
        deny_rules: [{ method: "*", path: "/**" }]
  lan:
    endpoints:
      - { host: nas.lan.test, port: 5000, allowed_ips: [192.168.1.0/24] }
      - { host: plain.lan.test, port: 5000 }
      - { host: metadata.test, port: 80, allowed_ips: ["169.254.169.254"] }
      - { host: v6.lan.test, port: 443, allowed_ips: ["fd00::/8"] }
  ro:
    endpoints:
      - { host: ro.example.com, port: 443, protocol: rest, access: read-only }
      - { host: rw.example.com, port: 443, protocol: rest, access: read-write }
  l7:
    endpoints:
      - host: api.github.test
        port: 443
        protocol: rest
        access: read-write
        deny_rules:
          - { method: POST, path: "/repos/*/pulls/*/reviews" }
          - { method: "*", path: "/admin/**", query: { force: "true" } }
      - host: tg.test
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/bot*/**" }
          - allow: { method: GET, path: /search, query: { tag: { any: ["v1.*", "v2.*"] } } }
      - host: java.test
        port: 443
        protocol: rest
        access: full
        deny_rules: [{ path: /manager/** }, { path: /admin }]
  audited:
    endpoints:
      - { host: audit.test, port: 443, protocol: rest, enforcement: audit, access: read-only }
  hostless:
    endpoints:
      - { allowed_ips: ["10.9.0.0/16"], port: 6379 }
  stamped:
    endpoints:
      - { host: old.test, port: 443, expires: "2020-01-01T00:00:00Z" }
      - { host: ttl.test, port: 443, approved_at: "2026-11-25T10:00:00Z", ttl: 10m }
      - { host: off.test, port: 443, disabled: true }
`;

const loaded = loadPolicyText(POLICY, 'policy.yaml');
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const compiled = loaded.compiled;
const NOW = Date.parse('2026-11-25T10:05:00Z');
const PUB = '93.184.216.34';

type Row = [string, EgressRequest, 'allow' | 'deny' | 'ask', string | null];
const rows: Row[] = [
  // exact hosts, case, trailing dots, ports
  ['an exact host on its port is allowed', { host: 'api.example.com', port: 443, ip: PUB }, 'allow', 'exact/endpoints[0]'],
  ['an exact host on another port asks', { host: 'api.example.com', port: 80, ip: PUB }, 'ask', 'default'],
  ['host case does not matter', { host: 'API.Example.Com', port: 443, ip: PUB }, 'allow', 'exact/endpoints[0]'],
  ['a trailing dot on the request is ignored', { host: 'api.example.com.', port: 443, ip: PUB }, 'allow', 'exact/endpoints[0]'],
  ['a rule written with case and a trailing dot matches', { host: 'multi.example.com', port: 80, ip: PUB }, 'allow', 'exact/endpoints[1]'],
  ['ports lists match every listed port', { host: 'multi.example.com', port: 443, ip: PUB }, 'allow', 'exact/endpoints[1]'],
  ['ports lists do not match other ports', { host: 'multi.example.com', port: 8080, ip: PUB }, 'ask', 'default'],
  ['an IDN request matches its unicode rule', { host: 'BÜCHER.example', port: 443, ip: PUB }, 'allow', 'exact/endpoints[2]'],
  ['a punycode request matches a unicode rule', { host: 'xn--bcher-kva.example', port: 443, ip: PUB }, 'allow', 'exact/endpoints[2]'],
  ['a reserved TEST-NET address is denied', { host: 'x.test', port: 443, ip: '203.0.113.7' }, 'deny', 'private-address'],
  ['an IP literal host matches its rule', { host: "9.9.9.9", port: 8443 }, 'allow', 'exact/endpoints[3]'],
  ['a bare sub-domain of an exact rule is not allowed', { host: 'x.api.example.com', port: 443, ip: PUB }, 'ask', 'default'],
  // wildcards
  ['* matches exactly one label', { host: 'a.one.test', port: 443, ip: PUB }, 'allow', 'wild/endpoints[0]'],
  ['* does not match two labels', { host: 'a.b.one.test', port: 443, ip: PUB }, 'ask', 'default'],
  ['* does not match the apex', { host: 'one.test', port: 443, ip: PUB }, 'ask', 'default'],
  ['** matches one label', { host: 'a.many.test', port: 443, ip: PUB }, 'allow', 'wild/endpoints[1]'],
  ['** matches several labels', { host: 'a.b.c.many.test', port: 443, ip: PUB }, 'allow', 'wild/endpoints[1]'],
  ['** does not match the apex', { host: 'many.test', port: 443, ip: PUB }, 'ask', 'default'],
  ['an intra-label glob matches its label', { host: 'us-central1-aiplatform.googleapis.com', port: 443, ip: PUB }, 'allow', 'wild/endpoints[2]'],
  ['an intra-label glob needs its suffix', { host: 'us-central1.googleapis.com', port: 443, ip: PUB }, 'ask', 'default'],
  ['wildcards respect ports', { host: 'a.one.test', port: 80, ip: PUB }, 'ask', 'default'],
  // deny beats allow
  ['a deny rule beats a wildcard allow', { host: 'evil.many.test', port: 443, ip: PUB }, 'deny', 'blocked/endpoints[0]'],
  ['a deny rule beats a wildcard allow for requests too', { host: 'evil.many.test', port: 443, ip: PUB, method: 'GET', path: '/' }, 'deny', 'blocked/endpoints[0]'],
  // private addresses
  ['a private address is denied without allowed_ips', { host: 'plain.lan.test', port: 5000, ip: '192.168.1.10' }, 'deny', 'private-address'],
  ['a private address in allowed_ips is allowed', { host: 'nas.lan.test', port: 5000, ip: '192.168.1.10' }, 'allow', 'lan/endpoints[0]'],
  ['a private address outside allowed_ips is denied', { host: 'nas.lan.test', port: 5000, ip: '192.168.2.10' }, 'deny', 'private-address'],
  ['an IPv4-mapped private address is denied', { host: 'api.example.com', port: 443, ip: '::ffff:10.0.0.1' }, 'deny', 'private-address'],
  ['an IPv4-mapped address in allowed_ips is allowed', { host: 'nas.lan.test', port: 5000, ip: '::ffff:192.168.1.9' }, 'allow', 'lan/endpoints[0]'],
  ['loopback is denied even for an allowed host', { host: 'api.example.com', port: 443, ip: '127.0.0.1' }, 'deny', 'private-address'],
  ['IPv6 loopback is denied', { host: 'api.example.com', port: 443, ip: '::1' }, 'deny', 'private-address'],
  ['link-local metadata is denied', { host: 'api.example.com', port: 443, ip: '169.254.169.254' }, 'deny', 'private-address'],
  ['metadata listed in allowed_ips is allowed', { host: 'metadata.test', port: 80, ip: '169.254.169.254' }, 'allow', 'lan/endpoints[2]'],
  ['CGNAT is denied', { host: 'api.example.com', port: 443, ip: '100.64.0.1' }, 'deny', 'private-address'],
  ['ULA is denied without allowed_ips', { host: 'api.example.com', port: 443, ip: 'fd12::1' }, 'deny', 'private-address'],
  ['ULA in allowed_ips is allowed', { host: 'v6.lan.test', port: 443, ip: 'fd12::1' }, 'allow', 'lan/endpoints[3]'],
  ['an IPv4-mapped address in hex form is unwrapped and denied', { host: 'api.example.com', port: 443, ip: '::ffff:a00:1' }, 'deny', 'private-address'],
  ['a NAT64 address is denied', { host: 'api.example.com', port: 443, ip: '64:ff9b::a00:1' }, 'deny', 'private-address'],
  ['the IPv6 metadata address is denied', { host: 'api.example.com', port: 443, ip: 'fd00:ec2::254' }, 'deny', 'private-address'],
  ['IPv6 link-local is denied', { host: 'api.example.com', port: 443, ip: 'fe80::1' }, 'deny', 'private-address'],
  ['a public IPv6 address is allowed', { host: 'api.example.com', port: 443, ip: '2606:4700::1111' }, 'allow', 'exact/endpoints[0]'],
  ['172.32.0.1 is public (just outside 172.16/12)', { host: 'api.example.com', port: 443, ip: '172.32.0.1' }, 'allow', 'exact/endpoints[0]'],
  ['172.31.255.255 is private', { host: 'api.example.com', port: 443, ip: '172.31.255.255' }, 'deny', 'private-address'],
  ['0.0.0.0 is denied', { host: 'api.example.com', port: 443, ip: '0.0.0.0' }, 'deny', 'private-address'],
  ['multicast is denied', { host: 'api.example.com', port: 443, ip: '239.1.1.1' }, 'deny', 'private-address'],
  ['an unknown host on a private address is denied, not asked', { host: 'nowhere.test', port: 80, ip: '10.1.2.3' }, 'deny', 'private-address'],
  ['a private IP literal host is denied', { host: '10.0.0.1', port: 80 }, 'deny', 'private-address'],
  ['a hostless rule allows its CIDR on its port', { host: 'redis.internal', port: 6379, ip: '10.9.1.1' }, 'allow', 'hostless/endpoints[0]'],
  ['a hostless rule does not cover other ports', { host: 'redis.internal', port: 6380, ip: '10.9.1.1' }, 'deny', 'private-address'],
  // access presets and L7 rules
  ['read-only allows GET', { host: 'ro.example.com', port: 443, ip: PUB, method: 'GET', path: '/x' }, 'allow', 'ro/endpoints[0]'],
  ['read-only allows HEAD and OPTIONS', { host: 'ro.example.com', port: 443, ip: PUB, method: 'options', path: '/x' }, 'allow', 'ro/endpoints[0]'],
  ['read-only refuses POST', { host: 'ro.example.com', port: 443, ip: PUB, method: 'POST', path: '/x' }, 'deny', 'ro/endpoints[0]'],
  ['read-write allows PATCH', { host: 'rw.example.com', port: 443, ip: PUB, method: 'PATCH', path: '/x' }, 'allow', 'ro/endpoints[1]'],
  ['read-write refuses DELETE', { host: 'rw.example.com', port: 443, ip: PUB, method: 'DELETE', path: '/x' }, 'deny', 'ro/endpoints[1]'],
  ['the connection itself is allowed before any request is seen', { host: 'ro.example.com', port: 443, ip: PUB }, 'allow', 'ro/endpoints[0]'],
  ['an L7 deny rule beats the access preset', { host: 'api.github.test', port: 443, ip: PUB, method: 'POST', path: '/repos/a/pulls/1/reviews' }, 'deny', 'l7/endpoints[0]'],
  ['requests outside the deny rule pass', { host: 'api.github.test', port: 443, ip: PUB, method: 'POST', path: '/repos/a/issues' }, 'allow', 'l7/endpoints[0]'],
  ['a deny rule with a query matcher needs the query', { host: 'api.github.test', port: 443, ip: PUB, method: 'GET', path: '/admin/x', query: 'force=false' }, 'allow', 'l7/endpoints[0]'],
  ['a deny rule with a query matcher fires on it', { host: 'api.github.test', port: 443, ip: PUB, method: 'GET', path: '/admin/x', query: '?force=true' }, 'deny', 'l7/endpoints[0]'],
  // Other servers' readings of a path: a deny rule also covers them (servlet ";params", case, trailing dots/spaces).
  ['a deny rule covers ";params" (a servlet container drops them)', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/manager;jsessionid=1/html' }, 'deny', 'l7/endpoints[2]'],
  ['a deny rule covers ";params" on the last segment', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/admin;x' }, 'deny', 'l7/endpoints[2]'],
  ['a deny rule covers another case (case-insensitive servers)', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/ADMIN' }, 'deny', 'l7/endpoints[2]'],
  ['a deny rule covers trailing dots and spaces in a segment', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/Manager.%20/x' }, 'deny', 'l7/endpoints[2]'],
  ['a deny rule covers a trailing slash (routers that ignore it)', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/admin/' }, 'deny', 'l7/endpoints[2]'],
  ['the same spellings of other paths pass', { host: 'java.test', port: 443, ip: PUB, method: 'GET', path: '/admins;x/Manager' }, 'allow', 'l7/endpoints[2]'],
  ['another reading never widens an allow rule', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/BOT123/getUpdates' }, 'deny', 'l7/endpoints[1]'],
  ['path globs in allow rules match', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/bot123/getUpdates' }, 'allow', 'l7/endpoints[1]'],
  ['paths outside the allow rules are denied', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/other' }, 'deny', 'l7/endpoints[1]'],
  ['methods outside the allow rules are denied', { host: 'tg.test', port: 443, ip: PUB, method: 'POST', path: '/bot1/x' }, 'deny', 'l7/endpoints[1]'],
  ['query any-matchers allow listed values', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/search', query: 'tag=v2.1' }, 'allow', 'l7/endpoints[1]'],
  ['a repeated query key passes an allow only when every value matches (servers differ on which they use)', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/search', query: 'tag=v1.0&tag=v3' }, 'deny', 'l7/endpoints[1]'],
  ['a repeated query key whose values all match is allowed', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/search', query: 'tag=v1.0&tag=v2.5' }, 'allow', 'l7/endpoints[1]'],
  ['a deny query matcher fires on any value of a repeated key', { host: 'api.github.test', port: 443, ip: PUB, method: 'GET', path: '/admin/x', query: 'force=false&force=true' }, 'deny', 'l7/endpoints[0]'],
  ['a percent-encoded query value is read decoded', { host: 'api.github.test', port: 443, ip: PUB, method: 'GET', path: '/admin/x', query: 'force=%74rue' }, 'deny', 'l7/endpoints[0]'],
  ['query any-matchers refuse other values', { host: 'tg.test', port: 443, ip: PUB, method: 'GET', path: '/search', query: 'tag=v3' }, 'deny', 'l7/endpoints[1]'],
  ['audit enforcement lets a refused request through', { host: 'audit.test', port: 443, ip: PUB, method: 'POST', path: '/' }, 'allow', 'audited/endpoints[0]'],
  // stamps
  ['an expired rule no longer allows', { host: 'old.test', port: 443, ip: PUB }, 'ask', 'default'],
  ['a ttl rule allows within its ttl', { host: 'ttl.test', port: 443, ip: PUB }, 'allow', 'stamped/endpoints[1]'],
  ['a disabled rule does not allow', { host: 'off.test', port: 443, ip: PUB }, 'ask', 'default'],
];

describe('decide', () => {
  it.each(rows)('%s', (_title, req, verdict, rule) => {
    const d = decide(compiled, req, NOW);
    expect({ verdict: d.verdict, rule: d.rule }).toEqual({ verdict, rule });
  });

  it('marks audit-only allows so the proxy logs them', () => {
    const d = decide(compiled, { host: 'audit.test', port: 443, ip: PUB, method: 'DELETE', path: '/' }, NOW);
    expect(d.audit).toBe(true);
  });

  it('a ttl rule lapses after its ttl', () => {
    const d = decide(compiled, { host: 'ttl.test', port: 443, ip: PUB }, Date.parse('2026-11-25T10:11:00Z'));
    expect(d.verdict).toBe('ask');
  });

  it('names the closest rule for an unknown sibling host', () => {
    expect(decide(compiled, { host: 'www.example.com', port: 443, ip: PUB }, NOW).closest).toBe('exact/endpoints[0]');
    expect(decide(compiled, { host: 'api.example.com', port: 8080, ip: PUB }, NOW).closest).toBe('exact/endpoints[0]');
  });

  it('asks the connection to be inspected when the rule has method/path limits', () => {
    expect(decide(compiled, { host: 'ro.example.com', port: 443, ip: PUB }, NOW).inspect).toBe(true);
    expect(decide(compiled, { host: 'api.example.com', port: 443, ip: PUB }, NOW).inspect).toBeUndefined();
  });

  it('asks instead of refusing unknown hosts on private ranges listed in clawdeck.ask_private, and only those', () => {
    const r = loadPolicyText('version: 1\nclawdeck:\n  ask_private: [127.0.0.0/8, "fd00::/8"]\n', 'p.yaml');
    if (!r.ok) throw new Error('invalid');
    expect(decide(r.compiled, { host: 'internal.test', port: 8080, ip: '127.0.0.1' }).verdict).toBe('ask');
    expect(decide(r.compiled, { host: 'internal.test', port: 8080, ip: 'fd00::5' }).verdict).toBe('ask');
    expect(decide(r.compiled, { host: 'internal.test', port: 8080, ip: '10.0.0.1' }).verdict).toBe('deny');
    expect(decide(r.compiled, { host: 'meta.test', port: 80, ip: '169.254.169.254' }).verdict).toBe('deny');
    const strict = loadPolicyText('version: 1\nclawdeck:\n  unknown_hosts: deny\n  ask_private: [127.0.0.0/8]\n', 'p.yaml');
    if (!strict.ok) throw new Error('invalid');
    expect(decide(strict.compiled, { host: 'internal.test', port: 8080, ip: '127.0.0.1' }).verdict).toBe('deny');
  });

  it('a deny rule for a host beats an allow that lists the private address in allowed_ips', () => {
    const r = loadPolicyText(
      'version: 1\nnetwork_policies:\n  a:\n    endpoints:\n      - host: db.test\n        port: 5432\n        allowed_ips: [127.0.0.1/32]\n  d:\n    endpoints:\n      - host: db.test\n        port: 5432\n        access: full\n        deny_rules: [{ method: "*", path: "/**" }]\n',
      'p.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(decide(r.compiled, { host: 'db.test', port: 5432, ip: '127.0.0.1' })).toMatchObject({ verdict: 'deny', rule: 'd/endpoints[0]' });
    expect(decide(r.compiled, { host: 'db.test', port: 5432, ip: PUB })).toMatchObject({ verdict: 'deny', rule: 'd/endpoints[0]' });
  });

  it('rejects a malformed ask_private range with its position', () => {
    const r = loadPolicyText('version: 1\nclawdeck:\n  ask_private: [127.0.0.0/99]\n', 'p.yaml');
    expect(r.ok).toBe(false);
  });

  it('uses deny for unknown hosts when the clawdeck section says so', () => {
    const r = loadPolicyText('version: 1\nclawdeck:\n  unknown_hosts: deny\n', 'p.yaml');
    if (!r.ok) throw new Error('invalid');
    expect(decide(r.compiled, { host: 'x.test', port: 443, ip: PUB }).verdict).toBe('deny');
  });
});

describe('candidatesFor', () => {
  it('walks only the labels of the host, not every rule', () => {
    expect(candidatesFor(compiled, 'a.b.many.test').map((e) => e.id)).toEqual(['wild/endpoints[1]']);
    expect(candidatesFor(compiled, 'unrelated.org')).toEqual([]);
  });
});
