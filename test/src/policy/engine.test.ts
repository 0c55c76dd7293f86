import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePolicyEngine } from '../../../src/policy/engine.js';
import { isClawdeckError } from '../../../src/protocol/errors.js';
import { waitFor } from '../../helpers/home.js';

const BASE = `# operator's policy
version: 1
filesystem_policy:
  read_write: [/sandbox, /tmp]
network_policies:
  web:
    endpoints:
      - host: api.example.com   # the API
        port: 443
`;
const PUB = '93.184.216.34';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-policy-'));
  file = join(dir, 'policy.yaml');
  writeFileSync(file, BASE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FilePolicyEngine', () => {
  it('decides from the file it opened', async () => {
    const e = await FilePolicyEngine.open(file);
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('allow');
    expect(e.decide({ host: 'other.example.com', port: 443, ip: PUB }).verdict).toBe('ask');
  });

  it('refuses to open an invalid file, with positions', async () => {
    writeFileSync(file, 'version: 1\nbogus: true\n');
    const err = await FilePolicyEngine.open(file).catch((x: unknown) => x);
    expect(isClawdeckError(err) && err.code).toBe('POLICY_INVALID');
    expect(isClawdeckError(err) && err.where).toEqual([{ file, line: 2, col: 1 }]);
  });

  it('addRule writes a stamped rule, keeps a backup, and is in force before it resolves', async () => {
    const e = await FilePolicyEngine.open(file);
    let changes = 0;
    e.onChange(() => changes++);
    await e.addRule({ host: 'pypi.org', port: 443, action: 'allow', approved_by: 'tui:bob', comment: 'approval a1' });
    expect(e.decide({ host: 'pypi.org', port: 443, ip: PUB })).toMatchObject({ verdict: 'allow', rule: 'clawdeck_approved/endpoints[0]' });
    expect(e.generation).toBe(2);
    expect(changes).toBe(1);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(BASE)).toBe(true);
    expect(text).toMatch(/approved_by: tui:bob\n\s+approved_at: "?\d{4}-/);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(BASE);
  });

  it('an always-deny beats an existing allow for the same host', async () => {
    const e = await FilePolicyEngine.open(file);
    await e.addRule({ host: 'api.example.com', port: 443, action: 'deny', approved_by: 'cli:x' });
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB })).toMatchObject({ verdict: 'deny', rule: 'clawdeck_denied/endpoints[0]' });
  });

  it('a wildcard approval covers sub-domains', async () => {
    const e = await FilePolicyEngine.open(file);
    await e.addRule({ host: '*.pythonhosted.org', port: 443, action: 'allow', approved_by: 'x' });
    expect(e.decide({ host: 'files.pythonhosted.org', port: 443, ip: PUB }).verdict).toBe('allow');
  });

  it('applyText rejects invalid text and changes nothing', async () => {
    const e = await FilePolicyEngine.open(file);
    await expect(e.applyText('version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: "*"\n        port: 1\n')).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      where: [{ file, line: 5, col: 15 }],
    });
    expect(readFileSync(file, 'utf8')).toBe(BASE);
    expect(existsSync(`${file}.bak`)).toBe(false);
    expect(e.generation).toBe(1);
  });

  it('applyText reports the rule-by-rule diff and swaps', async () => {
    const e = await FilePolicyEngine.open(file);
    const next = BASE.replace('api.example.com', 'api2.example.com');
    const d = await e.applyText(next);
    expect(d.changes).toEqual([
      { change: 'removed', policy: 'web', endpoint: 'api.example.com:443', detail: 'host/port only' },
      { change: 'added', policy: 'web', endpoint: 'api2.example.com:443', detail: 'host/port only' },
    ]);
    expect(e.decide({ host: 'api2.example.com', port: 443, ip: PUB }).verdict).toBe('allow');
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('ask');
  });

  it('re-applying the policy in force swaps nothing, but repairs a broken file on disk', async () => {
    const e = await FilePolicyEngine.open(file);
    expect((await e.applyText(BASE)).changes).toEqual([]);
    expect(e.generation).toBe(1);
    expect(existsSync(`${file}.bak`)).toBe(false);
    writeFileSync(file, 'broken: [');
    await e.applyText(BASE);
    expect(readFileSync(file, 'utf8')).toBe(BASE);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe('broken: [');
    expect(e.generation).toBe(1);
  });

  it('a changed static section is reported as needing a restart, not as applied', async () => {
    const e = await FilePolicyEngine.open(file);
    const d = await e.applyText(BASE.replace('[/sandbox, /tmp]', '[/sandbox, /tmp, /data]'));
    expect(d.static_changed).toEqual(['filesystem_policy']);
    expect(e.staticPending()).toEqual(['filesystem_policy']);
    expect(e.notice()).toMatch(/filesystem_policy changed: needs a sandbox restart/);
    e.markSandboxStarted();
    expect(e.notice()).toBeNull();
  });

  it('toggle and delete work by rule id', async () => {
    const e = await FilePolicyEngine.open(file);
    expect(await e.toggleEndpoint('web/endpoints[0]')).toBe(false);
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('ask');
    expect(await e.toggleEndpoint('web/endpoints[0]')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(BASE);
    await e.deleteEndpoint('web/endpoints[0]');
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('ask');
  });

  it('refuses to write into a file that has errors on disk', async () => {
    const e = await FilePolicyEngine.open(file);
    writeFileSync(file, BASE + 'oops: 1\n');
    await expect(e.addRule({ host: 'x.test', port: 443, action: 'allow', approved_by: 'x' })).rejects.toMatchObject({ code: 'POLICY_FILE_INVALID' });
    expect(readFileSync(file, 'utf8')).toBe(BASE + 'oops: 1\n');
  });

  it('concurrent additions are serialized and none is lost', async () => {
    const e = await FilePolicyEngine.open(file);
    await Promise.all(Array.from({ length: 5 }, (_, i) => e.addRule({ host: `h${i}.test`, port: 443, action: 'allow', approved_by: 'x' })));
    for (let i = 0; i < 5; i++) expect(e.decide({ host: `h${i}.test`, port: 443, ip: PUB }).verdict).toBe('allow');
  });
});

describe('rule expiry', () => {
  it('notifies listeners when an expiring rule lapses, and stops allowing it', async () => {
    const soon = new Date(Date.now() + 300).toISOString();
    writeFileSync(file, BASE.replace('        port: 443\n', `        port: 443\n        expires: "${soon}"\n`));
    const e = await FilePolicyEngine.open(file);
    let fired = 0;
    e.onChange(() => fired++);
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('allow');
    await waitFor(() => fired === 1, 'expiry notification');
    expect(e.decide({ host: 'api.example.com', port: 443, ip: PUB }).verdict).toBe('ask');
    e.stop();
  });
});
