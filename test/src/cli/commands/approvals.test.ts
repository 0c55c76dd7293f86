import { describe, it, expect } from 'vitest';
import { parseAllowScope } from '../../../../src/cli/commands/approvals.js';

describe('parseAllowScope', () => {
  it.each([
    ['once', false, { action: 'allow', scope: 'once' }],
    ['session', false, { action: 'allow', scope: 'session' }],
    ['always', true, { action: 'allow', scope: 'always', wildcard: true }],
    ['10m', false, { action: 'allow', scope: 'timed', ttl_ms: 600_000 }],
    ['90s', true, { action: 'allow', scope: 'timed', ttl_ms: 90_000, wildcard: true }],
  ])('turns --scope %s (domain %s) into the protocol decision', (scope, domain, want) => {
    expect(parseAllowScope(scope, domain)).toEqual(want);
  });

  it('refuses an unknown scope as a usage error', () => {
    expect(() => parseAllowScope('forever', false)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseAllowScope('0s', false)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
