import type { UiState } from '../app/ui-state.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';
import { keyUnavailable } from '../panes/approvals/selectors.js';
import { keymap, type Binding, type Scope } from '../input/keymap.js';
import { activeScopes } from '../input/scopes.js';
import type { Theme } from '../theme/theme.js';
import { useTheme } from '../theme/theme-context.js';
import { Lines, lineText, type Line } from './lines.js';

// How a key name is printed in the footer and help (short, ASCII).
export const showKey = (k: string): string =>
  ({ enter: 'Enter', escape: 'Esc', tab: 'Tab', 'shift+tab': 'S-Tab', space: 'Space', up: 'Up', down: 'Down', left: 'Left', right: 'Right', pageup: 'PgUp', pagedown: 'PgDn', backspace: 'BkSp', end: 'End', 'alt+enter': 'M-Enter' })[k] ??
  k.replace(/^ctrl\+/, 'C-');

// Bindings usable right now (live scopes, minus the ones --readonly disables), for footer and help.
export const liveBindings = (ui: UiState, scopes: readonly Scope[] = activeScopes(ui)): Binding[] =>
  scopes.flatMap((s) => keymap.filter((b) => b.scope === s && !(ui.readonly && 'mutates' in b && b.mutates)));

const MORE = '? all keys';

// The footer row: "key label" for every live binding, focused scope first. When that does not fit the width,
// actions come before navigation, each with its first key only, whole entries only, and the row ends with a
// pointer to the help overlay instead of a cut word. Keys that do not apply to the selected approval
// (session/timed/domain/path for an exec request...) are greyed.
export const footerLine = (ui: UiState, theme: Theme, approval?: ApprovalItem, width = Infinity): Line => {
  const bindings = liveBindings(ui).filter((b) => b.scope !== 'always');
  const entry = (b: Binding, keys: number): Line => {
    const off = keyUnavailable(b.command, approval) !== null;
    return [
      { text: b.keys.slice(0, keys).map(showKey).join('/'), color: off ? theme.tokens.muted : theme.tokens.accent, bold: !off, dim: off },
      { text: ` ${b.label}  `, color: theme.tokens.muted, dim: off },
    ];
  };
  const all = bindings.flatMap((b) => entry(b, 2));
  if (lineText(all).length <= width) return all;
  const actionsFirst = [...bindings.filter((b) => 'mutates' in b && b.mutates), ...bindings.filter((b) => !('mutates' in b && b.mutates))];
  const out: Line = [];
  let used = 0;
  for (const b of actionsFirst) {
    const e = entry(b, 1);
    const w = lineText(e).length;
    if (used + w + MORE.length > width) break;
    out.push(...e);
    used += w;
  }
  return [...out, { text: MORE, color: theme.tokens.muted }];
};

// Draws the footer.
export const Footer = ({ ui, width, approval }: { ui: UiState; width: number; approval?: ApprovalItem }) => {
  const theme = useTheme();
  return <Lines lines={[footerLine(ui, theme, approval, width)]} width={width} height={1} />;
};
