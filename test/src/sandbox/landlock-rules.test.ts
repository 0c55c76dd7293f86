import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBlueprintDir } from '../../../src/sandbox/blueprint.js';
import { formatRules, landlockRulesFrom } from '../../../src/sandbox/landlock-rules.js';

const tmp = (name: string, text: string): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'll-')), name);
  writeFileSync(f, text);
  return f;
};

describe('landlock rules from the policy', () => {
  it('Without a user policy the blueprint default is used: /sandbox and /tmp writable, /etc read-only', () => {
    const r = landlockRulesFrom('/nonexistent/policy.yaml', defaultBlueprintDir(), 'policy.yaml');
    expect(r.source).toMatch(/blueprints\/openclaw\/policy\.yaml$/);
    expect(r.readWrite).toEqual(expect.arrayContaining(['/sandbox', '/tmp']));
    expect(r.readOnly).toContain('/etc');
    expect(r.readWrite).not.toContain('/etc');
  });

  it('hard_requirement and include_workdir come through to the launcher file', () => {
    const f = tmp('policy.yaml', 'version: 1\nfilesystem_policy:\n  include_workdir: true\n  read_only: [/usr]\nlandlock:\n  compatibility: hard_requirement\n');
    const r = landlockRulesFrom(f, defaultBlueprintDir(), 'policy.yaml');
    expect(formatRules(r)).toBe('compat hard_requirement\nro /usr\nrw /sandbox\n');
  });

  it('A broken policy refuses to start the sandbox with file:line:col', () => {
    const f = tmp('policy.yaml', 'version: 1\nfilesystem_policy:\n  read_write: [relative/path]\n');
    expect(() => landlockRulesFrom(f, defaultBlueprintDir(), 'policy.yaml')).toThrow(/policy\.yaml:3:\d+/);
  });
});
