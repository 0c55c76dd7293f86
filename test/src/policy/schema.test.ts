import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyText, formatIssue } from '../../../src/policy/load.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'policy');

const errorsOf = (text: string): string[] => {
  const r = loadPolicyText(text, 'p.yaml');
  if (r.ok) return [];
  return r.errors.map(formatIssue);
};

const ep = (body: string): string => `version: 1
network_policies:
  x:
    endpoints:
      - host: api.example.com
${body}`;

// Each row: a broken policy and the exact FILE:LINE:COL: message it must produce.
const rows: Array<[string, string, string]> = [
  ['an unknown top-level key', 'version: 1\nfoo: 1\n', 'p.yaml:2:1: unknown key "foo" at foo'],
  ['a missing version', 'network_policies: {}\n', 'p.yaml:1:1: version: version must be 1 (the OpenShell policy format)'],
  ['a wrong version', 'version: 2\n', 'p.yaml:1:10: version: version must be 1 (the OpenShell policy format)'],
  ['a YAML syntax error', 'version: 1\nnetwork_policies:\n  x: [\n', 'p.yaml:4:1'],
  ['a duplicate key', 'version: 1\nversion: 1\n', 'p.yaml:2:1'],
  ['an unknown endpoint key', ep('        port: 443\n        colour: red\n'), 'p.yaml:7:9: unknown key "colour" at network_policies.x.endpoints[0].colour'],
  ['an unknown rule key', ep('        port: 443\n        rules:\n          - allow: { method: GET, pth: /x }\n'), 'p.yaml:8:35: unknown key "pth" at network_policies.x.endpoints[0].rules[0].allow.pth'],
  ['a port out of range', ep('        port: 70000\n'), 'p.yaml:6:15: network_policies.x.endpoints[0].port: Too big: expected number to be <=65535'],
  ['a missing port', ep('        protocol: rest\n        access: full\n'), 'p.yaml:5:9: network_policies.x.endpoints[0]: endpoint needs "port" or "ports"'],
  ['port and ports together', ep('        port: 443\n        ports: [80]\n'), 'p.yaml:7:16: network_policies.x.endpoints[0].ports: "port" and "ports" are mutually exclusive; keep one'],
  ['access and rules together', ep('        port: 443\n        access: full\n        rules:\n          - allow: { method: GET }\n'), 'p.yaml:9:11: network_policies.x.endpoints[0].rules: "access" and "rules" are mutually exclusive; keep one'],
  ['a bad access value', ep('        port: 443\n        access: everything\n'), 'p.yaml:7:17: network_policies.x.endpoints[0].access: Invalid option: expected one of "read-only"|"read-write"|"full"'],
  ['a bad enforcement value', ep('        port: 443\n        enforcement: maybe\n'), 'p.yaml:7:22: network_policies.x.endpoints[0].enforcement: Invalid option: expected one of "enforce"|"audit"'],
  ['a bad CIDR', ep('        port: 443\n        allowed_ips: [10.0.0.0/99]\n'), 'p.yaml:7:23: network_policies.x.endpoints[0].allowed_ips[0]: "10.0.0.0/99" is not an IP address or CIDR'],
  ['ttl without approved_at', ep('        port: 443\n        ttl: 10m\n'), 'p.yaml:7:14: network_policies.x.endpoints[0].ttl: "ttl" counts from "approved_at"; add approved_at or use "expires"'],
  ['a bad ttl', ep('        port: 443\n        approved_at: 2026-11-25T10:00:00Z\n        ttl: soon\n'), 'p.yaml:8:14: network_policies.x.endpoints[0].ttl: "soon" is not a duration (use e.g. 90s, 10m, 2h, 7d)'],
  ['a bad expires', ep('        port: 443\n        expires: tomorrow\n'), 'p.yaml:7:18: network_policies.x.endpoints[0].expires: "tomorrow" is not a date-time (use e.g. 2026-11-25T10:00:00Z)'],
  ['a relative filesystem path', 'version: 1\nfilesystem_policy:\n  read_only: [usr]\n', 'p.yaml:3:15: filesystem_policy.read_only[0]: path "usr" must be absolute (start with /)'],
  ['a traversal in a filesystem path', 'version: 1\nfilesystem_policy:\n  read_write: [/tmp/../etc]\n', 'p.yaml:3:16: filesystem_policy.read_write[0]: path "/tmp/../etc" must not contain ".."'],
  ['read_write on /', 'version: 1\nfilesystem_policy:\n  read_write: [/]\n', 'p.yaml:3:16: filesystem_policy.read_write[0]: read_write "/" is too broad'],
  ['a bad landlock mode', 'version: 1\nlandlock:\n  compatibility: strict\n', 'p.yaml:3:18: landlock.compatibility: Invalid option: expected one of "best_effort"|"hard_requirement"'],
  ['root as run_as_user', 'version: 1\nprocess:\n  run_as_user: 0\n', 'p.yaml:3:16'],
  ['an unknown clawdeck key', 'version: 1\nclawdeck:\n  unknown_host: ask\n', 'p.yaml:3:3: unknown key "unknown_host" at clawdeck.unknown_host'],
  ['a bad default verdict', 'version: 1\nclawdeck:\n  unknown_hosts: allow\n', 'p.yaml:3:18: clawdeck.unknown_hosts: Invalid option: expected one of "ask"|"deny"'],
  ['an empty rules list', ep('        port: 443\n        rules: []\n'), 'p.yaml:7:16: network_policies.x.endpoints[0].rules: Too small: expected array to have >=1 items'],
  ['a rule path that never matches', ep('        port: 443\n        rules:\n          - allow: { method: GET, path: "v1/**" }\n'), 'p.yaml:8:41: network_policies.x.endpoints[0].rules[0].allow.path: path "v1/**" never matches: request paths start with "/" (e.g. "/v1/**", or "**" for every path)'],
  ['a deny path that never matches', ep('        port: 443\n        access: full\n        deny_rules:\n          - { path: "*" }\n'), 'p.yaml:9:21: network_policies.x.endpoints[0].deny_rules[0].path: path "*" never matches: request paths start with "/" (e.g. "/**", or "**" for every path)'],
  ['a method that is no HTTP token', ep('        port: 443\n        rules:\n          - allow: { method: "GET /x" }\n'), 'p.yaml:8:30: network_policies.x.endpoints[0].rules[0].allow.method: method "GET /x" is not an HTTP method (e.g. GET, POST, or "*" for any)'],
  ['endpoints missing', 'version: 1\nnetwork_policies:\n  x:\n    name: x\n', 'p.yaml:4:5: network_policies.x.endpoints: Invalid input: expected array, received undefined'],
];

