import { describe, it, expect } from 'vitest';
import { parseEndpoints, yamlSyntaxErrors, findEndpointIndex } from '../../../components/panes/policy/endpoints.js';
import { diffRows, extractProblems } from '../../../components/panes/policy/review-edit.js';
import { wrapText } from '../../../components/panes/chat/wrap.js';
import { POLICY_TEXT } from '../../fixtures/snapshot.js';

describe('policy endpoints', () => {
  it('lists endpoints with engine rule ids, lines and enabled state', () => {
    expect(parseEndpoints(POLICY_TEXT)).toEqual([
      { rule: 'github/endpoints[0]', policy: 'github', label: 'api.github.com:443', line: 6, enabled: true },
      { rule: 'github/endpoints[1]', policy: 'github', label: 'github.com:443', line: 8, enabled: false },
      { rule: 'pypi/endpoints[0]', policy: 'pypi', label: 'pypi.org:443', line: 13, enabled: true },
    ]);
  });

  it('finds the endpoint a rule names, or the first of its policy', () => {
    const eps = parseEndpoints(POLICY_TEXT);
    expect(findEndpointIndex(eps, 'github/endpoints[1]')).toBe(1);
    expect(findEndpointIndex(eps, 'pypi')).toBe(2);
    expect(findEndpointIndex(eps, 'nope/endpoints[0]')).toBe(-1);
    expect(findEndpointIndex(eps, null)).toBe(-1);
  });

  it('reports YAML syntax errors with 1-based line:col and tolerates them when listing', () => {
    const bad = 'version: 1\nnetwork_policies:\n  a: [\n';
    const errs = yamlSyntaxErrors(bad);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.line).toBeGreaterThanOrEqual(3);
    expect(errs[0]!.col).toBeGreaterThanOrEqual(1);
    expect(parseEndpoints(bad)).toEqual([]);
    expect(yamlSyntaxErrors(POLICY_TEXT)).toEqual([]);
  });

  it('diffs an edit into hunk rows and reads problems from any error shape', () => {
    expect(diffRows('a\nb\n', 'a\nc\n')).toEqual(['@@ -1,2 +1,2 @@', ' a', '-b', '+c']);
    expect(diffRows('same', 'same')).toEqual([]);
    expect(extractProblems({ errors: [{ message: 'm', where: [{ file: 'f', line: 2, col: 4 }] }, { line: 9, col: 1, message: 'n' }] })).toEqual([
      { line: 2, col: 4, message: 'm' },
      { line: 9, col: 1, message: 'n' },
    ]);
    expect(extractProblems({ valid: true, errors: [] })).toEqual([]);
  });
});

describe('wrapText', () => {
  it('wraps on words, hard-breaks long words and keeps blank lines', () => {
    expect(wrapText('aa bb cc', 5)).toEqual(['aa bb', 'cc']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('a\n\nb', 10)).toEqual(['a', '', 'b']);
  });
});
