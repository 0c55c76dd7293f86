import { describe, it, expect } from 'vitest';
import { allowEntriesFrom, withoutEntry } from '../../../src/agent/exec-allowlist.js';

const snapshot = {
  path: '/state/openclaw.sqlite#exec_approvals_config',
  hash: 'h1',
  file: {
    version: 1,
    defaults: { security: 'allowlist', ask: 'on-miss' },
    agents: {
      main: {
        ask: 'on-miss',
        allowlist: [
          { id: 'e1', pattern: '/usr/bin/echo', argPattern: 'sha256:argv:abc', source: 'allow-always', lastUsedAt: 0, lastResolvedPath: '/usr/bin/echo' },
          { id: 'e2', pattern: '~/bin/rg', lastUsedCommand: 'rg foo' },
          { pattern: 'no-id-yet' },
        ],
      },
      ops: { allowlist: [{ id: 'e3', pattern: '/usr/bin/git' }] },
    },
  },
};

describe('OpenClaw exec allowlist mapping', () => {
  it('flattens every agent allowlist into entries', () => {
    expect(allowEntriesFrom(snapshot)).toEqual([
      { id: 'e1', agent: 'main', pattern: '/usr/bin/echo', arg_pattern: 'sha256:argv:abc', source: 'allow-always', last_used_at: '1970-01-01T00:00:00.000Z', last_used_command: null },
      { id: 'e2', agent: 'main', pattern: '~/bin/rg', arg_pattern: null, source: null, last_used_at: null, last_used_command: 'rg foo' },
      { id: 'e3', agent: 'ops', pattern: '/usr/bin/git', arg_pattern: null, source: null, last_used_at: null, last_used_command: null },
    ]);
    expect(allowEntriesFrom({ file: {} })).toEqual([]);
  });

  it('revoking removes exactly that entry and keeps the rest of the document', () => {
    const next = withoutEntry(snapshot, 'e1')! as typeof snapshot.file;
    expect(next.defaults).toEqual(snapshot.file.defaults);
    expect(next.agents.main.ask).toBe('on-miss');
    expect(next.agents.main.allowlist.map((e) => e.pattern)).toEqual(['~/bin/rg', 'no-id-yet']);
    expect(next.agents.ops).toEqual(snapshot.file.agents.ops);
    expect(withoutEntry(snapshot, 'nope')).toBeNull();
  });
});
