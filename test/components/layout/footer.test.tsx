import { describe, it, expect } from 'vitest';
import { footerLine } from '../../../components/layout/footer.js';
import { lineText } from '../../../components/layout/lines.js';
import { initialUi } from '../../../components/app/ui-state.js';
import { createTheme } from '../../../components/theme/theme.js';

describe('footer', () => {
  const theme = createTheme({ TERM: 'xterm-256color' }, {});
  const ui = { ...initialUi(), focus: 'chat' as const };

  it('shows every key of the focused pane when they fit', () => {
    const text = lineText(footerLine(ui, theme));
    expect(text).not.toContain('? all keys');
    expect(text).toContain('write a message');
  });

  it.each([40, 80, 120])('at %i columns shows only whole entries, actions first, and ends with a pointer to the help', (width) => {
    const full = lineText(footerLine(ui, theme));
    const text = lineText(footerLine(ui, theme, undefined, width));
    expect(full.length).toBeGreaterThan(width);
    expect(text.length).toBeLessThanOrEqual(width);
    expect(text.endsWith('? all keys')).toBe(true);
    // Every shown entry is a whole "key label" pair of the full row (its first key).
    for (const entry of text.replace('? all keys', '').split(/ {2}/).filter(Boolean)) {
      const [key, ...label] = entry.split(' ');
      expect(full).toMatch(new RegExp(`(^| )${key!.replace(/[[\]]/g, '\\$&')}(/\\S+)? ${label.join(' ')}  `));
    }
    expect(text.startsWith('i write a message')).toBe(true);
  });

  it('puts the approval actions before list navigation when the row is narrow', () => {
    const text = lineText(footerLine({ ...ui, focus: 'approvals' }, theme, undefined, 80));
    expect(text).toMatch(/^a allow once {2}d deny {2}s allow session {2}t allow 10 min/);
  });
});
