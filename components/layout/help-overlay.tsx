import type { UiState } from '../app/ui-state.js';
import type { Scope } from '../input/keymap.js';
import type { Theme } from '../theme/theme.js';
import { PaneFrame, contentColumns, contentRows } from './pane-frame.js';
import { liveBindings, showKey } from './footer.js';
import { useTheme } from '../theme/theme-context.js';
import type { Line } from './lines.js';

const TITLES: Record<Scope, string> = {
  always: 'anywhere',
  global: 'everywhere',
  chat: 'chat',
  'chat.input': 'chat: writing',
  meter: 'meter',
  approvals: 'approvals',
  policy: 'policy',
  help: 'help',
  details: 'details',
  confirm: 'confirm',
  review: 'policy review',
};

// Scopes the help lists: what the focused pane offers (and its text entry), then the global keys.
export const helpScopes = (ui: UiState): Scope[] => [
  ui.focus,
  ...(ui.focus === 'chat' && !ui.readonly ? (['chat.input'] as const) : []),
  'global',
  'always',
];

// Help text generated from the keymap, flowed into as many columns as the width allows.
export const helpLines = (ui: UiState, width: number, rows: number, theme: Theme): Line[] => {
  const entries: Line[] = [];
  for (const scope of helpScopes(ui)) {
    const bs = liveBindings(ui, [scope]);
    if (!bs.length) continue;
    entries.push([{ text: TITLES[scope], bold: true, color: theme.tokens.accent }]);
    for (const b of bs) {
      entries.push([{ text: `  ${b.keys.map(showKey).join(' ').padEnd(14)}`, color: theme.tokens.accent }, { text: b.label }]);
    }
  }
  if (ui.readonly) entries.push([{ text: 'read-only: approve/deny/edit keys are disabled', color: theme.tokens.muted }]);
  const lenOf = (l: Line): number => l.reduce((n, s) => n + [...s.text].length, 0);
  const colW = Math.max(...entries.map(lenOf)) + 2;
  const cols = Math.max(1, Math.min(Math.ceil(entries.length / Math.max(1, rows)), Math.floor(width / colW)));
  const perCol = Math.ceil(entries.length / cols);
  const out: Line[] = [];
  for (let r = 0; r < Math.min(rows, perCol); r++) {
    const line: Line = [];
    for (let c = 0; c < cols; c++) {
      const e = entries[c * perCol + r];
      if (!e) continue;
      const len = lenOf(e);
      line.push(...e, ...(c < cols - 1 ? [{ text: ' '.repeat(Math.max(1, colW - len)) }] : []));
    }
    out.push(line);
  }
  return out;
};

// The `?` overlay.
export const HelpOverlay = ({ ui, width, height }: { ui: UiState; width: number; height: number }) => {
  const theme = useTheme();
  const lines = helpLines(ui, contentColumns(width), contentRows(height), theme);
  return <PaneFrame title="Keys" info={[{ text: 'Esc closes', color: theme.tokens.muted }]} focused width={width} height={height} lines={lines} />;
};
