import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyText } from '../../../src/policy/load.js';
import { loadPreset } from '../../../src/policy/presets.js';
import { addEndpoint, deleteEndpoint, docToText, endpointForAddition, mergePreset, toggleEndpoint } from '../../../src/policy/writer.js';
import { parseForEdit } from '../../../src/policy/text-edit.js';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'nemoclaw-openclaw-sandbox.yaml');
const original = readFileSync(FIXTURE, 'utf8');
const comments = original.split('\n').filter((l) => l.includes('#'));

const mustLoad = (text: string) => {
  const r = loadPolicyText(text, 'out.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return r;
};

describe('comment-preserving writes', () => {
  it('the Document API fallback keeps every comment (re-serialized)', () => {
    const out = docToText(parseForEdit(original));
    for (const c of comments) expect(out).toContain(c.replace(/\s+#/, ' #').trim().split('#')[1]!.trim());
  });

  it('adding an approved rule keeps every comment, key order and flow mapping of a NemoClaw file', () => {
    const { text: out } = addEndpoint(original, 'clawdeck_approved', endpointForAddition({ host: 'pypi.org', port: 443, action: 'allow', approved_by: 'tui:alice', comment: 'approval 7' }, new Date('2026-11-25T10:00:00Z')));
    for (const c of comments) expect(out).toContain(c);
    // Everything before the insertion point is unchanged, text for text.
    expect(out.startsWith(original.trimEnd())).toBe(true);
    expect(out).toContain('- allow: { method: "*", path: "/**" }');
    const r = mustLoad(out);
    expect(Object.keys(r.policy.network_policies!)).toEqual([...Object.keys(mustLoad(original).policy.network_policies!), 'clawdeck_approved']);
    expect(r.policy.network_policies!.clawdeck_approved!.endpoints[0]).toMatchObject({ host: 'pypi.org', port: 443, approved_by: 'tui:alice', approved_at: '2026-11-25T10:00:00.000Z', comment: 'approval 7' });
  });

  it('an always-approval of a private address names it in allowed_ips so it takes effect', () => {
    const ep = endpointForAddition({ host: 'db.internal', port: 5432, action: 'allow', approved_by: 'x', allowed_ips: ['127.0.0.9/32'] }, new Date());
    expect(ep).toMatchObject({ host: 'db.internal', port: 5432, allowed_ips: ['127.0.0.9/32'] });
  });

  it('adding the same rule twice writes it once', () => {
    const ep = endpointForAddition({ host: 'pypi.org', port: 443, action: 'allow', approved_by: 'x' }, new Date());
    const first = addEndpoint(original, 'clawdeck_approved', ep);
    expect(first.result).toBe(true);
    const second = addEndpoint(first.text, 'clawdeck_approved', { ...ep, approved_by: 'y' });
    expect(second).toEqual({ text: first.text, result: false });
  });

  it('a deny addition becomes an outright deny rule that validates', () => {
    const r = mustLoad(addEndpoint(original, 'clawdeck_denied', endpointForAddition({ host: 'evil.test', port: 443, action: 'deny', approved_by: 'x' }, new Date())).text);
    expect(r.compiled.rules.find((x) => x.id === 'clawdeck_denied/endpoints[0]')?.action).toBe('deny');
  });

  it('toggling an endpoint adds and removes only `disabled: true`', () => {
    const off = toggleEndpoint(original, 'github/endpoints[1]');
    expect(off.result).toBe(false);
    expect(off.text).toBe(original.replace('        access: full\n    binaries:', '        access: full\n        disabled: true\n    binaries:'));
    expect(mustLoad(off.text).compiled.rules.find((r) => r.id === 'github/endpoints[1]')?.enabled).toBe(false);
    const on = toggleEndpoint(off.text, 'github/endpoints[1]');
    expect(on).toEqual({ text: original, result: true });
  });

  it('deleting an endpoint removes just that endpoint', () => {
    const out = deleteEndpoint(original, 'github/endpoints[0]').text;
    expect(out).toBe(original.replace('      - host: github.com\n        port: 443\n        access: full\n', ''));
    const r = mustLoad(out);
    expect(r.policy.network_policies!.github!.endpoints.map((e) => e.host)).toEqual(['api.github.com']);
  });

  it('adds into a file without network_policies, and into flow-style lists (Document fallback)', () => {
    const ep = { host: 'a.test', port: 443, approved_by: 'x' };
    const bare = addEndpoint('# mine\nversion: 1\n', 'clawdeck_approved', ep).text;
    expect(bare.startsWith('# mine\nversion: 1\nnetwork_policies:\n  clawdeck_approved:\n')).toBe(true);
    expect(mustLoad(bare).compiled.rules.map((r) => r.host)).toEqual(['a.test']);
    const flow = addEndpoint('version: 1 # v\nnetwork_policies:\n  clawdeck_approved: { endpoints: [{ host: b.test, port: 80 }] }\n', 'clawdeck_approved', ep).text;
    expect(flow).toContain('# v');
    expect(mustLoad(flow).compiled.rules.map((r) => r.host)).toEqual(['b.test', 'a.test']);
  });

  it('unknown rule ids are a user error', () => {
    expect(() => toggleEndpoint(original, 'nope/endpoints[0]')).toThrow(/no endpoint "nope\/endpoints\[0\]"/);
  });
});

describe('preset merge', () => {
  it('adds a new preset entry whole', async () => {
    const { text, result } = mergePreset(original, await loadPreset('pypi'));
    expect(result).toEqual(['pypi: pypi.org:443', 'pypi: files.pythonhosted.org:443']);
    expect(text.startsWith(original)).toBe(true);
    mustLoad(text);
  });

  it("never drops the operator's own endpoints or binaries in an entry the preset also has", async () => {
    const mine = `version: 1
network_policies:
  # my npm setup
  npm_yarn:
    name: npm_yarn
    endpoints:
      - host: npm.internal.example   # company mirror
        port: 443
    binaries:
      - { path: /opt/custom/npm }
`;
    const { text: out } = mergePreset(mine, await loadPreset('npm'));
    const r = mustLoad(out);
    expect(r.policy.network_policies!.npm_yarn!.endpoints.map((e) => e.host)).toEqual(['npm.internal.example', 'registry.npmjs.org', 'registry.yarnpkg.com']);
    expect(r.policy.network_policies!.npm_yarn!.binaries).toEqual([{ path: '/opt/custom/npm' }]);
    expect(out).toContain('      - host: npm.internal.example   # company mirror\n');
    expect(out).toContain('# my npm setup');
    // Merging again adds nothing and changes nothing.
    expect(mergePreset(out, await loadPreset('npm'))).toEqual({ text: out, result: [] });
  });

  it.each(['npm', 'pypi', 'github', 'huggingface', 'nvidia-inference', 'debian', 'docker'])('the shipped %s preset merges into the default policy and validates', async (name) => {
    const base = readFileSync(join(import.meta.dirname, '..', '..', '..', 'blueprints', 'openclaw', 'policy.yaml'), 'utf8');
    const { text, result } = mergePreset(base, await loadPreset(name));
    expect(result.length).toBeGreaterThan(0);
    mustLoad(text);
  });

  it('an unknown preset name lists the real ones', async () => {
    await expect(loadPreset('nope')).rejects.toThrow(/no preset named "nope"/);
  });
});
