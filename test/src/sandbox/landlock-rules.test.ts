import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBlueprintDir } from '../../../src/sandbox/blueprint.js';
import { formatRules, landlockRulesForStart, rulesOf, type SandboxPolicy } from '../../../src/sandbox/landlock-rules.js';
import { loadPolicyText } from '../../../src/policy/load.js';
import { FilePolicyEngine } from '../../../src/policy/engine.js';
import type { YamlIssue } from '../../../src/config/yaml-validate.js';

const tmp = (name: string, text: string): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'll-')), name);
  writeFileSync(f, text);
  return f;
};

describe('landlock rules from the policy', () => {
  const rulesFromText = (text: string, file: string) => {
    const r = loadPolicyText(text, file);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return rulesOf(r.policy, file);
  };

  it('The blueprint default policy makes /sandbox and /tmp writable and /etc read-only', () => {
    const file = join(defaultBlueprintDir(), 'policy.yaml');
    const r = rulesFromText(readFileSync(file, 'utf8'), file);
    expect(r.readWrite).toEqual(expect.arrayContaining(['/sandbox', '/tmp']));
    expect(r.readOnly).toContain('/etc');
    expect(r.readWrite).not.toContain('/etc');
  });

  it('hard_requirement and include_workdir come through to the launcher file', () => {
    const r = rulesFromText('version: 1\nfilesystem_policy:\n  include_workdir: true\n  read_only: [/usr]\nlandlock:\n  compatibility: hard_requirement\n', 'p.yaml');
    expect(formatRules(r)).toBe('compat hard_requirement\nro /usr\nrw /sandbox\n');
  });

  it('At container start the rules come from the policy in force (not the file on disk) and its static sections become live', async () => {
    const f = tmp('policy.yaml', 'version: 1\nfilesystem_policy:\n  read_write: [/sandbox]\n');
    const engine = await FilePolicyEngine.open(f);
    // A static change saved while the sandbox was not yet started (e.g. during the image build): pending a restart.
    await engine.applyText('version: 1\nfilesystem_policy:\n  read_write: [/sandbox, /tmp]\nlandlock:\n  compatibility: hard_requirement\n');
    expect(engine.staticPending().length).toBeGreaterThan(0);
    // The file on disk now differs from the policy in force (a broken save the engine rejected keeps the last good one).
    writeFileSync(f, 'version: 1\nfilesystem_policy:\n  read_write: [relative/path]\n');
    let marked = 0;
    const handle: SandboxPolicy = { engine, startErrors: () => [], sandboxStarted: () => (marked++, engine.markSandboxStarted()) };
    const r = landlockRulesForStart(handle);
    expect(r).toMatchObject({ compat: 'hard_requirement', readWrite: ['/sandbox', '/tmp'], source: f });
    expect(marked).toBe(1);
    expect(engine.staticPending()).toEqual([]);
    expect(engine.notice()).toBeNull();
    engine.stop();
  });

  it('A policy invalid since daemon start (deny-all fallback in force) refuses to start the sandbox with file:line:col', async () => {
    const f = tmp('policy.yaml', 'version: 1\n');
    const engine = await FilePolicyEngine.open(f);
    const errors: YamlIssue[] = [{ file: f, line: 3, col: 17, message: 'must be an absolute path' }];
    const handle: SandboxPolicy = { engine, startErrors: () => errors, sandboxStarted: () => engine.markSandboxStarted() };
    expect(() => landlockRulesForStart(handle)).toThrow(/policy\.yaml:3:17: must be an absolute path/);
    engine.stop();
  });
});
