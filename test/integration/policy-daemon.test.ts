import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/daemon/client.js';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';

// The policy engine inside a real daemon, driven through the socket and the built CLI.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'policy');
const DEFAULT = readFileSync(join(import.meta.dirname, '..', '..', 'blueprints', 'openclaw', 'policy.yaml'), 'utf8');

const status = async (h: TestHome): Promise<{ valid: boolean; last_error: { message: string; where?: Array<{ line: number; col: number }> } | null; rules: number }> => {
  const r = await h.cli(['status', '--json']);
  return (JSON.parse(r.stdout) as { policy: never }).policy;
};

describe('clawdeck policy check (no daemon)', () => {
  let h: TestHome;
  beforeAll(() => {
    h = makeHome();
  });
  afterAll(async () => h.cleanup());

  it('exits 0 for a valid file (the NemoClaw baseline)', async () => {
    const r = await h.cli(['policy', 'check', join(FIXTURES, 'nemoclaw-openclaw-sandbox.yaml')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid \(15 endpoints in 9 policies\)/);
  });

  it('exits 1 and prints FILE:LINE:COL: message for every error', async () => {
    const bad = join(h.dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "api.*.example.com"\n        port: 443\n        colour: red\n');
    const r = await h.cli(['policy', 'check', bad]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${bad}:5:15: network_policies.x.endpoints[0].host: host "api.*.example.com": wildcards are only allowed in the first label (e.g. "*.example.com")`,
      `${bad}:7:9: unknown key "colour" at network_policies.x.endpoints[0].colour`,
    ]);
  });

  it('--json gives the errors as data', async () => {
    const bad = join(h.dir, 'bad2.yaml');
    writeFileSync(bad, 'version: 3\n');
    const r = await h.cli(['policy', 'check', bad, '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, errors: [{ file: bad, line: 1, col: 10 }] });
  });

  it('a missing file is an error, not a crash', async () => {
    const r = await h.cli(['policy', 'check', join(h.dir, 'nope.yaml')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
  });

  it('diff without a daemon compares with the policy file on disk', async () => {
    writeFileSync(h.paths.policyFile, 'version: 1\nnetwork_policies:\n  web:\n    endpoints:\n      - { host: a.test, port: 443 }\n');
    const next = join(h.dir, 'next.yaml');
    writeFileSync(next, 'version: 1\nnetwork_policies:\n  web:\n    endpoints:\n      - { host: a.test, port: 443 }\n      - { host: b.test, port: 443 }\n');
    const r = await h.cli(['policy', 'diff', next]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('+ web b.test:443  (host/port only)');
    expect(r.stderr).toMatch(/daemon not running: compared with/);
  });

  it('preset list works without a daemon', async () => {
    const r = await h.cli(['policy', 'preset', 'list', '--json']);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual(
      expect.arrayContaining(['npm', 'pypi', 'github', 'huggingface', 'nvidia-inference', 'debian']),
    );
  });
});

describe('the policy service in a running daemon', () => {
  let h: TestHome;
  let client: DaemonClient;
  beforeAll(async () => {
    h = makeHome();
    const up = await h.cli(['up', '--no-sandbox']);
    expect(up.exitCode, up.stderr).toBe(0);
    client = await DaemonClient.connect(h.paths.socket, 'policy-test');
  });
  afterAll(async () => {
    client?.close();
    await h.cleanup();
  });

  it('seeds the default policy on first start (owner-only) and reports it valid', async () => {
    expect(readFileSync(h.paths.policyFile, 'utf8')).toBe(DEFAULT);
    expect(existsSync(h.paths.policyFile)).toBe(true);
    const st = await status(h);
    expect(st).toMatchObject({ valid: true, last_error: null });
    expect(st.rules).toBe(2);
    const show = await client.request('policy.show');
    expect(show.unknown_hosts).toBe('ask');
    expect(show.rules.map((r) => r.id)).toEqual(['openclaw_docs/endpoints[0]', 'clawhub/endpoints[0]']);
  });

  it('policy.apply via the socket validates, writes atomically with a backup and swaps', async () => {
    const before = await client.request('policy.show');
    const text = DEFAULT.replace('\n  unknown_hosts: ask', '\n  unknown_hosts: deny');
    const res = await client.request('policy.apply', { text });
    expect(res.generation).toBe(before.generation + 1);
    expect(res.changes).toEqual([{ change: 'changed', policy: 'clawdeck', endpoint: null, detail: 'unknown_hosts: ask → deny' }]);
    expect(readFileSync(h.paths.policyFile, 'utf8')).toBe(text);
    expect(readFileSync(`${h.paths.policyFile}.bak`, 'utf8')).toBe(DEFAULT);
    expect((await client.request('policy.show')).unknown_hosts).toBe('deny');
  });

  it('policy.apply refuses invalid text with positions and leaves everything in place', async () => {
    const current = readFileSync(h.paths.policyFile, 'utf8');
    const err = await client.request('policy.apply', { text: 'version: 1\nnope: 1\n' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'POLICY_INVALID', where: [{ line: 2, col: 1 }] });
    expect(readFileSync(h.paths.policyFile, 'utf8')).toBe(current);
  });

  it('status shows last_error after a bad save, and clears it after a good one', async () => {
    const good = readFileSync(h.paths.policyFile, 'utf8');
    const gen = (await client.request('policy.show')).generation;
    writeFileSync(h.paths.policyFile, good.replace('  unknown_hosts: deny', '  unknown_hosts: deny\n  colour: red'));
    const st = await waitFor(async () => {
      const s = await status(h);
      return s.valid ? null : s;
    }, 'status to report the bad save');
    expect(st.last_error?.message).toBe('unknown key "colour" at clawdeck.colour');
    expect(st.last_error?.where).toEqual([{ file: h.paths.policyFile, line: expect.any(Number), col: 3 }]);
    const human = await h.cli(['status']);
    expect(human.stdout).toMatch(new RegExp(`last error: ${h.paths.policyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:3: unknown key "colour"`));
    const show = await client.request('policy.show');
    expect(show.generation).toBe(gen);
    expect(show.valid).toBe(false);
    expect(show.text).toContain('colour: red');

    writeFileSync(h.paths.policyFile, good.replace('\n  unknown_hosts: deny', '\n  unknown_hosts: ask'));
    await waitFor(async () => (await status(h)).valid, 'status valid again');
    expect((await status(h)).last_error).toBeNull();
  });

  it('policy diff and apply from the CLI, rule by rule', async () => {
    const next = join(h.dir, 'next.yaml');
    const base = readFileSync(h.paths.policyFile, 'utf8');
    writeFileSync(next, base.replace('      - host: docs.openclaw.ai', '      - host: docs2.openclaw.ai'));
    const d = await h.cli(['policy', 'diff', next]);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toBe('- openclaw_docs docs.openclaw.ai:443  (access read-only)\n+ openclaw_docs docs2.openclaw.ai:443  (access read-only)');
    const a = await h.cli(['policy', 'apply', next, '--json']);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ changes: [{ change: 'removed' }, { change: 'added' }] });
    const show = await h.cli(['policy', 'show', '--json']);
    expect((JSON.parse(show.stdout) as { rules: Array<{ host: string }> }).rules[0]!.host).toBe('docs2.openclaw.ai');
  });

  it('policy diff/apply of an invalid file print FILE:LINE:COL and exit 1', async () => {
    const bad = join(h.dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nlandlock: { compatibility: sometimes }\n');
    for (const verb of ['diff', 'apply']) {
      const r = await h.cli(['policy', verb, bad]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:28: landlock\\.compatibility: `));
    }
  });

  it('a static section change is applied to the file but flagged as needing a restart', async () => {
    const base = readFileSync(h.paths.policyFile, 'utf8');
    const res = await client.request('policy.apply', { text: base.replace('compatibility: best_effort', 'compatibility: hard_requirement') });
    expect(res.static_changed).toEqual(['landlock']);
    expect(res.notice).toMatch(/landlock changed: needs a sandbox restart/);
    const snap = await client.request('policy.show');
    expect(snap.static_pending).toEqual(['landlock']);
  });

  it('policy preset add merges a preset once and keeps what was there', async () => {
    const r = await h.cli(['policy', 'preset', 'add', 'pypi']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/preset pypi: added 2 endpoint\(s\)/);
    const again = await h.cli(['policy', 'preset', 'add', 'pypi']);
    expect(again.stdout).toMatch(/already in the policy/);
    const text = readFileSync(h.paths.policyFile, 'utf8');
    expect(text).toContain('# OpenClaw documentation: read-only.');
    expect(text).toContain('docs2.openclaw.ai');
    const unknown = await h.cli(['policy', 'preset', 'add', 'nope']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/no preset named "nope"/);
  });

  it('policy preset add takes the operator\'s own preset file (NemoClaw format), with errors at file:line:col', async () => {
    const file = join(h.dir, 'corp-preset.yaml');
    writeFileSync(file, 'preset:\n  name: corp\n  description: "internal artifact mirror"\n\nnetwork_policies:\n  corp_mirror:\n    name: corp_mirror\n    endpoints:\n      - host: artifacts.corp.example\n        port: 443\n        access: read-only\n');
    const r = await h.cli(['policy', 'preset', 'add', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added 1 endpoint\(s\)/);
    expect(readFileSync(h.paths.policyFile, 'utf8')).toContain('artifacts.corp.example');
    const broken = join(h.dir, 'broken-preset.yaml');
    writeFileSync(broken, 'preset:\n  name: broken\nnetwork_policies:\n  b:\n    endpoints:\n      - host: b.corp.example\n        port: 443\n        rules:\n          - allow: { method: GET, path: "api/**" }\n');
    const bad = await h.cli(['policy', 'preset', 'add', broken]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain(`${broken}:9:`);
    expect(bad.stderr).toContain('never matches');
    expect(readFileSync(h.paths.policyFile, 'utf8')).not.toContain('b.corp.example');
    const missing = await h.cli(['policy', 'preset', 'add', join(h.dir, 'nope.yaml')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/cannot read preset file .*nope\.yaml: ENOENT/);
  });

  it('toggles and deletes endpoints by rule id (TUI methods)', async () => {
    const off = await client.request('policy.endpoint.toggle', { id: 'clawhub/endpoints[0]' });
    expect(off.enabled).toBe(false);
    expect(readFileSync(h.paths.policyFile, 'utf8')).toContain('disabled: true');
    // The TUI spells the id `rule`.
    const on = await client.request('policy.endpoint.toggle', { rule: 'clawhub/endpoints[0]' });
    expect(on.enabled).toBe(true);
    await client.request('policy.endpoint.delete', { id: 'pypi/endpoints[1]' });
    expect(readFileSync(h.paths.policyFile, 'utf8')).not.toContain('files.pythonhosted.org');
    await expect(client.request('policy.endpoint.delete', { id: 'nope/endpoints[9]' })).rejects.toMatchObject({ code: 'POLICY_RULE_NOT_FOUND' });
  });

  it('policy edit applies what the editor saved (--yes) and refuses an invalid save', async () => {
    const editor = join(h.dir, 'fake-editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  unknown_hosts: ask/  unknown_hosts: deny/" "$1"\n');
    chmodSync(editor, 0o755);
    const r = await h.cli(['policy', 'edit', '--yes'], { env: { EDITOR: editor, VISUAL: '' } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/~ clawdeck  \(unknown_hosts: ask → deny\)\napplied \(generation \d+\)/);
    expect((await client.request('policy.show')).unknown_hosts).toBe('deny');

    const breaker = join(h.dir, 'bad-editor.sh');
    writeFileSync(breaker, '#!/bin/sh\necho "bogus: 1" >> "$1"\n');
    chmodSync(breaker, 0o755);
    const bad = await h.cli(['policy', 'edit', '--yes'], { env: { EDITOR: breaker, VISUAL: '' } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/policy\.yaml:\d+:1: unknown key "bogus" at bogus/);
    expect(readFileSync(h.paths.policyFile, 'utf8')).not.toContain('bogus');
  });

  it('policy edit loops back to the editor after an error until the save is valid', async () => {
    const editor = join(h.dir, 'second-try.sh');
    const count = join(h.dir, 'count');
    // First run breaks the file; the second run repairs it and makes a real change.
    writeFileSync(editor, `#!/bin/sh\nif [ -f ${count} ]; then sed -i -e '/^oops: 1$/d' -e 's/^  unknown_hosts: deny/  unknown_hosts: ask/' "$1"; else echo "oops: 1" >> "$1"; touch ${count}; fi\n`);
    chmodSync(editor, 0o755);
    const r = await h.cli(['policy', 'edit'], { env: { EDITOR: editor, VISUAL: '' }, input: 'y\ny\n' });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/unknown key "oops"/);
    expect(r.stdout).toMatch(/applied \(generation \d+\)/);
    expect((await client.request('policy.show')).unknown_hosts).toBe('ask');
  });

  it('policy show prints a rule table', async () => {
    const r = await h.cli(['policy', 'show']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/RULE\s+HOST\s+PORTS\s+ACTION\s+STATE\s+NOTE/);
    expect(r.stdout).toMatch(/clawhub\/endpoints\[0\]\s+clawhub\.com\s+443\s+l7\s+on/);
  });
});

describe('a daemon started with an invalid policy file', () => {
  let h: TestHome;
  beforeAll(async () => {
    h = makeHome();
    writeFileSync(h.paths.policyFile, 'version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "*.com"\n        port: 443\n');
    const up = await h.cli(['up', '--no-sandbox']);
    expect(up.exitCode, up.stderr).toBe(0);
  });
  afterAll(async () => h.cleanup());

  it('starts, reports the error with its position, and denies everything until the file is fixed', async () => {
    const st = await status(h);
    expect(st.valid).toBe(false);
    expect(st.last_error?.where).toEqual([{ file: h.paths.policyFile, line: 5, col: 15 }]);
    const show = JSON.parse((await h.cli(['policy', 'show', '--json'])).stdout) as { unknown_hosts: string; notice: string | null };
    expect(show.unknown_hosts).toBe('deny');
    // Writes into a broken file are refused rather than overwriting the operator's text.
    const preset = await h.cli(['policy', 'preset', 'add', 'npm']);
    expect(preset.exitCode).toBe(1);
    expect(preset.stderr).toMatch(/has errors; not writing into it/);

    writeFileSync(h.paths.policyFile, 'version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "*.example.com"\n        port: 443\n');
    await waitFor(async () => (await status(h)).valid, 'the fixed file to be in force');
    const fixed = JSON.parse((await h.cli(['policy', 'show', '--json'])).stdout) as { unknown_hosts: string; rules: unknown[] };
    expect(fixed.unknown_hosts).toBe('ask');
    expect(fixed.rules).toHaveLength(1);
  });
});
