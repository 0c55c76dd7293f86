import type { UiState } from '../app/ui-state.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';
import { keyUnavailable } from '../panes/approvals/selectors.js';
import { keymap, type Binding, type Scope } from '../input/keymap.js';
import { activeScopes } from '../input/scopes.js';
import type { Theme } from '../theme/theme.js';
import { useTheme } from '../theme/theme-context.js';
import { Lines, type Line } from './lines.js';

// How a key name is printed in the footer and help (short, ASCII).
export const showKey = (k: string): string =>
  ({ enter: 'Enter', escape: 'Esc', tab: 'Tab', 'shift+tab': 'S-Tab', space: 'Space', up: 'Up', down: 'Down', left: 'Left', right: 'Right', pageup: 'PgUp', pagedown: 'PgDn', backspace: 'BkSp', end: 'End', 'alt+enter': 'M-Enter' })[k] ??
  k.replace(/^ctrl\+/, 'C-');

// Bindings usable right now (live scopes, minus the ones --readonly disables), for footer and help.
export const liveBindings = (ui: UiState, scopes: readonly Scope[] = activeScopes(ui)): Binding[] =>
  scopes.flatMap((s) => keymap.filter((b) => b.scope === s && !(ui.readonly && 'mutates' in b && b.mutates)));

// The footer row: "key label" for every live binding, focused scope first, clipped to the width. Keys that do
// not apply to the selected approval (session/timed/domain/path for an exec request...) are greyed.
export const footerLine = (ui: UiState, theme: Theme, approval?: ApprovalItem): Line =>
  liveBindings(ui)
    .filter((b) => b.scope !== 'always')
    .flatMap((b): Line =>
      keyUnavailable(b.command, approval)
        ? [
            { text: b.keys.slice(0, 2).map(showKey).join('/'), color: theme.tokens.muted, dim: true },
            { text: ` ${b.label}  `, color: theme.tokens.muted, dim: true },
          ]
        : [
            { text: b.keys.slice(0, 2).map(showKey).join('/'), color: theme.tokens.accent, bold: true },
            { text: ` ${b.label}  `, color: theme.tokens.muted },
          ],
    );

// Draws the footer.
export const Footer = ({ ui, width, approval }: { ui: UiState; width: number; approval?: ApprovalItem }) => {
  const theme = useTheme();
  return <Lines lines={[footerLine(ui, theme, approval)]} width={width} height={1} />;
};
