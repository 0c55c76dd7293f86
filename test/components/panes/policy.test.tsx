import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show, paneTheme as theme } from '../../helpers/show-pane.js';
import { render } from 'ink-testing-library';
import { PolicyPane } from '../../../components/panes/policy/policy-pane.js';
import { highlightYaml } from '../../../components/panes/policy/policy-lines.js';
import { createTheme } from '../../../components/theme/theme.js';
import { makePolicy } from '../../fixtures/snapshot.js';

afterEach(() => cleanup());

describe('policy pane', () => {
  it('shows the file with line numbers, validity and the endpoint cursor', () => {
    const f = show(<PolicyPane policy={makePolicy()} rules={3} cursor={2} focused width={60} height={20} />);
    expect(f).toContain('valid, 3 rules');
    expect(f).toMatch(/›\s*13\s+- host: pypi.org/);
    expect(f).toContain('(disabled)');
  });

  it('shows validation errors with line:col', () => {
    const policy = { ...makePolicy(), valid: false, errors: [{ code: 'POLICY_UNKNOWN_KEY', message: 'unknown key "hots"', kind: 'user' as const, where: [{ file: 'policy.yaml', line: 6, col: 9 }] }] };
    const f = show(<PolicyPane policy={policy} rules={0} cursor={0} focused width={60} height={12} />);
    expect(f).toContain('INVALID (1)');
    expect(f).toContain('6:9 unknown key "hots"');
  });

  it('highlights keys, values and comments in colour when colour is on', () => {
    const colour = createTheme({ LANG: 'C.UTF-8' });
    const segs = highlightYaml('      - host: pypi.org # mirror', colour);
    expect(segs.find((s) => s.text === 'host:')?.color).toBe(colour.tokens.yamlKey);
    expect(segs.find((s) => s.text.startsWith('pypi.org'))?.color).toBe(colour.tokens.yamlValue);
    expect(segs.find((s) => s.text.includes('# mirror'))?.color).toBe(colour.tokens.yamlComment);
    expect(highlightYaml('# all comment', theme).every((s) => s.color === undefined)).toBe(true);
  });
});
