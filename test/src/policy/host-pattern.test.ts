import { describe, expect, it } from 'vitest';
import { normalizeHost, parseHostPattern } from '../../../src/policy/host-pattern.js';

describe('normalizeHost', () => {
  it.each([
    ['api.example.com', 'api.example.com'],
    ['API.Example.COM', 'api.example.com'],
    ['api.example.com.', 'api.example.com'],
    ['Bücher.Example.', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['[::1]', '::1'],
    ['FE80::1', 'fe80::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (raw, want) => expect(normalizeHost(raw)).toBe(want));
});

describe('parseHostPattern', () => {
  it('normalizes exact hosts the same way as requests', () => {
    expect(parseHostPattern('Bücher.Example.')).toEqual({ ok: true, pattern: { kind: 'exact', host: 'xn--bcher-kva.example' } });
  });

  it('keeps the labels after a wildcard in order', () => {
    const r = parseHostPattern('**.Deep.Example.org');
    expect(r.ok && r.pattern.kind === 'wildcard' && [r.pattern.firstText, r.pattern.rest]).toEqual(['**', ['deep', 'example', 'org']]);
  });

  it('compiles an intra-label glob to one label', () => {
    const r = parseHostPattern('*-aiplatform.googleapis.com');
    if (!r.ok || r.pattern.kind !== 'wildcard' || !(r.pattern.first instanceof RegExp)) throw new Error('expected a glob');
    expect(r.pattern.first.test('us-central1-aiplatform')).toBe(true);
    expect(r.pattern.first.test('aiplatform')).toBe(false);
    expect(r.pattern.first.test('a.b-aiplatform')).toBe(false);
  });
});