// Rejected host patterns: every one is an error at the host's position.
const badHosts: Array<[string, string]> = [
  ['*', 'bare "*" would match every host'],
  ['**', 'bare "**" would match every host'],
  ['*.com', 'a wildcard over a top-level domain is not allowed'],
  ['**.com', 'a wildcard over a top-level domain is not allowed'],
  ['api.*.example.com', 'wildcards are only allowed in the first label'],
  ['example.*', 'wildcards are only allowed in the first label'],
  ['a**.example.com', '"**" must be the whole first label'],
  ['bad_label!.example.com', 'is not a valid DNS label'],
  ['a..example.com', 'has an empty label'],
  ['example.com:443', 'includes a port: write host: example.com and port: 443'],
  ['https://example.com/api', 'is a URL, not a host'],
];

describe('policy schema errors', () => {
  it.each(rows)('reports %s with its position', (_t, text, expected) => {
    const errs = errorsOf(text);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]).toContain(expected);
  });

  it.each(badHosts)('rejects host "%s" at the host value', (host, message) => {
    const errs = errorsOf(`version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "${host}"\n        port: 443\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^p\.yaml:5:15: network_policies\.x\.endpoints\[0\]\.host: /);
    expect(errs[0]).toContain(message);
  });

  it('reports every error, not just the first', () => {
    expect(errorsOf(ep('        port: 443\n        a: 1\n        b: 2\n'))).toHaveLength(2);
  });
});

describe('policy files that must load', () => {
  it("loads NemoClaw's baseline sandbox policy unchanged", () => {
    const file = join(FIXTURES, 'nemoclaw-openclaw-sandbox.yaml');
    const r = loadPolicyText(readFileSync(file, 'utf8'), file);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(Object.keys(r.policy.network_policies ?? {})).toContain('clawhub');
    expect(r.policy.filesystem_policy?.include_workdir).toBe(true);
    expect(r.compiled.rules.length).toBeGreaterThan(10);
  });

  it.each(['ok-openshell-full.yaml'])('loads %s (every OpenShell field)', (name) => {
    const file = join(FIXTURES, name);
    const r = loadPolicyText(readFileSync(file, 'utf8'), file);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('accepts the documented wildcard shapes', () => {
    for (const host of ['*.example.com', '**.example.com', '*-aiplatform.googleapis.com', 'xn--bcher-kva.example', 'bücher.example', 'Example.COM.', '10.0.0.1', '::1']) {
      expect(errorsOf(`version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "${host}"\n        port: 443\n`), host).toEqual([]);
    }
  });
});
