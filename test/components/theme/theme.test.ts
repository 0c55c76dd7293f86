import { describe, it, expect } from 'vitest';
import { createTheme } from '../../../components/theme/theme.js';

describe('createTheme', () => {
  it('uses colour and Unicode glyphs in a UTF-8 colour terminal', () => {
    const t = createTheme({ LANG: 'en_US.UTF-8', TERM: 'xterm-256color' });
    expect(t.color).toBe(true);
    expect(t.unicode).toBe(true);
    expect(t.tokens.error).toBeDefined();
  });

  it.each([
    [{ NO_COLOR: '1' }, {}],
    [{}, { noColor: true }],
    [{ TERM: 'dumb' }, {}],
  ])('drops every colour token for %o %o', (env, flags) => {
    const t = createTheme({ LANG: 'C.UTF-8', ...env }, flags);
    expect(t.color).toBe(false);
    expect(Object.values(t.tokens).every((v) => v === undefined)).toBe(true);
  });

  it('falls back to ASCII glyphs and borders for TERM=dumb and non-UTF-8 locales', () => {
    for (const env of [{ TERM: 'dumb', LANG: 'C.UTF-8' }, { LANG: 'C' }, { LC_ALL: 'POSIX' }]) {
      const t = createTheme(env);
      expect(t.unicode).toBe(false);
      expect(t.border).toBe('classic');
      expect([...Object.values(t.glyphs).flat().join('')].every((c) => c.charCodeAt(0) < 128)).toBe(true);
    }
  });
});
